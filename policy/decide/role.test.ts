import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { evaluate, type EvaluationInput } from './evaluate.js';
import { DAY, firewallOff, healthy, iso, testInput, testPolicy, type TestInputOptions } from './test-fixtures.js';
import type { Policy, PolicyCheck } from './policy.js';
import { roleFor, vlanFor, vlanProblem, type NetworkRole } from './role.js';

function role(name: string, groups: string[], over: Partial<NetworkRole> = {}): NetworkRole {
  return { id: `r-${name}`, tenantId: 't', name, precedence: 100, groups, revision: 1, createdAt: iso(-DAY), updatedAt: iso(-DAY), ...over };
}

function policy(name: string, checks: PolicyCheck[], over: Partial<Policy> = {}): Policy {
  return testPolicy(checks, { id: `p-${name}`, name, ...over });
}

// Strict by its own match (developers get deny), lenient by name only: a role must pick the latter.
const strictDev = policy('dev-strict', [{ check: 'firewall', action: 'deny' }], { precedence: 10, match: { groups: ['Developers'] } });
const lenient = policy('dev-lenient', [{ check: 'firewall', action: 'isolate' }], { precedence: 500, match: { groups: ['nobody'] } });
const base = policy('base', [{ check: 'firewall', action: 'deny' }], { precedence: 1000 });

function input(over: TestInputOptions & { groups?: string[] } = {}): EvaluationInput {
  const { groups, ...rest } = over;
  const given = testInput({ policies: [strictDev, lenient, base], ...rest });
  return { ...given, subject: { ...given.subject, groups: groups ?? ['Developers'], tags: [] } };
}

describe('roleFor', () => {
  const devs = role('developers', ['Developers', 'Eng'], { precedence: 10 });
  const staff = role('staff', ['Staff'], { precedence: 50 });
  const everyone = role('everyone', ['Developers', 'Staff'], { precedence: 90 });

  test.each([
    ['lowest precedence wins', ['Staff', 'Developers'], 'developers', 'Developers'],
    ['a later role when the earlier does not match', ['Staff'], 'staff', 'Staff'],
    ['groups compared case-insensitively; the role spelling is reported', ['eng'], 'developers', 'Eng'],
    ['upper case subject', ['STAFF'], 'staff', 'Staff'],
  ])('%s', (_n, groups, name, group) => {
    expect(roleFor([everyone, staff, devs], groups)).toEqual({ role: expect.objectContaining({ name }), group });
  });

  it('a precedence tie goes to the name, whatever the order given', () => {
    const b = role('b-role', ['G'], { precedence: 5 });
    const a = role('a-role', ['g'], { precedence: 5 });
    expect(roleFor([b, a], ['G'])?.role.name).toBe('a-role');
    expect(roleFor([a, b], ['G'])?.role.name).toBe('a-role');
  });

  test.each([
    ['no groups', [] as string[], [devs]],
    ['no roles', ['Developers'], []],
    ['no common group', ['Sales', 'Developerz'], [devs, staff]],
  ])('no match: %s', (_n, groups, roles) => {
    expect(roleFor(roles, groups)).toBeUndefined();
  });

  it('property: the match intersects the subject, and no lower (precedence, name) role does', () => {
    const groupName = fc.constantFrom('dev', 'DEV', 'Dev', 'ops', 'OPS', 'staff', 'Staff', 'sales', 'ADMINS', 'guests');
    const roles = fc.uniqueArray(
      fc.record({ name: fc.stringMatching(/^[a-zA-Z]{1,4}$/), precedence: fc.integer({ min: 0, max: 5 }), groups: fc.array(groupName, { minLength: 1, maxLength: 4 }) }),
      { selector: (r) => r.name, maxLength: 8 },
    );
    fc.assert(
      fc.property(roles, fc.array(groupName, { maxLength: 5 }), (rs, groups) => {
        const list = rs.map((r) => role(r.name, r.groups, { precedence: r.precedence }));
        const subject = new Set(groups.map((g) => g.toLowerCase()));
        const intersects = (r: NetworkRole) => r.groups.some((g) => subject.has(g.toLowerCase()));
        const lower = (a: NetworkRole, b: NetworkRole) => a.precedence < b.precedence || (a.precedence === b.precedence && a.name < b.name);
        const m = roleFor(list, groups);
        if (m === undefined) return list.every((r) => !intersects(r));
        return (
          intersects(m.role) &&
          m.role.groups.includes(m.group) &&
          subject.has(m.group.toLowerCase()) &&
          !list.some((r) => r !== m.role && lower(r, m.role) && intersects(r))
        );
      }),
      { numRuns: 500 },
    );
  });
});

