/**
 * Every admin mutation leaves exactly one audit row, in the caller's tenant, naming the action,
 * the actor, the target and the before/after values. The route table drives it: a new mutating
 * route fails here until its audit expectation is written down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollEndpoint, healthyReport, report, startTestServer, type TestServer } from './helpers/kenneki-server.js';
import { DAY, auditRows, auditSince, lastAuditId, policyBody, type AuditRow } from './helpers/scenario.js';
import { ntHashOf } from '../policy/util/md4.js';

const TENANT = 'a';
const OTHER = 'b';
/** Mutating routes that are not admin mutations, so they have no audit expectation. */
const NOT_AUDITED = new Map([
  ['POST /api/v1/auth/login', 'login: failures are audited (tested below), the session token is a token.create'],
  ['POST /api/v1/posture', 'a device report, stored as posture and verdict history'],
  ['POST /api/v1/policies/what-if', 'read-only dry run'],
  ['POST /api/v1/endpoints/:id/reassess', 'audited as endpoint.reassess only when an open PT-TLS session takes it (test/pt-tls-serve.test.ts); none is open here'],
]);

let s: TestServer;
let admin: string;
/** Ids created by earlier cases, used by later ones (the table runs in order). */
const ids: Record<string, string> = {};

interface Expected {
  action: string;
  targetType: string;
  targetId: string;
  /** undefined: the row must have no `before`; otherwise toMatchObject. */
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  /** Strings the row must not contain (secrets returned to the caller). */
  secrets?: string[];
}

interface Case {
  request: () => { path: string; body?: unknown };
  status: number;
  expect: (res: any) => Expected;
}

