import { describe, expect, it, test } from 'vitest';
import { DEBIAN_12, NOW, ok, unknownFact } from '../verifiers/test-context.js';
import { evaluate, type EvaluationInput } from './evaluate.js';
import { DAY, firewallOff, healthy, HOUR, iso, testInput, testPolicy } from './test-fixtures.js';
import type { PolicyException } from './exception.js';
import type { PolicyCheck } from './policy.js';

const policy = testPolicy;
const input = testInput;

describe('result → action → verdict', () => {
  test.each([
    // facts, action, onUnknown, verdict, effective action
    ['compliant', healthy, 'isolate', undefined, 'allow', 'pass'],
    ['major + isolate', firewallOff, 'isolate', undefined, 'isolate', 'isolate'],
    ['major + deny', firewallOff, 'deny', undefined, 'deny', 'deny'],
    ['major + warn', firewallOff, 'warn', undefined, 'allow', 'warn'],
    ['unknown + default', { ...healthy, firewall: unknownFact<never>('timed out') }, 'isolate', undefined, 'isolate', 'isolate'],
    ['unknown + deny', { ...healthy, firewall: unknownFact<never>('timed out') }, 'isolate', 'deny', 'deny', 'deny'],
    ['unknown on a warn-only check', { ...healthy, firewall: unknownFact<never>('timed out') }, 'warn', undefined, 'allow', 'warn'],
    ['absent fact', { os: ok(DEBIAN_12) }, 'isolate', undefined, 'isolate', 'isolate'],
  ] as const)('%s', (_name, facts, action, onUnknown, verdict, effective) => {
    const d = evaluate(input({ facts, policies: [policy([{ check: 'firewall', action, ...(onUnknown ? { onUnknown } : {}) }])] }));
    expect(d.verdict).toBe(verdict);
    expect(d.trace.checks[0]!.effectiveAction).toBe(effective);
  });

  it('takes the strictest action: deny beats isolate beats allow', () => {
    const d = evaluate(
      input({
        facts: { ...firewallOff, secureBoot: ok(false) },
        policies: [policy([{ check: 'firewall', action: 'isolate' }, { check: 'secure-boot', action: 'deny' }, { check: 'ip-forwarding', action: 'isolate' }])],
      }),
    );
    expect(d.verdict).toBe('deny');
    expect(d.reasons).toHaveLength(2);
    expect(d.remediation.length).toBeGreaterThanOrEqual(2);
  });
});

describe('posture that cannot be judged fails closed', () => {
  test.each([
    ['no posture at all', { posture: undefined } as Partial<EvaluationInput>, 'no-posture'],
    ['posture older than stale_after_hours', { reportedAgoMs: 25 * HOUR }, 'stale-posture'],
    ['no policy matches', { policies: [policy([], { match: { groups: ['nobody'] } })] }, 'no-policy'],
    ['every policy disabled', { policies: [policy([], { enabled: false })] }, 'no-policy'],
  ])('%s → the configured default, never allow', (_n, over, defaulted) => {
    for (const unknownEndpointVerdict of ['isolate', 'deny'] as const) {
      const d = evaluate(input({ ...over, defaults: { unknownEndpointVerdict, staleAfterHours: 24 } }));
      expect(d.verdict).toBe(unknownEndpointVerdict);
      expect(d.trace.defaulted).toBe(defaulted);
      expect(d.reasons[0]!.ja).toBeTruthy();
    }
  });
});

