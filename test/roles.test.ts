/**
 * Network roles over the real HTTP API: directory group → role → policy and VLAN. A role change
 * and a group membership change both reach stored decisions without a new report; roles are per
 * tenant; a role cannot be left naming a policy that is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollEndpoint, healthyReport, report, startTestServer, type TestServer } from './helpers/kenneki-server.js';
import { auditSince, facts, lastAuditId, policyBody, recordVerdicts } from './helpers/scenario.js';

let s: TestServer;
let adminA: string;
let adminB: string;
let operatorA: string;
let viewerA: string;

beforeAll(async () => {
  s = await startTestServer({ tenants: ['a', 'b'] });
  adminA = s.adminToken['a']!;
  adminB = s.adminToken['b']!;
  operatorA = await s.token('a', 'operator');
  viewerA = await s.token('a', 'viewer');
  for (const admin of [adminA, adminB]) {
    // Lenient for developers (a firewall off only warns); it matches nobody on its own, so only a
    // role can select it. The baseline (catch-all) isolates a firewall that is off.
    const p = await s.api(admin, 'POST', '/api/v1/policies', policyBody('dev-lenient', 500, [{ check: 'firewall', action: 'warn' }], { match: { groups: ['nobody'] } }));
    expect(p.status).toBe(201);
  }
});
afterAll(async () => s?.close());

const roleBody = (over: Record<string, unknown> = {}) => ({ name: 'developers', precedence: 10, groups: ['Developers'], policy: 'dev-lenient', vlans: { allow: '110', isolate: 'dev-quarantine' }, ...over });

async function ok(r: Promise<{ status: number; json: any }>, status = 200) {
  const res = await r;
  expect(res.status, JSON.stringify(res.json)).toBe(status);
  return res.json;
}

async function decisionOf(token: string, id: string) {
  const d = await ok(s.api(token, 'GET', `/api/v1/endpoints/${id}`));
  return { verdict: d.endpoint.verdict as string, vlan: d.decision.vlan as string | undefined, policy: d.decision.trace.policy, role: d.decision.trace.role };
}

describe('CRUD and audit', () => {
  it('create, read, replace and delete a role, one audit row each', async () => {
    let mark = await lastAuditId(s, 'a');
    const created = await ok(s.api(adminA, 'POST', '/api/v1/roles', roleBody({ name: 'crud-role', description: 'for the CRUD test' })), 201);
    expect(created).toMatchObject({ name: 'crud-role', tenantId: 'a', precedence: 10, groups: ['Developers'], policy: 'dev-lenient', vlans: { allow: '110', isolate: 'dev-quarantine' }, revision: 1 });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    let rows = await auditSince(s, 'a', mark);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'role.create', targetType: 'role', targetId: created.id, actor: 'admin-user', after: { name: 'crud-role', policy: 'dev-lenient' } });
    expect(rows[0]!.before).toBeUndefined();

    expect(await ok(s.api(viewerA, 'GET', `/api/v1/roles/${created.id}`))).toEqual(created);
    expect((await ok(s.api(viewerA, 'GET', '/api/v1/roles'))).items.map((r: { id: string }) => r.id)).toContain(created.id);

    // PUT replaces: what is left out (policy, vlans, description) is cleared.
    mark = await lastAuditId(s, 'a');
    const replaced = await ok(s.api(operatorA, 'PUT', `/api/v1/roles/${created.id}`, { name: 'crud-role-2', precedence: 20, groups: ['Ops'] }));
    expect(replaced).toMatchObject({ id: created.id, name: 'crud-role-2', precedence: 20, groups: ['Ops'], revision: 2, createdAt: created.createdAt });
    for (const k of ['policy', 'vlans', 'description']) expect(replaced[k], k).toBeUndefined();
    rows = await auditSince(s, 'a', mark);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'role.update', targetId: created.id, actor: 'operator-user', before: { name: 'crud-role', revision: 1 }, after: { name: 'crud-role-2', revision: 2 } });

    mark = await lastAuditId(s, 'a');
    expect((await s.api(operatorA, 'DELETE', `/api/v1/roles/${created.id}`)).status).toBe(204);
    rows = await auditSince(s, 'a', mark);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'role.delete', targetId: created.id, before: { name: 'crud-role-2' } });
    expect(rows[0]!.after).toBeUndefined();
    expect((await s.api(viewerA, 'GET', `/api/v1/roles/${created.id}`)).status).toBe(404);
    await s.server.queue.idle();
  });

  it('a duplicate name is 409 and writes nothing', async () => {
    const first = await ok(s.api(adminA, 'POST', '/api/v1/roles', roleBody({ name: 'dup' })), 201);
    const mark = await lastAuditId(s, 'a');
    const r = await s.api(adminA, 'POST', '/api/v1/roles', roleBody({ name: 'dup' }));
    expect(r.status).toBe(409);
    expect(r.json.error).toMatchObject({ code: 'KENNEKI_ERR_STORE_CONFLICT', message: 'a role named "dup" already exists' });
    expect(await auditSince(s, 'a', mark)).toEqual([]);
    await ok(s.api(adminA, 'DELETE', `/api/v1/roles/${first.id}`), 204);
    await s.server.queue.idle();
  });

  it('a role granting admin API access is an admin matter; others an operator may manage', async () => {
    const granting = roleBody({ name: 'it-admins', groups: ['IT-Admins'], adminRole: 'admin' });
    const refused = await s.api(operatorA, 'POST', '/api/v1/roles', granting);
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('KENNEKI_ERR_FORBIDDEN');
    expect(refused.json.error.message).toContain('only an admin may create, change or delete a role with adminRole');
    expect((await s.api(viewerA, 'POST', '/api/v1/roles', roleBody({ name: 'v' }))).status).toBe(403);

    const created = await ok(s.api(adminA, 'POST', '/api/v1/roles', granting), 201);
    expect(created.adminRole).toBe('admin');
    // Changing its groups changes who is admin; dropping adminRole takes access away: both refused.
    expect((await s.api(operatorA, 'PUT', `/api/v1/roles/${created.id}`, { ...granting, groups: ['Everyone'] })).status).toBe(403);
    expect((await s.api(operatorA, 'PUT', `/api/v1/roles/${created.id}`, roleBody({ name: 'it-admins' }))).status).toBe(403);
    expect((await s.api(operatorA, 'DELETE', `/api/v1/roles/${created.id}`)).status).toBe(403);
    expect((await ok(s.api(viewerA, 'GET', `/api/v1/roles/${created.id}`))).revision).toBe(1);
    // Granting it through an update is refused too.
    const plain = await ok(s.api(operatorA, 'POST', '/api/v1/roles', roleBody({ name: 'plain', groups: ['Plain'] })), 201);
    expect((await s.api(operatorA, 'PUT', `/api/v1/roles/${plain.id}`, roleBody({ name: 'plain', adminRole: 'viewer' }))).status).toBe(403);
    // Unknown ids are 404 for an operator, before any adminRole question.
    expect((await s.api(operatorA, 'DELETE', '/api/v1/roles/00000000-0000-4000-8000-000000000000')).status).toBe(404);

    for (const r of [created, plain]) await ok(s.api(adminA, 'DELETE', `/api/v1/roles/${r.id}`), 204);
    await s.server.queue.idle();
  });
});

describe('validation', () => {
  it.each([
    ['unknown policy name', roleBody({ name: 'v1', policy: 'no-such-policy' }), ['body.policy: no policy named "no-such-policy" in this tenant']],
    ['VLAN id out of range', roleBody({ name: 'v2', vlans: { allow: '4095' } }), ['body.vlans.allow: a numeric VLAN id must be 1..4094 without leading zeros']],
    ['VLAN id 0', roleBody({ name: 'v3', vlans: { isolate: '0' } }), ['body.vlans.isolate: a numeric VLAN id must be 1..4094 without leading zeros']],
    ['VLAN name with a space', roleBody({ name: 'v4', vlans: { allow: 'dev lan' } }), ['body.vlans.allow: must match ^[A-Za-z0-9._-]{1,32}$']],
    ['unknown key', { ...roleBody({ name: 'v5' }), vlan: '10' }, ['body.vlan: unknown key']],
    ['unknown key in vlans', roleBody({ name: 'v6', vlans: { deny: '10' } }), ['body.vlans.deny: unknown key']],
    ['no groups', roleBody({ name: 'v7', groups: [] }), ['body.groups: must have at least 1 item']],
    ['unknown admin role', roleBody({ name: 'v8', adminRole: 'root' }), ['body.adminRole: must be one of: viewer, operator, admin']],
  ])('%s is 400 with a clear message, nothing written', async (_label, body, problems) => {
    const mark = await lastAuditId(s, 'a');
    const r = await s.api(adminA, 'POST', '/api/v1/roles', body);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('KENNEKI_ERR_VALIDATION');
    expect(r.json.error.message).toBe(problems[0]);
    if (r.json.error.problems) expect(r.json.error.problems).toEqual(problems);
    expect(await auditSince(s, 'a', mark)).toEqual([]);
    expect((await ok(s.api(adminA, 'GET', '/api/v1/roles'))).items).toEqual([]);
  });

  it('a policy a role names can be neither deleted nor renamed until the role lets go', async () => {
    const p = await ok(s.api(adminA, 'POST', '/api/v1/policies', policyBody('contractors', 600, [{ check: 'firewall', action: 'isolate' }], { match: { groups: ['nobody'] } })), 201);
    const r1 = await ok(s.api(adminA, 'POST', '/api/v1/roles', roleBody({ name: 'contractors', groups: ['Contractors'], policy: 'contractors' })), 201);
    const r2 = await ok(s.api(adminA, 'POST', '/api/v1/roles', roleBody({ name: 'vendors', groups: ['Vendors'], policy: 'contractors' })), 201);
    const mark = await lastAuditId(s, 'a');

    const del = await s.api(adminA, 'DELETE', `/api/v1/policies/${p.id}`);
    expect(del.status).toBe(409);
    expect(del.json.error.code).toBe('KENNEKI_ERR_STORE_CONFLICT');
    expect(del.json.error.message).toBe('cannot delete policy "contractors": roles "contractors", "vendors" name it; point those roles at another policy or delete them first');
    const rename = await s.api(adminA, 'PUT', `/api/v1/policies/${p.id}`, policyBody('contractors-v2', 600, []));
    expect(rename.status).toBe(409);
    expect(rename.json.error.message).toContain('cannot rename policy "contractors"');
    // Other changes to it are fine.
    await ok(s.api(adminA, 'PUT', `/api/v1/policies/${p.id}`, policyBody('contractors', 650, [{ check: 'firewall', action: 'deny' }], { match: { groups: ['nobody'] } })));
    expect((await auditSince(s, 'a', mark)).map((r) => r.action)).toEqual(['policy.update']);

    await ok(s.api(adminA, 'PUT', `/api/v1/roles/${r1.id}`, roleBody({ name: 'contractors', groups: ['Contractors'], policy: 'dev-lenient' })));
    const still = await s.api(adminA, 'DELETE', `/api/v1/policies/${p.id}`);
    expect(still.json.error.message).toBe('cannot delete policy "contractors": role "vendors" names it; point that role at another policy or delete it first');
    await ok(s.api(adminA, 'DELETE', `/api/v1/roles/${r2.id}`), 204);
    await ok(s.api(adminA, 'DELETE', `/api/v1/policies/${p.id}`), 204);
    await ok(s.api(adminA, 'DELETE', `/api/v1/roles/${r1.id}`), 204);
    await s.server.queue.idle();
  });
});

describe('group → role → policy and VLAN', () => {
  it('a Developers member uses the role policy and VLAN; leaving the group switches back', async () => {
    await ok(s.api(adminA, 'PUT', '/api/v1/identities/user/dana', { groups: ['developers', 'staff'] }));
    const dana = await enrollEndpoint(s, adminA, { hostname: 'dana-pc', owner: 'dana' });
    const erik = await enrollEndpoint(s, adminA, { hostname: 'erik-pc', owner: 'erik' });
    for (const e of [dana, erik]) expect((await report(s, e.credential, healthyReport(new Date(), facts.firewallOff(new Date())))).json.verdict).toBe('isolate');
    expect(await decisionOf(adminA, dana.id)).toMatchObject({ verdict: 'isolate', vlan: undefined, role: undefined, policy: { name: 'baseline' } });

    const bus = recordVerdicts(s);
    const role = await ok(s.api(adminA, 'POST', '/api/v1/roles', roleBody()), 201);
    await s.server.queue.idle();
    // Group names match case-insensitively (the identity says "developers").
    expect(await decisionOf(adminA, dana.id)).toEqual({
      verdict: 'allow',
      vlan: '110',
      policy: expect.objectContaining({ name: 'dev-lenient', matchedBy: 'role developers (group Developers)' }),
      role: { name: 'developers', matchedBy: 'group Developers', vlan: '110' },
    });
    expect(await decisionOf(adminA, erik.id)).toMatchObject({ verdict: 'isolate', vlan: undefined, role: undefined, policy: { name: 'baseline' } });
    expect(bus.events.map((e) => [e.endpointId, e.previous, e.verdict, e.cause])).toEqual([[dana.id, 'isolate', 'allow', 'role-change']]);
    expect(bus.events[0]!.decision.vlan).toBe('110');

    // The role's isolate VLAN when the role's policy isolates.
    await ok(s.api(adminA, 'PUT', `/api/v1/roles/${role.id}`, roleBody({ policy: 'baseline' })));
    await s.server.queue.idle();
    expect(await decisionOf(adminA, dana.id)).toMatchObject({ verdict: 'isolate', vlan: 'dev-quarantine', policy: { name: 'baseline', matchedBy: 'role developers (group Developers)' } });
    await ok(s.api(adminA, 'PUT', `/api/v1/roles/${role.id}`, roleBody()));
    await s.server.queue.idle();
    expect((await decisionOf(adminA, dana.id)).verdict).toBe('allow');

    // Out of the group: re-evaluated on the identity change, back to the baseline, no VLAN.
    bus.clear();
    await ok(s.api(adminA, 'PUT', '/api/v1/identities/user/dana', { groups: ['staff'] }));
    await s.server.queue.idle();
    expect(await decisionOf(adminA, dana.id)).toMatchObject({ verdict: 'isolate', vlan: undefined, role: undefined, policy: { name: 'baseline', matchedBy: 'catch-all' } });
    expect(bus.events.map((e) => [e.endpointId, e.previous, e.verdict, e.cause])).toEqual([[dana.id, 'allow', 'isolate', 'identity-change']]);
    bus.stop();

    // A new report keeps deciding by role as well.
    await ok(s.api(adminA, 'PUT', '/api/v1/identities/user/dana', { groups: ['Developers'] }));
    await s.server.queue.idle();
    const r = await report(s, dana.credential, healthyReport(new Date(), facts.firewallOff(new Date())));
    expect(r.json.verdict).toBe('allow');
    expect((await decisionOf(adminA, dana.id)).vlan).toBe('110');

    await ok(s.api(adminA, 'DELETE', `/api/v1/roles/${role.id}`), 204);
    await s.server.queue.idle();
    expect(await decisionOf(adminA, dana.id)).toMatchObject({ verdict: 'isolate', vlan: undefined, role: undefined });
    for (const e of [dana, erik]) await ok(s.api(adminA, 'DELETE', `/api/v1/endpoints/${e.id}`), 204);
  });
});

describe('tenant isolation', () => {
  it("a role in tenant B never affects tenant A, nor shows in A's lists", async () => {
    await ok(s.api(adminA, 'PUT', '/api/v1/identities/user/fay', { groups: ['Developers'] }));
    const fay = await enrollEndpoint(s, adminA, { hostname: 'fay-pc', owner: 'fay' });
    expect((await report(s, fay.credential, healthyReport(new Date(), facts.firewallOff(new Date())))).json.verdict).toBe('isolate');
    // The same user name and group in B, with B's role.
    await ok(s.api(adminB, 'PUT', '/api/v1/identities/user/fay', { groups: ['Developers'] }));
    const faysTwin = await enrollEndpoint(s, adminB, { hostname: 'fay-pc', owner: 'fay' });
    await report(s, faysTwin.credential, healthyReport(new Date(), facts.firewallOff(new Date())));

    const bRole = await ok(s.api(adminB, 'POST', '/api/v1/roles', roleBody({ name: 'beta-developers', vlans: { allow: 'beta-lan' } })), 201);
    await s.server.queue.idle();
    expect(await decisionOf(adminB, faysTwin.id)).toMatchObject({ verdict: 'allow', vlan: 'beta-lan', role: { name: 'beta-developers' } });
    expect(await decisionOf(adminA, fay.id)).toMatchObject({ verdict: 'isolate', vlan: undefined, role: undefined, policy: { name: 'baseline' } });

    const listA = await ok(s.api(adminA, 'GET', '/api/v1/roles'));
    expect(JSON.stringify(listA)).not.toContain('beta');
    expect(listA.items.every((r: { tenantId: string }) => r.tenantId === 'a')).toBe(true);
    expect((await ok(s.api(adminB, 'GET', '/api/v1/roles'))).items.map((r: { name: string }) => r.name)).toEqual(['beta-developers']);
    // B's id through A's token: not found, and nothing changes in B.
    const bAudit = await lastAuditId(s, 'b');
    for (const [method, body] of [
      ['GET', undefined],
      ['PUT', roleBody({ name: 'hijacked', groups: ['Everyone'] })],
      ['DELETE', undefined],
    ] as const) {
      const r = await s.api(adminA, method, `/api/v1/roles/${bRole.id}`, body);
      expect(r.status, method).toBe(404);
      expect(r.json.error.code).toBe('KENNEKI_ERR_NOT_FOUND');
    }
    expect(await lastAuditId(s, 'b')).toBe(bAudit);
    expect(await ok(s.api(adminB, 'GET', `/api/v1/roles/${bRole.id}`))).toEqual(bRole);

    // Policy names are per tenant: a role in A cannot name a policy only B has.
    await ok(s.api(adminB, 'POST', '/api/v1/policies', policyBody('beta-only', 700, [], { match: { groups: ['nobody'] } })), 201);
    const cross = await s.api(adminA, 'POST', '/api/v1/roles', roleBody({ name: 'cross', policy: 'beta-only' }));
    expect(cross.status).toBe(400);
    expect(cross.json.error.message).toBe('body.policy: no policy named "beta-only" in this tenant');
    // And a role in B does not pin A's policy of the same name: A may delete its own.
    const aTwin = await ok(s.api(adminA, 'POST', '/api/v1/policies', policyBody('beta-pinned', 700, [], { match: { groups: ['nobody'] } })), 201);
    await ok(s.api(adminB, 'POST', '/api/v1/policies', policyBody('beta-pinned', 700, [], { match: { groups: ['nobody'] } })), 201);
    await ok(s.api(adminB, 'POST', '/api/v1/roles', roleBody({ name: 'beta-pin', groups: ['Pinned'], policy: 'beta-pinned' })), 201);
    await ok(s.api(adminA, 'DELETE', `/api/v1/policies/${aTwin.id}`), 204);
    await s.server.queue.idle();
  });
});
