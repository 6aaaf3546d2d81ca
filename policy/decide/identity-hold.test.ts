import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { DEBIAN_12, ok } from '../verifiers/test-context.js';
import type { Decision } from './decision.js';
import { evaluate, type EvaluationInput } from './evaluate.js';
import { DAY, firewallOff, healthy, iso, testInput, testPolicy, type TestInputOptions } from './test-fixtures.js';
import type { Subject } from './exception.js';
import { stricter, type FailureAction, type Policy } from './policy.js';
import { IDENTITY_HOLD_TEXT } from './texts.js';

type Hold = NonNullable<Subject['identityHold']>;
const userHold = (verdict: Hold['verdict']): Hold => ({ kind: 'user', name: 'alice', verdict });

const policy = testPolicy;

function input(over: TestInputOptions & { hold?: Hold } = {}): EvaluationInput {
  const { hold, ...rest } = over;
  const base = testInput(rest);
  return hold ? { ...base, subject: { ...base.subject, identityHold: hold } } : base;
}

const holdReasons = (d: Decision) => d.reasons.filter((r) => r.en === IDENTITY_HOLD_TEXT.reason.en);
const holdSteps = (d: Decision) => d.remediation.filter((r) => r.en === IDENTITY_HOLD_TEXT.remediation.en);