describe('grace', () => {
  const graced = (failingSince?: string) =>
    input({ facts: firewallOff, policies: [policy([{ check: 'firewall', action: 'isolate', graceDays: 3 }])], failingSince: new Map(failingSince ? [['firewall', failingSince]] : []) });

  test.each([
    ['first failure (counts from now)', undefined, 'allow', true],
    ['failing for 2 days', iso(-2 * DAY), 'allow', true],
    ['failing for exactly 3 days', iso(-3 * DAY), 'isolate', false],
    ['failing for 4 days', iso(-4 * DAY), 'isolate', false],
  ])('%s → %s', (_n, since, verdict, active) => {
    const d = evaluate(graced(since));
    expect(d.verdict).toBe(verdict);
    expect(d.trace.checks[0]!.grace?.active).toBe(active);
    expect(d.trace.checks[0]!.grace?.days).toBe(3);
  });

  it('a warned failure in grace still tells the user what to fix', () => {
    const d = evaluate(graced(iso(-DAY)));
    expect(d.trace.checks[0]!.effectiveAction).toBe('warn');
    expect(d.remediation.length).toBeGreaterThan(0);
  });
});

describe('monitor-only', () => {
  it('a monitor-only check records what it would do and enforces nothing', () => {
    const d = evaluate(input({ facts: firewallOff, policies: [policy([{ check: 'firewall', action: 'isolate', monitorOnly: true }])] }));
    expect(d.verdict).toBe('allow');
    expect(d.monitoredVerdict).toBe('isolate');
    expect(d.trace.checks[0]).toMatchObject({ monitorOnly: true, wouldBe: 'isolate', effectiveAction: 'warn' });
  });

  it('a policy in monitor mode enforces none of its checks', () => {
    const d = evaluate(input({ facts: firewallOff, policies: [policy([{ check: 'firewall', action: 'deny' }], { mode: 'monitor' })] }));
    expect(d.verdict).toBe('allow');
    expect(d.monitoredVerdict).toBe('deny');
  });

  it('monitor-only does not soften the other, enforcing checks', () => {
    const d = evaluate(
      input({
        facts: { ...firewallOff, secureBoot: ok(false) },
        policies: [policy([{ check: 'firewall', action: 'isolate', monitorOnly: true }, { check: 'secure-boot', action: 'isolate' }])],
      }),
    );
    expect(d.verdict).toBe('isolate');
  });
});

describe('exceptions', () => {
  const exc = (scope: PolicyException['scope'], checks: PolicyException['checks'], expiresInMs = DAY): PolicyException => ({
    id: `x-${scope.kind}`,
    tenantId: 't',
    scope,
    checks,
    reason: 'development team cannot patch until the release',
    approver: 'ciso',
    expiresAt: iso(expiresInMs),
    createdAt: iso(-DAY),
    createdBy: 'admin',
  });

  test.each([
    ['user scope', exc({ kind: 'user', user: 'ALICE' }, ['firewall']), 'allow'],
    ['device scope', exc({ kind: 'device', endpointId: 'e1' }, ['firewall']), 'allow'],
    ['group scope', exc({ kind: 'group', group: 'staff' }, ['firewall']), 'allow'],
    ['whole policy (*)', exc({ kind: 'group', group: 'staff' }, ['*']), 'allow'],
    ['another user', exc({ kind: 'user', user: 'bob' }, ['firewall']), 'isolate'],
    ['another device', exc({ kind: 'device', endpointId: 'e2' }, ['firewall']), 'isolate'],
    ['another group', exc({ kind: 'group', group: 'dev' }, ['firewall']), 'isolate'],
    ['another check', exc({ kind: 'user', user: 'alice' }, ['antivirus']), 'isolate'],
    ['expired', exc({ kind: 'user', user: 'alice' }, ['firewall'], -1), 'isolate'],
  ])('%s → %s', (_n, e, verdict) => {
    const d = evaluate(input({ facts: firewallOff, exceptions: [e] }));
    expect(d.verdict).toBe(verdict);
    if (verdict === 'allow') {
      expect(d.trace.checks[0]).toMatchObject({ effectiveAction: 'waived', exceptionId: e.id });
      expect(d.trace.exceptions.map((t) => t.id)).toEqual([e.id]);
    }
  });

  it('expiry takes effect by time alone', () => {
    const e = exc({ kind: 'user', user: 'alice' }, ['firewall'], HOUR);
    expect(evaluate(input({ facts: firewallOff, exceptions: [e] })).verdict).toBe('allow');
    expect(evaluate(input({ facts: firewallOff, exceptions: [e], now: new Date(NOW.getTime() + 2 * HOUR), reportedAgoMs: 0 })).verdict).toBe('isolate');
  });
});

