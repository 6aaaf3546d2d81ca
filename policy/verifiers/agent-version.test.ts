import { describe, expect, test } from 'vitest';
import type { AgentFact, PostureFacts } from '../posture/facts.js';
import type { VersionScheme } from '../definitions/view.js';
import type { CheckParams, CheckStatus } from './contract.js';
import { agentVersionCheck } from './agent-version.js';
import { runCheck } from './registry.js';
import { contextOf, errorFact, expectWellFormed, ok, unknownFact } from './test-context.js';
import { createDefinitionsView } from '../definitions/memory-view.js';

const agent = (name: string, version: string): PostureFacts => ({ agent: ok({ name, version }) });
const MIN = { minimum: '1.9.0' };

describe('agent-version', () => {
  test.each<[string, PostureFacts, CheckParams['agent-version'], CheckStatus, string]>([
    ['Kenneki agent at the minimum', agent('kenneki-agent', '1.9.0'), MIN, 'compliant', 'Kenneki agent 1.9.0 meets the minimum 1.9.0'],
    ['Kenneki agent newer (1.10 > 1.9)', agent('kenneki-agent', '1.10.0'), MIN, 'compliant', 'meets'],
    ['Kenneki agent older', agent('kenneki-agent', '1.8.3'), MIN, 'non-compliant-major', 'Kenneki agent 1.8.3 is older than the minimum 1.9.0'],
    ['strongSwan NEA client is not judged', { agent: ok({ name: 'strongSwan', version: '5.9.14' }, undefined, 'nea-ietf') }, MIN, 'compliant', 'not a Kenneki agent; not judged'],
    ['old non-Kenneki client is not judged either', agent('other-nea-client', '0.1'), MIN, 'compliant', 'not a Kenneki agent; not judged'],
    ['no agent fact', {}, MIN, 'unknown', 'no agent evidence reported'],
    ['agent fact unknown', { agent: unknownFact('no product information attribute') }, MIN, 'unknown', 'no product information attribute'],
    ['agent fact error', { agent: errorFact('bad attribute') }, MIN, 'error', 'bad attribute'],
    ['malformed agent fact', { agent: ok({ name: 'kenneki-agent' } as unknown as AgentFact) }, MIN, 'error', 'malformed agent evidence'],
    ['no minimum configured', agent('kenneki-agent', '1.9.0'), {} as CheckParams['agent-version'], 'error', 'no minimum agent version configured'],
  ])('%s', (_name, facts, params, status, reason) => {
    const r = runCheck('agent-version', contextOf(facts), params);
    expect(r.status).toBe(status);
    expect(r.reason.en).toContain(reason);
    expectWellFormed(r);
  });

  test('compares with semver ordering', () => {
    const defs = createDefinitionsView({ advisories: [], forbidden: [] });
    const seen: VersionScheme[] = [];
    const spy = { ...defs, compare: (s: VersionScheme, a: string, b: string) => (seen.push(s), defs.compare(s, a, b)) };
    agentVersionCheck.evaluate(contextOf(agent('kenneki-agent', '2.0.0'), { definitions: spy }), MIN);
    expect(seen).toEqual(['semver']);
  });
});