describe('an identity hold caps the verdict', () => {
  test.each([
    ['allow, isolate hold', healthy, 'isolate', 'allow', 'isolate'],
    ['allow, deny hold', healthy, 'deny', 'allow', 'deny'],
    ['isolate, isolate hold', firewallOff, 'isolate', 'isolate', 'isolate'],
    ['isolate, deny hold', firewallOff, 'deny', 'isolate', 'deny'],
  ] as const)('%s', (_name, facts, holdVerdict, before, after) => {
    expect(evaluate(input({ facts })).verdict).toBe(before);
    expect(evaluate(input({ facts, hold: userHold(holdVerdict) })).verdict).toBe(after);
  });

  it('a deny stays deny under an isolate hold', () => {
    const d = evaluate(input({ facts: firewallOff, hold: userHold('isolate'), policies: [policy([{ check: 'firewall', action: 'deny' }])] }));
    expect(d.verdict).toBe('deny');
    expect(d.monitoredVerdict).toBe('deny');
  });

  it('adds the hold reason and remediation once, after the posture reasons', () => {
    const plain = evaluate(input({ facts: firewallOff }));
    const held = evaluate(input({ facts: firewallOff, hold: userHold('isolate') }));
    expect(held.reasons).toEqual([...plain.reasons, IDENTITY_HOLD_TEXT.reason]);
    expect(held.remediation).toEqual([...plain.remediation, IDENTITY_HOLD_TEXT.remediation]);
    expect(holdReasons(held)).toHaveLength(1);
    expect(holdSteps(held)).toHaveLength(1);
  });

  it('explains an allow turned isolate with the hold texts alone', () => {
    const d = evaluate(input({ hold: userHold('isolate') }));
    expect(d.reasons).toEqual([IDENTITY_HOLD_TEXT.reason]);
    expect(d.remediation).toEqual([IDENTITY_HOLD_TEXT.remediation]);
    expect(d.reasons[0]!.ja).toBeTruthy();
  });

  it('records the hold in the trace and keeps the posture trace', () => {
    const plain = evaluate(input({ facts: firewallOff }));
    const hold: Hold = { kind: 'device', name: 'ws-042.example.org', verdict: 'deny' };
    const d = evaluate(input({ facts: firewallOff, hold }));
    expect(d.trace.identityHold).toEqual(hold);
    expect(d.trace.policy).toEqual(plain.trace.policy);
    expect(d.trace.checks).toEqual(plain.trace.checks);
    expect(evaluate(input()).trace.identityHold).toBeUndefined();
  });

  it('caps the monitored verdict too', () => {
    const monitor = { policies: [policy([{ check: 'firewall', action: 'isolate' }], { mode: 'monitor' })] };
    const plain = evaluate(input({ ...monitor, facts: firewallOff }));
    expect(plain).toMatchObject({ verdict: 'allow', monitoredVerdict: 'isolate' });
    expect(evaluate(input({ ...monitor, facts: firewallOff, hold: userHold('deny') }))).toMatchObject({ verdict: 'deny', monitoredVerdict: 'deny' });
    expect(evaluate(input({ ...monitor, hold: userHold('isolate') }))).toMatchObject({ verdict: 'isolate', monitoredVerdict: 'isolate' });
  });

  it('a group exception waiving every check does not lift the hold', () => {
    const exception = { id: 'x1', tenantId: 't', scope: { kind: 'group' as const, group: 'staff' }, checks: ['*' as const], reason: 'r', approver: 'a', expiresAt: iso(DAY), createdAt: iso(-DAY), createdBy: 'a' };
    const d = evaluate(input({ facts: firewallOff, exceptions: [exception], hold: userHold('isolate') }));
    expect(d.trace.checks[0]!.effectiveAction).toBe('waived');
    expect(d.verdict).toBe('isolate');
  });

  test.each([
    ['no posture', { posture: undefined }, 'no-posture'],
    ['stale posture', { posture: { reportedAt: iso(-2 * DAY), facts: healthy, lastKnown: {} } }, 'stale-posture'],
    ['no policy', { policies: [] }, 'no-policy'],
  ] as const)('caps defaulted decisions too: %s', (_name, over, defaulted) => {
    const d = evaluate(input({ ...over, hold: userHold('deny') }));
    expect(d.trace.defaulted).toBe(defaulted);
    expect(d.verdict).toBe('deny');
    expect(d.monitoredVerdict).toBe('deny');
    expect(d.reasons).toHaveLength(2);
    expect(holdReasons(d)).toHaveLength(1);
    expect(holdSteps(d)).toHaveLength(1);
    expect(d.trace.identityHold).toEqual(userHold('deny'));
  });

  it('changes nothing but the capped verdicts, the texts and the trace, whatever the posture', () => {
    const action = fc.constantFrom<FailureAction>('isolate', 'deny', 'warn');
    const facts = fc.constantFrom(healthy, firewallOff, { ...firewallOff, secureBoot: ok(false) }, { os: ok(DEBIAN_12) });
    fc.assert(
      fc.property(facts, action, action, fc.boolean(), fc.constantFrom<Hold['verdict']>('isolate', 'deny'), fc.constantFrom<Hold['kind']>('user', 'device'), (f, a1, a2, monitor, hv, kind) => {
        const base = input({ facts: f, policies: [policy([{ check: 'firewall', action: a1 }, { check: 'secure-boot', action: a2 }], { mode: monitor ? 'monitor' : 'enforce' })] });
        const plain = evaluate(base);
        const hold: Hold = { kind, name: 'x', verdict: hv };
        const held = evaluate({ ...base, subject: { ...base.subject, identityHold: hold } });
        expect(held.verdict).toBe(stricter(plain.verdict, hv));
        expect(held.monitoredVerdict).toBe(stricter(plain.monitoredVerdict, hv));
        expect(held.verdict).not.toBe('allow');
        expect(held.reasons).toEqual([...plain.reasons, IDENTITY_HOLD_TEXT.reason]);
        expect(holdSteps(held)).toHaveLength(1);
        const { verdict: _v, monitoredVerdict: _m, reasons: _r, remediation: _s, trace, ...rest } = held;
        const { verdict: _pv, monitoredVerdict: _pm, reasons: _pr, remediation: _ps, trace: plainTrace, ...plainRest } = plain;
        expect(rest).toEqual(plainRest);
        expect(trace).toEqual({ ...plainTrace, identityHold: hold });
      }),
      { numRuns: 200 },
    );
  });
});

describe('no hold', () => {
  it('leaves the decision as the posture made it', () => {
    const d = evaluate(input());
    expect(d.verdict).toBe('allow');
    expect(d.reasons).toEqual([]);
    expect(d.trace).not.toHaveProperty('identityHold');
  });
});

describe('a held device is quarantined like any isolated one', () => {
  it('gets its policy\'s remediation page and quarantine allow-list, which an allowed decision leaves out', () => {
    const withRemediation = policy([{ check: 'firewall', action: 'isolate' }], {
      remediationUrl: 'https://fix.example.org/',
      quarantineAllow: [{ host: 'updates.example.org' }],
    } as Partial<Policy>);
    const free = evaluate(input({ policies: [withRemediation] }));
    expect(free.verdict).toBe('allow');
    expect(free.quarantineAllow).toBeUndefined();
    const held = evaluate(input({ policies: [withRemediation], hold: userHold('isolate') }));
    expect(held.verdict).toBe('isolate');
    expect(held.remediationUrl).toBe('https://fix.example.org/');
    expect(held.quarantineAllow).toEqual(evaluate(input({ policies: [withRemediation], facts: firewallOff })).quarantineAllow);
    expect(held.quarantineAllow?.length).toBeGreaterThan(0);
  });
});