describe('policy selection', () => {
  const strict = policy([{ check: 'firewall', action: 'deny' }], { id: 'p-dev', name: 'developers', precedence: 10, match: { groups: ['dev'] } });
  const kiosk = policy([{ check: 'firewall', action: 'warn' }], { id: 'p-kiosk', name: 'kiosks', precedence: 20, match: { deviceTags: ['kiosk'] } });
  const both = policy([], { id: 'p-both', name: 'dev-kiosk', precedence: 5, match: { groups: ['dev'], deviceTags: ['kiosk'] } });
  const base = policy([{ check: 'firewall', action: 'isolate' }], { precedence: 1000 });

  test.each([
    ['group member', ['dev'], ['laptop'], 'developers', 'group dev'],
    ['tagged device', ['staff'], ['kiosk'], 'kiosks', 'tag kiosk'],
    ['both required and present', ['dev'], ['kiosk'], 'dev-kiosk', 'group dev and tag kiosk'],
    ['nothing specific', ['staff'], ['laptop'], 'base', 'catch-all'],
    ['group match is case-insensitive', ['DEV'], [], 'developers', 'group dev'],
  ])('%s → %s', (_n, groups, tags, name, matchedBy) => {
    const d = evaluate(input({ facts: firewallOff, subject: { endpointId: 'e1', groups, tags }, policies: [base, kiosk, strict, both] }));
    expect(d.trace.policy).toMatchObject({ name, matchedBy });
  });
});

describe('use-last-known', () => {
  const pc: PolicyCheck = { check: 'firewall', action: 'isolate', onUnknown: 'use-last-known', lastKnownMaxAgeHours: 48 };
  const missing = { ...healthy, firewall: unknownFact<never>('ufw timed out') };

  test.each([
    ['recent good value', ok({ profiles: [{ name: 'default', enabled: true }] }, iso(-10 * HOUR)), 'allow', true],
    ['recent bad value', ok({ profiles: [{ name: 'default', enabled: false }] }, iso(-10 * HOUR)), 'isolate', true],
    ['good value too old', ok({ profiles: [{ name: 'default', enabled: true }] }, iso(-50 * HOUR)), 'isolate', false],
    ['nothing known', undefined, 'isolate', false],
  ])('%s → %s', (_n, known, verdict, used) => {
    const d = evaluate(input({ facts: missing, lastKnown: known ? { firewall: known } : {}, policies: [policy([pc])] }));
    expect(d.verdict).toBe(verdict);
    expect(d.trace.checks[0]!.usedLastKnown !== undefined).toBe(used);
  });
});

describe('quarantine allow list', () => {
  const withHosts = { quarantineAllow: [{ host: 'updates.example.com', protocol: 'tcp' as const, ports: [443] }], remediationUrl: 'http://fix.example.com:8080/help' };

  test('a device that is not allowed gets the list plus the remediation page host', () => {
    const d = evaluate(input({ policies: [policy([{ check: 'firewall', action: 'isolate' }], withHosts)], facts: firewallOff }));
    expect(d.verdict).toBe('isolate');
    expect(d.quarantineAllow).toEqual([
      { host: 'updates.example.com', protocol: 'tcp', ports: [443] },
      { host: 'fix.example.com', protocol: 'tcp', ports: [8080] },
    ]);
  });

  test('an allowed device gets none', () => {
    const d = evaluate(input({ policies: [policy([{ check: 'firewall', action: 'isolate' }], withHosts)] }));
    expect(d.verdict).toBe('allow');
    expect(d.quarantineAllow).toBeUndefined();
  });
});
