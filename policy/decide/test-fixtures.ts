/** Shared fixtures for the engine's unit tests: a healthy Debian 12 laptop, a policy, an input. */
import { createDefinitionsView } from '../definitions/memory-view.js';
import type { PostureFacts } from '../posture/facts.js';
import { DEBIAN_12, NOW, ok } from '../verifiers/test-context.js';
import type { EvaluationInput } from './evaluate.js';
import type { Policy, PolicyCheck } from './policy.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** NOW shifted by `ms`, as an ISO string. */
export const iso = (ms: number): string => new Date(NOW.getTime() + ms).toISOString();

export const healthy: PostureFacts = {
  os: ok(DEBIAN_12),
  firewall: ok({ profiles: [{ name: 'default', enabled: true }] }),
  secureBoot: ok(true),
  ipForwarding: ok(false),
};
export const firewallOff: PostureFacts = { ...healthy, firewall: ok({ profiles: [{ name: 'Public', enabled: false }] }) };

/** An enabled, enforcing catch-all policy `base` with these checks. */
export function testPolicy(checks: PolicyCheck[], over: Partial<Policy> = {}): Policy {
  return {
    id: over.id ?? 'p-base',
    tenantId: 't',
    name: over.name ?? 'base',
    precedence: 100,
    enabled: true,
    revision: 1,
    mode: 'enforce',
    match: {},
    checks,
    createdAt: iso(-DAY),
    updatedAt: iso(-DAY),
    ...over,
  };
}

export type TestInputOptions = Partial<EvaluationInput> & { facts?: PostureFacts; lastKnown?: PostureFacts; reportedAgoMs?: number };

/** alice's laptop (group staff, tag laptop), reported a minute ago, under a firewall-isolate policy. */
export function testInput(over: TestInputOptions = {}): EvaluationInput {
  const { facts, lastKnown, reportedAgoMs, ...rest } = over;
  return {
    subject: { endpointId: 'e1', user: 'alice', groups: ['staff'], tags: ['laptop'] },
    posture: { reportedAt: iso(-(reportedAgoMs ?? 60_000)), facts: facts ?? healthy, lastKnown: lastKnown ?? {} },
    policies: [testPolicy([{ check: 'firewall', action: 'isolate' }])],
    exceptions: [],
    definitions: createDefinitionsView({ advisories: [], forbidden: [] }),
    firstReported: new Map(),
    failingSince: new Map(),
    now: NOW,
    defaults: { unknownEndpointVerdict: 'isolate', staleAfterHours: 24 },
    ...rest,
  };
}