const AUDITED: Record<string, Case> = {
  'POST /api/v1/endpoints': {
    request: () => ({ path: '/api/v1/endpoints', body: { mac: 'AA-BB-CC-DD-EE-01', hostname: 'audit-pc', owner: 'ann', tags: ['lab'] } }),
    status: 201,
    expect: (res) => {
      ids['endpoint'] = res.endpoint.id;
      return {
        action: 'endpoint.create',
        targetType: 'endpoint',
        targetId: res.endpoint.id,
        after: { id: res.endpoint.id, tenantId: TENANT, mac: 'aa:bb:cc:dd:ee:01', hostname: 'audit-pc', owner: 'ann', tags: ['lab'], verdict: 'isolate' },
        secrets: [res.deviceCredential],
      };
    },
  },
  'PATCH /api/v1/endpoints/:id': {
    request: () => ({ path: `/api/v1/endpoints/${ids['endpoint']}`, body: { hostname: 'audit-pc-renamed', tags: ['lab', 'kiosk'] } }),
    status: 200,
    expect: () => ({
      action: 'endpoint.update',
      targetType: 'endpoint',
      targetId: ids['endpoint']!,
      before: { id: ids['endpoint'], hostname: 'audit-pc', tags: ['lab'], owner: 'ann' },
      after: { id: ids['endpoint'], hostname: 'audit-pc-renamed', tags: ['lab', 'kiosk'], owner: 'ann' },
    }),
  },
  'POST /api/v1/endpoints/:id/credential': {
    request: () => ({ path: `/api/v1/endpoints/${ids['endpoint']}/credential` }),
    status: 200,
    expect: (res) => ({
      action: 'endpoint.credential-rotate',
      targetType: 'endpoint',
      targetId: ids['endpoint']!,
      after: { credential: 'rotated' },
      secrets: [res.deviceCredential],
    }),
  },
  'DELETE /api/v1/endpoints/:id': {
    request: () => ({ path: `/api/v1/endpoints/${ids['endpoint']}` }),
    status: 204,
    expect: () => ({ action: 'endpoint.delete', targetType: 'endpoint', targetId: ids['endpoint']!, before: { id: ids['endpoint'], hostname: 'audit-pc-renamed' } }),
  },
  'POST /api/v1/policies': {
    request: () => ({ path: '/api/v1/policies', body: policyBody('lab-policy', 50, [{ check: 'firewall', action: 'isolate' }], { match: { groups: ['lab'] } }) }),
    status: 201,
    expect: (res) => {
      ids['policy'] = res.id;
      return {
        action: 'policy.create',
        targetType: 'policy',
        targetId: res.id,
        after: { id: res.id, name: 'lab-policy', precedence: 50, revision: 1, match: { groups: ['lab'] }, checks: [{ check: 'firewall', action: 'isolate' }] },
      };
    },
  },
  'PUT /api/v1/policies/:id': {
    request: () => ({ path: `/api/v1/policies/${ids['policy']}`, body: policyBody('lab-policy', 40, [{ check: 'firewall', action: 'deny' }], { match: { groups: ['lab'] } }) }),
    status: 200,
    expect: () => ({
      action: 'policy.update',
      targetType: 'policy',
      targetId: ids['policy']!,
      before: { id: ids['policy'], precedence: 50, revision: 1, checks: [{ check: 'firewall', action: 'isolate' }] },
      after: { id: ids['policy'], precedence: 40, revision: 2, checks: [{ check: 'firewall', action: 'deny' }] },
    }),
  },
  'DELETE /api/v1/policies/:id': {
    request: () => ({ path: `/api/v1/policies/${ids['policy']}` }),
    status: 204,
    expect: () => ({ action: 'policy.delete', targetType: 'policy', targetId: ids['policy']!, before: { id: ids['policy'], name: 'lab-policy', revision: 2 } }),
  },
  'POST /api/v1/exceptions': {
    request: () => ({
      path: '/api/v1/exceptions',
      body: { scope: { kind: 'group', group: 'lab' }, checks: ['firewall'], reason: 'lab network is isolated', approver: 'ciso', expiresAt: ids['expiry'] },
    }),
    status: 201,
    expect: (res) => {
      ids['exception'] = res.id;
      return {
        action: 'exception.create',
        targetType: 'exception',
        targetId: res.id,
        after: { id: res.id, scope: { kind: 'group', group: 'lab' }, checks: ['firewall'], reason: 'lab network is isolated', approver: 'ciso', createdBy: 'admin-user' },
      };
    },
  },
  'PUT /api/v1/exceptions/:id': {
    request: () => ({
      path: `/api/v1/exceptions/${ids['exception']}`,
      body: { scope: { kind: 'group', group: 'lab' }, checks: ['firewall', 'antivirus'], reason: 'extended to AV', approver: 'ciso', expiresAt: ids['expiry'] },
    }),
    status: 200,
    expect: () => ({
      action: 'exception.update',
      targetType: 'exception',
      targetId: ids['exception']!,
      before: { id: ids['exception'], checks: ['firewall'], reason: 'lab network is isolated' },
      after: { id: ids['exception'], checks: ['firewall', 'antivirus'], reason: 'extended to AV' },
    }),
  },
  'DELETE /api/v1/exceptions/:id': {
    request: () => ({ path: `/api/v1/exceptions/${ids['exception']}` }),
    status: 204,
    expect: () => ({ action: 'exception.delete', targetType: 'exception', targetId: ids['exception']!, before: { id: ids['exception'], reason: 'extended to AV' } }),
  },
  'POST /api/v1/roles': {
    request: () => ({ path: '/api/v1/roles', body: { name: 'lab-role', precedence: 10, groups: ['lab'], policy: 'baseline', vlans: { allow: '120', isolate: 'lab-quarantine' } } }),
    status: 201,
    expect: (res) => {
      ids['role'] = res.id;
      return {
        action: 'role.create',
        targetType: 'role',
        targetId: res.id,
        after: { id: res.id, name: 'lab-role', precedence: 10, revision: 1, groups: ['lab'], policy: 'baseline', vlans: { allow: '120', isolate: 'lab-quarantine' } },
      };
    },
  },
  'PUT /api/v1/roles/:id': {
    request: () => ({ path: `/api/v1/roles/${ids['role']}`, body: { name: 'lab-role', precedence: 20, groups: ['lab', 'staff'], vlans: { allow: '121' } } }),
    status: 200,
    expect: () => ({
      action: 'role.update',
      targetType: 'role',
      targetId: ids['role']!,
      before: { id: ids['role'], precedence: 10, revision: 1, groups: ['lab'], policy: 'baseline' },
      after: { id: ids['role'], precedence: 20, revision: 2, groups: ['lab', 'staff'], vlans: { allow: '121' } },
    }),
  },
  'DELETE /api/v1/roles/:id': {
    request: () => ({ path: `/api/v1/roles/${ids['role']}` }),
    status: 204,
    expect: () => ({ action: 'role.delete', targetType: 'role', targetId: ids['role']!, before: { id: ids['role'], name: 'lab-role', revision: 2 } }),
  },
  'POST /api/v1/definitions': {
    request: () => ({
      path: '/api/v1/definitions',
      body: { format: 'kenneki', content: 'format: kenneki-definitions/1\nfeed: site\npublished: 2026-01-01\nforbidden:\n  - name: telnetd\n    reason: cleartext\n' },
    }),
    status: 201,
    expect: () => ({ action: 'definitions.import', targetType: 'definitions-feed', targetId: 'site', after: { name: 'site', format: 'kenneki', advisories: 0, forbidden: 1 } }),
  },
  'POST /api/v1/tokens': {
    request: () => ({ path: '/api/v1/tokens', body: { name: 'ci', role: 'viewer', ttlHours: 24 } }),
    status: 201,
    expect: (res) => {
      ids['token'] = res.id;
      return { action: 'token.create', targetType: 'token', targetId: res.id, after: { id: res.id, name: 'ci', role: 'viewer', expiresAt: res.expiresAt }, secrets: [res.token] };
    },
  },
  // Revocation keeps the token row (revokedAt set), so the row has an `after` too.
  'DELETE /api/v1/tokens/:id': {
    request: () => ({ path: `/api/v1/tokens/${ids['token']}` }),
    status: 204,
    expect: () => ({ action: 'token.revoke', targetType: 'token', targetId: ids['token']!, before: { id: ids['token'], name: 'ci' }, after: { id: ids['token'], revokedAt: expect.any(String) } }),
  },
  'POST /api/v1/enrollment-tokens': {
    request: () => ({ path: '/api/v1/enrollment-tokens', body: { label: 'laptop 7', ttl_hours: 2 } }),
    status: 201,
    expect: (res) => {
      ids['enrollment'] = res.id;
      return {
        action: 'enrollment-token.create',
        targetType: 'enrollment-token',
        targetId: res.id,
        after: { id: res.id, label: 'laptop 7', status: 'unused', expiresAt: res.expiresAt },
        // Neither the token nor its secret part may be in the audit row.
        secrets: [res.token, res.token.split('.')[1]],
      };
    },
  },
  'DELETE /api/v1/enrollment-tokens/:id': {
    request: () => ({ path: `/api/v1/enrollment-tokens/${ids['enrollment']}` }),
    status: 204,
    expect: () => ({
      action: 'enrollment-token.revoke',
      targetType: 'enrollment-token',
      targetId: ids['enrollment']!,
      before: { id: ids['enrollment'], status: 'unused' },
      after: { id: ids['enrollment'], status: 'revoked', revokedAt: expect.any(String) },
    }),
  },
  'PUT /api/v1/identities/:kind/:name': {
    request: () => ({ path: '/api/v1/identities/user/ann', body: { groups: ['lab', 'staff'] } }),
    status: 200,
    expect: () => ({ action: 'identity.update', targetType: 'identity', targetId: 'user:ann', after: { groups: ['lab', 'staff'], source: 'local' } }),
  },
  'PUT /api/v1/network-users/:name': {
    request: () => ({ path: '/api/v1/network-users/guest-7', body: { password: 'guest-seven-password', mschapv2: true } }),
    status: 200,
    // The password, its hash and its NT hash stay out of the audit row.
    expect: () => ({ action: 'network-user.put', targetType: 'network-user', targetId: 'guest-7', after: { name: 'guest-7', mschapv2: true, labMd5: false }, secrets: ['guest-seven-password', ntHashOf('guest-seven-password').toString('hex')] }),
  },
  'DELETE /api/v1/network-users/:name': {
    request: () => ({ path: '/api/v1/network-users/guest-7' }),
    status: 204,
    expect: () => ({ action: 'network-user.delete', targetType: 'network-user', targetId: 'guest-7', before: { name: 'guest-7', mschapv2: true } }),
  },
};