describe('VLANs', () => {
  const r = role('r', ['g'], { vlans: { allow: '110', isolate: 'quarantine-dev' } });
  test.each([
    ['allow', '110'],
    ['isolate', 'quarantine-dev'],
    ['deny', undefined],
  ] as const)('%s → %s', (verdict, vlan) => expect(vlanFor(r, verdict)).toBe(vlan));

  test.each([
    ['1', undefined],
    ['4094', undefined],
    ['corp.dev_2-a', undefined],
    ['0', 'a numeric VLAN id must be 1..4094 without leading zeros'],
    ['4095', 'a numeric VLAN id must be 1..4094 without leading zeros'],
    ['0100', 'a numeric VLAN id must be 1..4094 without leading zeros'],
    ['has space', expect.stringContaining('VLAN name')],
    ['x'.repeat(33), expect.stringContaining('VLAN name')],
  ])('%s', (value, problem) => expect(vlanProblem(value)).toEqual(problem));
});

describe('evaluate with roles', () => {
  const devRole = role('developers', ['developers'], { precedence: 10, policy: 'dev-lenient', vlans: { allow: '110', isolate: '910' } });

  it("uses the role's policy over one that would match on its own, and says why", () => {
    const d = evaluate(input({ facts: firewallOff, roles: [devRole] }));
    expect(d.trace.policy).toMatchObject({ name: 'dev-lenient', matchedBy: 'role developers (group developers)' });
    expect(d.verdict).toBe('isolate');
    expect(d.trace.role).toEqual({ name: 'developers', matchedBy: 'group developers', vlan: '910' });
    // Without the role, the policy's own match decides (the strict one).
    const without = evaluate(input({ facts: firewallOff }));
    expect(without.trace.policy).toMatchObject({ name: 'dev-strict', matchedBy: 'group Developers' });
    expect(without.verdict).toBe('deny');
    expect(without.trace.role).toBeUndefined();
    expect(without.vlan).toBeUndefined();
  });

  test.each([
    ['allow', healthy, '110'],
    ['isolate', firewallOff, '910'],
  ] as const)('verdict %s gets VLAN %s', (verdict, facts, vlan) => {
    const d = evaluate(input({ facts, roles: [devRole] }));
    expect(d.verdict).toBe(verdict);
    expect(d.vlan).toBe(vlan);
    expect(d.trace.role?.vlan).toBe(vlan);
  });

  it('deny gets no VLAN (it is an Access-Reject)', () => {
    const denying = { ...devRole, policy: 'dev-strict' };
    const d = evaluate(input({ facts: firewallOff, roles: [denying] }));
    expect(d.verdict).toBe('deny');
    expect(d.vlan).toBeUndefined();
    expect(d.trace.role).toEqual({ name: 'developers', matchedBy: 'group developers' });
  });

  test.each([
    ['missing', [strictDev, base]],
    ['disabled', [strictDev, { ...lenient, enabled: false }, base]],
  ])('a role naming a %s policy fails closed: defaulted no-policy, never allow', (_n, policies) => {
    for (const unknownEndpointVerdict of ['isolate', 'deny'] as const) {
      const d = evaluate(input({ facts: healthy, roles: [devRole], policies, defaults: { unknownEndpointVerdict, staleAfterHours: 24 } }));
      expect(d.verdict).toBe(unknownEndpointVerdict);
      expect(d.trace.defaulted).toBe('no-policy');
      expect(d.trace.policy).toBeUndefined();
      expect(d.trace.role).toMatchObject({ name: 'developers', missingPolicy: 'dev-lenient' });
      expect(d.vlan).toBe(unknownEndpointVerdict === 'isolate' ? '910' : undefined);
    }
  });

  it('a role without a policy leaves selection to the policies and only places the endpoint', () => {
    const placeOnly = role('developers', ['Developers'], { vlans: { allow: 'dev-net' } });
    const d = evaluate(input({ roles: [placeOnly] }));
    expect(d.trace.policy).toMatchObject({ name: 'dev-strict', matchedBy: 'group Developers' });
    expect(d.verdict).toBe('allow');
    expect(d.vlan).toBe('dev-net');
  });

  it('a subject in no role is evaluated exactly as without roles', () => {
    const other = role('sales', ['Sales'], { policy: 'dev-lenient', vlans: { allow: '1' } });
    for (const facts of [healthy, firewallOff]) {
      expect(evaluate(input({ facts, roles: [other] }))).toEqual(evaluate(input({ facts })));
    }
  });

  it('under an identity hold the role is traced but gives no VLAN (its groups are unconfirmed)', () => {
    const base = input({ roles: [devRole] });
    const d = evaluate({ ...base, subject: { ...base.subject, identityHold: { kind: 'user', name: 'alice', verdict: 'isolate' } } });
    expect(d.verdict).toBe('isolate');
    expect(d.vlan).toBeUndefined();
    expect(d.trace.role).toEqual({ name: 'developers', matchedBy: 'group developers' });
  });
});
