import { describe, expect, test } from 'vitest';
import type { OsFact, PostureFacts } from '../posture/facts.js';
import type { VersionScheme } from '../definitions/view.js';
import type { CheckParams, CheckStatus } from './contract.js';
import { osVersionCheck } from './os-version.js';
import { runCheck } from './registry.js';
import { contextOf, DEBIAN_12, errorFact, expectWellFormed, MACOS_15, ok, FEDORA_40, unknownFact, WINDOWS_11 } from './test-context.js';
import { createDefinitionsView } from '../definitions/memory-view.js';

const params: CheckParams['os-version'] = {
  minimum: [
    { product: 'Windows 11', version: '10.0.22631.4000' },
    { product: 'Windows 11 Enterprise', version: '10.0.22631.4500' },
    { product: 'debian', version: '12.5' },
    { product: 'Fedora', version: '39' },
  ],
};

const os = (o: Partial<OsFact>): PostureFacts => ({ os: ok({ ...WINDOWS_11, ...o }) });

describe('os-version', () => {
  test.each<[string, PostureFacts, CheckParams['os-version'], CheckStatus, string]>([
    ['Windows 11 above minimum', { os: ok(WINDOWS_11) }, params, 'compliant', 'meets the minimum version 10.0.22631.4000'],
    ['Windows 11 below minimum', os({ version: '10.0.22631.3999' }), params, 'non-compliant-major', 'below the minimum version'],
    ['product matched case-insensitively', os({ product: 'WINDOWS 11 PRO' }), params, 'compliant', 'meets'],
    ['most specific product wins', os({ product: 'Windows 11 Enterprise' }), params, 'non-compliant-major', '10.0.22631.4500'],
    ['Debian 12.7', { os: ok(DEBIAN_12) }, params, 'compliant', 'meets'],
    ['Debian 12.10 is above 12.5 (numeric, not text)', { os: ok({ ...DEBIAN_12, version: '12.10' }) }, params, 'compliant', 'meets'],
    ['Debian 12.4', { os: ok({ ...DEBIAN_12, version: '12.4' }) }, params, 'non-compliant-major', 'debian 12.4 is below'],
    ['Fedora (no feed platform) is compared dotted', { os: ok(FEDORA_40) }, params, 'compliant', 'meets'],
    ['unlisted product fails by default', { os: ok(MACOS_15) }, params, 'non-compliant-major', 'not an approved operating system'],
    ['unlisted product with unlisted: pass', { os: ok(MACOS_15) }, { ...params, unlisted: 'pass' }, 'compliant', 'unlisted products are allowed'],
    ['no minimum at all', { os: ok(MACOS_15) }, { minimum: [] }, 'non-compliant-major', 'not an approved'],
    ['no OS fact', {}, params, 'unknown', 'no OS evidence reported'],
    ['OS collector timed out', { os: unknownFact('timed out after 5 s') }, params, 'unknown', 'timed out after 5 s'],
    ['OS collector failed', { os: errorFact('registry key missing') }, params, 'error', 'registry key missing'],
    ['malformed OS fact', { os: ok({ family: 'linux', product: 'debian', version: 12 } as unknown as OsFact) }, params, 'error', 'malformed OS evidence'],
  ])('%s', (_name, facts, p, status, reason) => {
    const r = runCheck('os-version', contextOf(facts), p);
    expect(r.status).toBe(status);
    expect(r.reason.en).toContain(reason);
    expect(r.check).toBe('os-version');
    expectWellFormed(r);
  });

  test.each<[string, OsFact, VersionScheme]>([
    ['Debian uses its platform scheme', DEBIAN_12, 'dpkg'],
    ['an OS no feed covers is compared dotted', FEDORA_40, 'dotted'],
  ])('%s', (_name, fact, scheme) => {
    const defs = createDefinitionsView({ advisories: [], forbidden: [] });
    const seen: VersionScheme[] = [];
    const spy = { ...defs, compare: (s: VersionScheme, a: string, b: string) => (seen.push(s), defs.compare(s, a, b)) };
    osVersionCheck.evaluate(contextOf({ os: ok(fact) }, { definitions: spy }), params);
    expect(seen).toEqual([scheme]);
  });

  test('evidence names the OS fact, and remediation says which version to reach', () => {
    const r = runCheck('os-version', contextOf(os({ version: '10.0.19045.1' })), params);
    expect(r.evidence).toEqual([{ fact: 'os', collectedAt: '2025-06-01T11:55:00.000Z', source: 'kenneki-agent' }]);
    expect(r.remediation[0]).toEqual({
      en: 'Upgrade Windows 11 Pro to version 10.0.22631.4000 or later.',
      ja: 'Windows 11 Pro をバージョン 10.0.22631.4000 以降にアップグレードしてください。',
    });
  });
});