beforeAll(async () => {
  s = await startTestServer({ tenants: [TENANT, OTHER] });
  admin = s.adminToken[TENANT]!;
  ids['expiry'] = new Date(Date.now() + 30 * DAY).toISOString();
});
afterAll(async () => s?.close());

function expectRow(row: AuditRow, e: Expected, method: string): void {
  expect(row).toMatchObject({ tenantId: TENANT, action: e.action, actor: 'admin-user', actorKind: 'token', targetType: e.targetType, targetId: e.targetId, sourceIp: '127.0.0.1' });
  expect(row.requestId).toEqual(expect.any(String));
  if (e.before === undefined) expect(row.before, 'no before on a create').toBeUndefined();
  else expect(row.before).toMatchObject(e.before);
  if (e.after === undefined) expect(row.after, 'no after on a delete').toBeUndefined();
  else expect(row.after).toMatchObject(e.after);
  if (method === 'POST' && e.action.endsWith('.create')) expect(row.before).toBeUndefined();
  const text = JSON.stringify(row);
  for (const secret of e.secrets ?? []) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/secretHash|credentialHash|passwordHash/);
}

describe('audit of admin mutations', () => {
  it('every mutating route is either audited below or explicitly not an admin mutation', () => {
    const mutating = s.server.routes.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method)).map((r) => `${r.method} ${r.url}`);
    expect(mutating.filter((k) => !(k in AUDITED) && !NOT_AUDITED.has(k))).toEqual([]);
    expect([...Object.keys(AUDITED), ...NOT_AUDITED.keys()].filter((k) => !mutating.includes(k))).toEqual([]);
  });

  it.each(Object.entries(AUDITED))('%s writes exactly one audit row', async (key, c) => {
    const [method] = key.split(' ') as [string];
    const { path, body } = c.request();
    const mark = await lastAuditId(s, TENANT);
    const otherMark = await lastAuditId(s, OTHER);
    const res = await s.api(admin, method, path, body);
    expect(res.status, JSON.stringify(res.json)).toBe(c.status);
    await s.server.queue.idle();
    const rows = await auditSince(s, TENANT, mark);
    expect(rows.map((r) => r.action)).toHaveLength(1);
    expectRow(rows[0]!, c.expect(res.json), method);
    // The audit API shows the same row to the tenant.
    const viaApi = await s.api(admin, 'GET', `/api/v1/audit?limit=1&action=${encodeURIComponent(rows[0]!.action)}`);
    expect(viaApi.json.items[0].id).toBe(rows[0]!.id);
    expect(await lastAuditId(s, OTHER)).toBe(otherMark);
  });

  it('a second import of the same feed records the previous feed as before', async () => {
    const mark = await lastAuditId(s, TENANT);
    const r = await s.api(admin, 'POST', '/api/v1/definitions', {
      format: 'kenneki',
      content: 'format: kenneki-definitions/1\nfeed: site\npublished: 2026-02-01\nforbidden:\n  - name: telnetd\n    reason: cleartext\n  - name: rsh-server\n    reason: cleartext\n',
    });
    expect(r.status).toBe(201);
    const rows = await auditSince(s, TENANT, mark);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'definitions.import', targetId: 'site', before: { name: 'site', forbidden: 1 }, after: { name: 'site', forbidden: 2 } });
  });

  it('a second identity update records the previous groups as before', async () => {
    const mark = await lastAuditId(s, TENANT);
    expect((await s.api(admin, 'PUT', '/api/v1/identities/user/ann', { groups: ['staff'] })).status).toBe(200);
    const rows = await auditSince(s, TENANT, mark);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'identity.update', targetId: 'user:ann', before: { groups: ['lab', 'staff'] }, after: { groups: ['staff'] } });
  });

  it.each([
    ['an invalid body', 'POST', '/api/v1/policies', { name: 'x' }, 400],
    ['an unknown policy', 'PUT', '/api/v1/policies/00000000-0000-4000-8000-000000000000', policyBody('x', 1, []), 404],
    ['an unknown exception', 'DELETE', '/api/v1/exceptions/00000000-0000-4000-8000-000000000000', undefined, 404],
    ['an unknown token', 'DELETE', '/api/v1/tokens/00000000-0000-4000-8000-000000000000', undefined, 404],
    ['a duplicate policy name', 'POST', '/api/v1/policies', policyBody('baseline', 1, []), 409],
    ['an exception expiring in the past', 'POST', '/api/v1/exceptions', { scope: { kind: 'user', user: 'x' }, checks: ['*'], reason: 'r', approver: 'a', expiresAt: '2000-01-01T00:00:00Z' }, 400],
  ])('a refused mutation (%s) writes no row', async (_label, method, path, body, status) => {
    const mark = await lastAuditId(s, TENANT);
    const r = await s.api(admin, method, path, body);
    expect(r.status).toBe(status);
    expect(await auditSince(s, TENANT, mark)).toEqual([]);
  });

  it('a forbidden mutation (viewer creating a policy) writes no row', async () => {
    const viewer = await s.token(TENANT, 'viewer');
    const mark = await lastAuditId(s, TENANT);
    expect((await s.api(viewer, 'POST', '/api/v1/policies', policyBody('sneaky', 1, []))).status).toBe(403);
    expect(await auditSince(s, TENANT, mark)).toEqual([]);
  });

  it('the routes that are not admin mutations write no row', async () => {
    const { credential } = await enrollEndpoint(s, admin, { hostname: 'quiet-pc' });
    const mark = await lastAuditId(s, TENANT);
    expect((await report(s, credential, healthyReport(new Date()))).status).toBe(200);
    expect((await s.api(admin, 'POST', '/api/v1/policies/what-if', { upsert: [policyBody('strict', 0, [{ check: 'firewall', action: 'deny' }])] })).status).toBe(200);
    await s.server.queue.idle();
    expect(await auditSince(s, TENANT, mark)).toEqual([]);
  });
});

describe('audit of logins', () => {
  it('a failed login in an existing tenant writes one auth.login-failed row', async () => {
    for (const [username, label] of [
      ['admin-user', 'wrong password'],
      ['nobody', 'unknown user'],
    ] as const) {
      const mark = await lastAuditId(s, TENANT);
      const otherMark = await lastAuditId(s, OTHER);
      const r = await s.api(undefined, 'POST', '/api/v1/auth/login', { tenant: TENANT, username, password: 'not-the-password' });
      expect(r.status, label).toBe(401);
      expect(r.json.error.code).toBe('KENNEKI_ERR_UNAUTHENTICATED');
      const rows = await auditSince(s, TENANT, mark);
      expect(rows, label).toHaveLength(1);
      expect(rows[0]).toMatchObject({ action: 'auth.login-failed', actor: username, actorKind: 'account', targetType: 'account', sourceIp: '127.0.0.1' });
      expect(rows[0]!.before).toBeUndefined();
      expect(rows[0]!.after).toBeUndefined();
      expect(JSON.stringify(rows[0])).not.toContain('not-the-password');
      expect(await lastAuditId(s, OTHER)).toBe(otherMark);
    }
  });

  it('a login for a made-up tenant writes nothing anywhere', async () => {
    const marks = { [TENANT]: await lastAuditId(s, TENANT), [OTHER]: await lastAuditId(s, OTHER) };
    const r = await s.api(undefined, 'POST', '/api/v1/auth/login', { tenant: 'made-up', username: 'admin-user', password: 'not-the-password' });
    expect(r.status).toBe(401);
    expect(await lastAuditId(s, TENANT)).toBe(marks[TENANT]);
    expect(await lastAuditId(s, OTHER)).toBe(marks[OTHER]);
    expect(await auditRows(s, 'made-up')).toEqual([]);
    expect(await s.server.ctx.store.tenants.get('made-up')).toBeUndefined();
  });

  it('a successful login writes one token.create row for the session, without the token', async () => {
    const mark = await lastAuditId(s, TENANT);
    const r = await s.api(undefined, 'POST', '/api/v1/auth/login', { tenant: TENANT, username: 'admin-user', password: 'a-long-test-password-123' });
    expect(r.status).toBe(200);
    const rows = await auditSince(s, TENANT, mark);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'token.create', actor: 'admin-user', actorKind: 'account', targetType: 'token', after: { name: 'session', expiresAt: r.json.expiresAt } });
    expect(JSON.stringify(rows[0])).not.toContain(r.json.token);
  });
});
