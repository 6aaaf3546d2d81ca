/**
 * Tenant isolation over the real HTTP API: two tenants with the same kinds of rows (and the same
 * MACs and device ids), and tenant A's credentials must never see or touch tenant B's rows. The
 * route table drives the read checks, so a new GET route fails here until it is classified.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollEndpoint, healthyReport, report, startTestServer, type TestServer } from './helpers/kenneki-server.js';
import { DAY, facts, fillRoute, lastAuditId, policyBody, rawRequest, recordVerdicts } from './helpers/scenario.js';

type TenantKey = 'a' | 'b';
/** Name prefix per tenant; not hex, so no UUID can contain a marker by accident. */
const PREFIX: Record<TenantKey, string> = { a: 'alpha', b: 'beta' };

interface Fixture {
  tenant: TenantKey;
  admin: string;
  viewer: string;
  endpoints: { id: string; credential: string; hostname: string; owner: string }[];
  baselineId: string;
  policyId: string;
  exceptionId: string;
  roleId: string;
  tokenId: string;
  token: string;
  enrollmentTokenId: string;
  /** Ids and names that only this tenant has. */
  markers: string[];
}

const feedYaml = (p: string) =>
  [
    'format: kenneki-definitions/1',
    `feed: ${p}-feed`,
    'published: 2026-01-01',
    'forbidden:',
    `  - name: ${p}-forbidden-tool`,
    `    reason: ${p} forbids this tool`,
  ].join('\n');

async function seed(s: TestServer, tenant: TenantKey): Promise<Fixture> {
  const p = PREFIX[tenant];
  const admin = s.adminToken[tenant]!;
  const ok = async (r: Promise<{ status: number; json: any }>, status: number) => {
    const res = await r;
    if (res.status !== status) throw new Error(`seeding ${tenant}: ${res.status} ${JSON.stringify(res.json)}`);
    return res.json;
  };
  await ok(s.api(admin, 'PUT', `/api/v1/identities/user/${p}-alice`, { groups: [`${p}-staff`] }), 200);
  await ok(s.api(admin, 'POST', '/api/v1/definitions', { format: 'kenneki', content: feedYaml(p) }), 201);
  const policy = await ok(
    s.api(
      admin,
      'POST',
      '/api/v1/policies',
      policyBody(`${p}-staff-policy`, 10, [
        { check: 'packages', action: 'isolate' },
        { check: 'firewall', action: 'isolate' },
        { check: 'pending-updates', action: 'isolate', graceDays: 14 },
      ], { match: { groups: [`${p}-staff`] }, description: `${p} staff laptops` }),
    ),
    201,
  );
  const baselineId = ((await ok(s.api(admin, 'GET', '/api/v1/policies'), 200)).items as { id: string; name: string }[]).find((x) => x.name === 'baseline')!.id;

  const now = new Date();
  // Same MACs and device ids in both tenants: natural keys are per tenant.
  const e1 = await enrollEndpoint(s, admin, { mac: 'AA:BB:CC:00:00:01', deviceId: 'shared-device-1', hostname: `${p}-host-1`, owner: `${p}-alice` });
  const e2 = await enrollEndpoint(s, admin, { mac: 'AA:BB:CC:00:00:02', deviceId: 'shared-device-2', hostname: `${p}-host-2`, owner: `${p}-bob` });
  const r1 = await report(
    s,
    e1.credential,
    healthyReport(now, {
      ...facts.packages(now, [
        { name: 'openssl', version: '3.0.15-1~deb12u1' },
        { name: `${p}-forbidden-tool`, version: '1.0' },
      ]),
      ...facts.pendingUpdates(now, [{ id: `${p}-sec-update`, package: 'openssl', version: '3.0.16-1~deb12u1', security: true }]),
    }),
  );
  if (r1.json?.verdict !== 'isolate') throw new Error(`seeding ${tenant}: endpoint 1 should be isolated, got ${JSON.stringify(r1.json)}`);
  const r2 = await report(s, e2.credential, healthyReport(now));
  if (r2.json?.verdict !== 'allow') throw new Error(`seeding ${tenant}: endpoint 2 should be allowed, got ${JSON.stringify(r2.json)}`);

  const exception = await ok(
    s.api(admin, 'POST', '/api/v1/exceptions', {
      scope: { kind: 'user', user: `${p}-bob` },
      checks: ['antivirus'],
      reason: `${p}-exception-reason`,
      approver: `${p}-approver`,
      expiresAt: new Date(Date.now() + 7 * DAY).toISOString(),
    }),
    201,
  );
  // Created after the verdict checks above: it names the policy the staff already get, so it only
  // adds its VLANs to their decisions.
  const role = await ok(
    s.api(admin, 'POST', '/api/v1/roles', { name: `${p}-role`, precedence: 10, groups: [`${p}-staff`], policy: `${p}-staff-policy`, vlans: { allow: `${p}-lan`, isolate: `${p}-quarantine` } }),
    201,
  );
  const token = await ok(s.api(admin, 'POST', '/api/v1/tokens', { name: `${p}-ci-token`, role: 'viewer' }), 201);
  await ok(s.api(admin, 'PUT', `/api/v1/network-users/${p}-netuser`, { password: `${p}-net-password` }), 200);
  // A RADIUS session as the enforcement point records it (no RADIUS server runs in this test).
  const at = new Date().toISOString();
  await s.server.ctx.store.sessions.saveMany([{ tenantId: tenant, key: `${p}-nas|${p}-sess`, nas: `${p}-nas`, nasAddress: '192.0.2.1', acctSessionId: `${p}-sess`, userName: `${p}-session-user`, startedAt: at, updatedAt: at }]);
  // A DHCP lease as the DHCP server binds it (no DHCP server runs in this test).
  await s.server.ctx.store.dhcpLeases.bind({ tenantId: tenant, scope: `${p}-scope`, ip: tenant === 'a' ? '10.77.0.10' : '10.77.0.11', mac: tenant === 'a' ? '02:00:00:00:77:0a' : '02:00:00:00:77:0b', pool: 'quarantine', state: 'bound', hostname: `${p}-dhcp-host`, boundAt: at, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), updatedAt: at }, at);
  // PT-TLS enrolls into the first tenant only, so the API refuses B's tokens (they could never be
  // used); B's is put in the store directly, to prove A cannot reach it anyway.
  const enrollmentTokenId =
    tenant === 'a'
      ? (await ok(s.api(admin, 'POST', '/api/v1/enrollment-tokens', { label: `${p}-enroll-label` }), 201)).id
      : (
          await s.server.ctx.store.enrollmentTokens.create(
            tenant,
            { secretHash: `${p}-enrollment-secret-hash`, label: `${p}-enroll-label`, expiresAt: new Date(Date.now() + DAY).toISOString() },
            { actor: 'admin', actorKind: 'token', action: 'enrollment-token.create', targetType: 'enrollment-token' },
          )
        ).id;
  await s.server.queue.idle();

  return {
    tenant,
    admin,
    viewer: await s.token(tenant, 'viewer'),
    endpoints: [
      { ...e1, hostname: `${p}-host-1`, owner: `${p}-alice` },
      { ...e2, hostname: `${p}-host-2`, owner: `${p}-bob` },
    ],
    baselineId,
    policyId: policy.id,
    exceptionId: exception.id,
    roleId: role.id,
    tokenId: token.id,
    token: token.token,
    enrollmentTokenId,
    markers: [
      enrollmentTokenId,
      `${p}-enroll-label`,
      e1.id,
      e2.id,
      baselineId,
      policy.id,
      exception.id,
      role.id,
      token.id,
      `${p}-host-1`,
      `${p}-host-2`,
      `${p}-alice`,
      `${p}-bob`,
      `${p}-staff`,
      `${p}-feed`,
      `${p}-forbidden-tool`,
      `${p}-sec-update`,
      `${p}-exception-reason`,
      `${p}-approver`,
      `${p}-ci-token`,
      `${p}-staff-policy`,
      `${p}-role`,
      `${p}-lan`,
      `${p}-quarantine`,
    ],
  };
}

let s: TestServer;
let A: Fixture;
let B: Fixture;

beforeAll(async () => {
  // A directory per tenant (on a closed loopback port: only their listing matters here).
  const directory = (t: TenantKey) =>
    `    - { name: ${PREFIX[t]}-dir, tenant: ${t}, type: openldap, urls: ["ldap://127.0.0.1:9"], tls: { mode: none }, bind_dn: "cn=svc,dc=${PREFIX[t]}", bind_password: "${PREFIX[t]}-service-pw", base_dn: "dc=${PREFIX[t]}" }`;
  s = await startTestServer({ tenants: ['a', 'b'], yaml: ['identity:', '  directories:', directory('a'), directory('b'), 'allowlist:', '  enabled: true', ''].join('\n') });
  A = await seed(s, 'a');
  B = await seed(s, 'b');
  // The address view reads the seeded leases now rather than at its next refresh.
  await s.server.ctx.addresses!.refresh();
});
afterAll(async () => s?.close());

/** Every `tenantId` anywhere in a JSON document. */
function tenantIdsIn(doc: unknown, out: string[] = []): string[] {
  if (Array.isArray(doc)) for (const x of doc) tenantIdsIn(x, out);
  else if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      if (k === 'tenantId' && typeof v === 'string') out.push(v);
      tenantIdsIn(v, out);
    }
  }
  return out;
}

function leakedMarkers(text: string, f: Fixture): string[] {
  return f.markers.filter((m) => text.includes(m));
}

/**
 * How each GET route is exercised. `global` routes are not tenant data (docs, health, metrics) but
 * still must not carry tenant B's rows; `list` routes must show A's rows and none of B's;
 * `detail` routes must 404 on B's ids; `named` routes look up by a name that is a per-tenant
 * namespace, so B's name read with A's token gives A's (empty) view, never B's data.
 */
type GetCase =
  | { kind: 'global'; path: string }
  | { kind: 'list'; requests: { path: (a: Fixture, b: Fixture) => string; mustContain: (a: Fixture) => string[]; total?: number }[] }
  | { kind: 'detail'; params: (f: Fixture) => Record<string, string> }
  | { kind: 'named'; params: (f: Fixture) => Record<string, string>; own: (f: Fixture) => unknown; foreign: unknown };

const GET_ROUTES: Record<string, GetCase> = {
  '/docs': { kind: 'global', path: '/docs' },
  '/docs/json': { kind: 'global', path: '/docs/json' },
  '/docs/yaml': { kind: 'global', path: '/docs/yaml' },
  '/docs/static/index.html': { kind: 'global', path: '/docs/static/index.html' },
  '/docs/static/swagger-initializer.js': { kind: 'global', path: '/docs/static/swagger-initializer.js' },
  '/docs/static/*': { kind: 'global', path: '/docs/static/swagger-ui.css' },
  '/healthz': { kind: 'global', path: '/healthz' },
  '/metrics': { kind: 'global', path: '/metrics' },
  '/api/v1/endpoints': {
    kind: 'list',
    requests: [
      { path: () => '/api/v1/endpoints?limit=500', mustContain: (a) => a.endpoints.map((e) => e.id), total: 2 },
      // Filters naming B's values find nothing in A.
      { path: (_a, b) => `/api/v1/endpoints?q=${b.endpoints[0]!.hostname}`, mustContain: () => [], total: 0 },
      { path: () => `/api/v1/endpoints?package=${PREFIX.b}-forbidden-tool`, mustContain: () => [], total: 0 },
      { path: () => `/api/v1/endpoints?missing_patch=${PREFIX.b}-sec-update`, mustContain: () => [], total: 0 },
      { path: () => `/api/v1/endpoints?group=${PREFIX.b}-staff`, mustContain: () => [], total: 0 },
      // The same filters with A's values find A's rows only.
      { path: () => `/api/v1/endpoints?package=${PREFIX.a}-forbidden-tool`, mustContain: (a) => [a.endpoints[0]!.id], total: 1 },
      { path: () => `/api/v1/endpoints?missing_patch=${PREFIX.a}-sec-update`, mustContain: (a) => [a.endpoints[0]!.id], total: 1 },
      { path: () => `/api/v1/endpoints?group=${PREFIX.a}-staff`, mustContain: (a) => [a.endpoints[0]!.id], total: 1 },
      { path: () => '/api/v1/endpoints?failing_check=packages', mustContain: (a) => [a.endpoints[0]!.id], total: 1 },
      { path: () => '/api/v1/endpoints?q=aa:bb:cc', mustContain: (a) => a.endpoints.map((e) => e.id), total: 2 },
      { path: () => '/api/v1/endpoints?verdict=isolate&sort=hostname', mustContain: (a) => [a.endpoints[0]!.id], total: 1 },
      { path: () => '/api/v1/endpoints?tenant=a', mustContain: (a) => a.endpoints.map((e) => e.id), total: 2 },
    ],
  },
  '/api/v1/endpoints/:id': { kind: 'detail', params: (f) => ({ id: f.endpoints[0]!.id }) },
  '/api/v1/enrollment-tokens': { kind: 'list', requests: [{ path: () => '/api/v1/enrollment-tokens', mustContain: (a) => [a.enrollmentTokenId, `${PREFIX.a}-enroll-label`] }] },
  '/api/v1/policies': { kind: 'list', requests: [{ path: () => '/api/v1/policies', mustContain: (a) => [a.baselineId, a.policyId] }] },
  '/api/v1/policies/:id': { kind: 'detail', params: (f) => ({ id: f.policyId }) },
  '/api/v1/exceptions': {
    kind: 'list',
    requests: [
      { path: () => '/api/v1/exceptions', mustContain: (a) => [a.exceptionId] },
      { path: () => '/api/v1/exceptions?include_expired=true', mustContain: (a) => [a.exceptionId] },
    ],
  },
  '/api/v1/exceptions/:id': { kind: 'detail', params: (f) => ({ id: f.exceptionId }) },
  '/api/v1/directories': { kind: 'list', requests: [{ path: () => '/api/v1/directories', mustContain: () => [`${PREFIX.a}-dir`] }] },
  '/api/v1/roles': { kind: 'list', requests: [{ path: () => '/api/v1/roles', mustContain: (a) => [a.roleId, `${PREFIX.a}-role`, `${PREFIX.a}-lan`] }] },
  '/api/v1/roles/:id': { kind: 'detail', params: (f) => ({ id: f.roleId }) },
  '/api/v1/definitions': { kind: 'list', requests: [{ path: () => '/api/v1/definitions', mustContain: () => [`${PREFIX.a}-feed`] }] },
  '/api/v1/sessions': { kind: 'list', requests: [{ path: () => '/api/v1/sessions', mustContain: () => [`${PREFIX.a}-session-user`, `${PREFIX.a}-nas`] }] },
  '/api/v1/dhcp/leases': { kind: 'list', requests: [{ path: () => '/api/v1/dhcp/leases', mustContain: () => [`${PREFIX.a}-scope`, `${PREFIX.a}-dhcp-host`] }] },
  '/api/v1/allowlist': { kind: 'list', requests: [{ path: () => '/api/v1/allowlist', mustContain: () => ['10.77.0.10'] }, { path: () => '/api/v1/allowlist?ip=10.77.0.11', mustContain: () => [], total: 0 }] },
  '/api/v1/network-users': { kind: 'list', requests: [{ path: () => '/api/v1/network-users', mustContain: () => [`${PREFIX.a}-netuser`] }] },
  '/api/v1/identities/:kind/:name': {
    kind: 'named',
    params: (f) => ({ kind: 'user', name: `${PREFIX[f.tenant]}-alice` }),
    own: (f) => ({ kind: 'user', name: `${PREFIX[f.tenant]}-alice`, groups: [`${PREFIX[f.tenant]}-staff`] }),
    foreign: { kind: 'user', name: `${PREFIX.b}-alice`, groups: [] },
  },
  '/api/v1/audit': {
    kind: 'list',
    requests: [
      { path: () => '/api/v1/audit?limit=1000', mustContain: (a) => [a.policyId, a.exceptionId, a.tokenId, ...a.endpoints.map((e) => e.id)] },
      { path: () => '/api/v1/audit?target_type=endpoint', mustContain: (a) => a.endpoints.map((e) => e.id) },
      { path: () => '/api/v1/audit?action=policy.create', mustContain: (a) => [a.policyId] },
    ],
  },
};

describe('reads with tenant A credentials', () => {
  it('every GET route in the route table is classified here', () => {
    const gets = s.server.routes.filter((r) => r.method === 'GET').map((r) => r.url);
    expect(gets.filter((u) => !(u in GET_ROUTES))).toEqual([]);
    // And the table names no route that no longer exists.
    expect(Object.keys(GET_ROUTES).filter((u) => !gets.includes(u))).toEqual([]);
  });

  it('the seeded tenants really differ, so the checks below can tell them apart', async () => {
    for (const f of [A, B]) {
      const list = await s.api(f.admin, 'GET', '/api/v1/endpoints');
      expect(list.json.items.map((e: { verdict: string }) => e.verdict).sort()).toEqual(['allow', 'isolate']);
      const detail = await s.api(f.admin, 'GET', `/api/v1/endpoints/${f.endpoints[0]!.id}`);
      expect(detail.json.findings.map((x: { kind: string; name: string }) => `${x.kind}:${x.name}`).sort()).toEqual([
        `forbidden-package:${PREFIX[f.tenant]}-forbidden-tool`,
        `pending-update:${PREFIX[f.tenant]}-sec-update`,
      ]);
    }
    // Positive control for the leak detector: B's own view is full of B's markers.
    const bOwn = JSON.stringify([
      (await s.api(B.admin, 'GET', '/api/v1/audit?limit=1000')).json,
      (await s.api(B.admin, 'GET', `/api/v1/endpoints/${B.endpoints[0]!.id}`)).json,
    ]);
    expect(leakedMarkers(bOwn, B).sort()).toEqual([...B.markers].sort());
  });

  const cases = Object.entries(GET_ROUTES);
  it.each(cases)('GET %s', async (url, c) => {
    for (const tok of [A.admin, A.viewer, A.token]) {
      switch (c.kind) {
        case 'global': {
          const r = await rawRequest(s, tok, 'GET', c.path);
          expect(r.status, c.path).toBe(200);
          expect(leakedMarkers(r.text, B), c.path).toEqual([]);
          break;
        }
        case 'list':
          for (const q of c.requests) {
            const path = q.path(A, B);
            const r = await s.api(tok, 'GET', path);
            expect(r.status, path).toBe(200);
            const text = JSON.stringify(r.json);
            expect(leakedMarkers(text, B), path).toEqual([]);
            expect(new Set(tenantIdsIn(r.json)), path).not.toContain('b');
            for (const m of q.mustContain(A)) expect(text, `${path} should list ${m}`).toContain(m);
            if (q.total !== undefined) expect(r.json.total, path).toBe(q.total);
          }
          break;
        case 'detail': {
          const own = await s.api(tok, 'GET', fillRoute(url, c.params(A)));
          expect(own.status, `own ${url}`).toBe(200);
          expect(leakedMarkers(JSON.stringify(own.json), B)).toEqual([]);
          const foreign = await s.api(tok, 'GET', fillRoute(url, c.params(B)));
          expect(foreign.status, `foreign ${url}`).toBe(404);
          expect(foreign.json.error.code).toBe('KENNEKI_ERR_NOT_FOUND');
          expect(leakedMarkers(JSON.stringify(foreign.json), B).filter((m) => !Object.values(c.params(B)).includes(m))).toEqual([]);
          break;
        }
        case 'named': {
          const own = await s.api(tok, 'GET', fillRoute(url, c.params(A)));
          expect(own.status).toBe(200);
          expect(own.json).toEqual(c.own(A));
          const foreign = await s.api(tok, 'GET', fillRoute(url, c.params(B)));
          expect(foreign.status).toBe(200);
          expect(foreign.json).toEqual(c.foreign);
          break;
        }
      }
    }
  });

  it.each([
    ['?tenant=b', 403, 'KENNEKI_ERR_FORBIDDEN'],
    ['?tenant=b&limit=500', 403, 'KENNEKI_ERR_FORBIDDEN'],
    ['?tenant=nonexistent', 403, 'KENNEKI_ERR_FORBIDDEN'],
  ])('the endpoint list with %s is refused, not filtered', async (query, status, code) => {
    const r = await s.api(A.admin, 'GET', `/api/v1/endpoints${query}`);
    expect(r.status).toBe(status);
    expect(r.json.error.code).toBe(code);
    expect(r.json.items).toBeUndefined();
  });
});

/**
 * Every mutating route with a path parameter, called by tenant A with B's ids. Identities are
 * keyed by name per tenant, so a PUT there writes A's own identity and must leave B's alone.
 */
const WRITE_ROUTES: Record<string, { params: (b: Fixture) => Record<string, string>; body?: (b: Fixture) => unknown; status: number }> = {
  'PATCH /api/v1/endpoints/:id': { params: (b) => ({ id: b.endpoints[0]!.id }), body: () => ({ hostname: 'hijacked', owner: 'mallory', tags: ['pwned'] }), status: 404 },
  'POST /api/v1/endpoints/:id/credential': { params: (b) => ({ id: b.endpoints[0]!.id }), status: 404 },
  'POST /api/v1/endpoints/:id/reassess': { params: (b) => ({ id: b.endpoints[0]!.id }), status: 404 },
  'DELETE /api/v1/endpoints/:id': { params: (b) => ({ id: b.endpoints[1]!.id }), status: 404 },
  'PUT /api/v1/policies/:id': { params: (b) => ({ id: b.policyId }), body: () => policyBody('hijacked', 0, []), status: 404 },
  'DELETE /api/v1/policies/:id': { params: (b) => ({ id: b.baselineId }), status: 404 },
  'PUT /api/v1/exceptions/:id': {
    params: (b) => ({ id: b.exceptionId }),
    body: () => ({ scope: { kind: 'user', user: 'mallory' }, checks: ['*'], reason: 'hijacked', approver: 'mallory', expiresAt: new Date(Date.now() + 365 * DAY).toISOString() }),
    status: 404,
  },
  'DELETE /api/v1/exceptions/:id': { params: (b) => ({ id: b.exceptionId }), status: 404 },
  'PUT /api/v1/roles/:id': { params: (b) => ({ id: b.roleId }), body: () => ({ name: 'hijacked', precedence: 0, groups: ['hijacked'], vlans: { allow: '666' } }), status: 404 },
  'DELETE /api/v1/roles/:id': { params: (b) => ({ id: b.roleId }), status: 404 },
  'DELETE /api/v1/tokens/:id': { params: (b) => ({ id: b.tokenId }), status: 404 },
  'DELETE /api/v1/enrollment-tokens/:id': { params: (b) => ({ id: b.enrollmentTokenId }), status: 404 },
  'PUT /api/v1/identities/:kind/:name': { params: () => ({ kind: 'user', name: `${PREFIX.b}-alice` }), body: () => ({ groups: ['hijacked'] }), status: 200 },
  // Network users are named per tenant: A's PUT of B's name creates A's own user, and A's DELETE
  // then deletes that one; B's user of the same name is untouched (the snapshot compares it).
  'PUT /api/v1/network-users/:name': { params: () => ({ name: `${PREFIX.b}-netuser` }), body: () => ({ password: 'hijacked-password' }), status: 200 },
  'DELETE /api/v1/network-users/:name': { params: () => ({ name: `${PREFIX.b}-netuser` }), status: 204 },
};

/** Everything tenant B can see about itself, for before/after comparison. */
async function snapshotB(): Promise<unknown> {
  const get = async (path: string) => {
    const r = await s.api(B.admin, 'GET', path);
    expect(r.status, path).toBe(200);
    return r.json;
  };
  return {
    endpoints: await get('/api/v1/endpoints?limit=500'),
    details: await Promise.all(B.endpoints.map((e) => get(`/api/v1/endpoints/${e.id}`))),
    policies: await get('/api/v1/policies'),
    exceptions: await get('/api/v1/exceptions?include_expired=true'),
    roles: await get('/api/v1/roles'),
    definitions: await get('/api/v1/definitions'),
    enrollmentTokens: await get('/api/v1/enrollment-tokens'),
    identity: await get(`/api/v1/identities/user/${PREFIX.b}-alice`),
    networkUsers: await get('/api/v1/network-users'),
    networkUserSecrets: await s.server.ctx.store.networkUsers.secrets('b', `${PREFIX.b}-netuser`),
    sessions: await get('/api/v1/sessions'),
    dhcpLeases: await get('/api/v1/dhcp/leases'),
    audit: await get('/api/v1/audit?limit=1000'),
  };
}

describe('writes with tenant A credentials on tenant B ids', () => {
  it('every mutating route with a path parameter is covered', () => {
    const withParams = s.server.routes.filter((r) => r.method !== 'GET' && /[:*]/.test(r.url)).map((r) => `${r.method} ${r.url}`);
    expect(withParams.filter((k) => !(k in WRITE_ROUTES))).toEqual([]);
    expect(Object.keys(WRITE_ROUTES).filter((k) => !withParams.includes(k))).toEqual([]);
  });

  it('are not found (or land in A own namespace) and change nothing in B', async () => {
    const before = await snapshotB();
    const bAuditBefore = await lastAuditId(s, 'b');
    for (const [key, c] of Object.entries(WRITE_ROUTES)) {
      const [method, url] = key.split(' ') as [string, string];
      const r = await s.api(A.admin, method, fillRoute(url, c.params(B)), c.body?.(B));
      expect(r.status, key).toBe(c.status);
      if (c.status === 404) expect(r.json.error.code, key).toBe('KENNEKI_ERR_NOT_FOUND');
    }
    // The identity PUT wrote A's own identity of that name.
    expect((await s.api(A.admin, 'GET', `/api/v1/identities/user/${PREFIX.b}-alice`)).json.groups).toEqual(['hijacked']);

    // Body references to B's rows are refused too.
    const deviceScoped = await s.api(A.admin, 'POST', '/api/v1/exceptions', {
      scope: { kind: 'device', endpointId: B.endpoints[0]!.id },
      checks: ['*'],
      reason: 'cross-tenant',
      approver: 'mallory',
      expiresAt: new Date(Date.now() + DAY).toISOString(),
    });
    expect(deviceScoped.status).toBe(400);
    expect(deviceScoped.json.error.message).toContain('scope.endpointId');
    const whatIfReplace = await s.api(A.admin, 'POST', '/api/v1/policies/what-if', { upsert: [{ ...policyBody('x', 0, []), id: B.baselineId }] });
    expect(whatIfReplace.status).toBe(404);
    const whatIfDelete = await s.api(A.admin, 'POST', '/api/v1/policies/what-if', { delete: [B.baselineId, B.policyId] });
    expect(whatIfDelete.status).toBe(200);
    expect(whatIfDelete.json).toMatchObject({ evaluated: A.endpoints.length, changed: 0 });
    // Importing a feed under B's feed name creates A's own feed.
    expect((await s.api(A.admin, 'POST', '/api/v1/definitions', { format: 'kenneki', feed: `${PREFIX.b}-feed`, content: feedYaml(PREFIX.a) })).status).toBe(201);
    await s.server.queue.idle();

    // B, looking with its own token, sees exactly what it saw before; its audit log has no new row.
    expect(await snapshotB()).toEqual(before);
    expect(await lastAuditId(s, 'b')).toBe(bAuditBefore);
    // B's credentials still work: the token was not revoked, the device credential not rotated.
    expect((await s.api(B.token, 'GET', '/api/v1/endpoints')).status).toBe(200);
    expect((await report(s, B.endpoints[0]!.credential, healthyReport(new Date(), facts.packages(new Date(), [{ name: `${PREFIX.b}-forbidden-tool`, version: '1.0' }])))).status).toBe(200);
  });
});

describe('device credentials', () => {
  it("tenant B's device reporting affects only B's endpoint, not A's endpoint with the same MAC", async () => {
    const target = B.endpoints[1]!;
    const twin = A.endpoints[1]!;
    const aBefore = (await s.api(A.admin, 'GET', `/api/v1/endpoints/${twin.id}`)).json;
    const aListBefore = (await s.api(A.admin, 'GET', '/api/v1/endpoints?limit=500')).json;
    expect(aBefore.endpoint.mac).toBe('aa:bb:cc:00:00:02');
    expect(aBefore.endpoint.verdict).toBe('allow');

    const bus = recordVerdicts(s);
    const now = new Date();
    const r = await report(s, target.credential, healthyReport(now, facts.firewallOff(now)));
    bus.stop();
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ verdict: 'isolate', changed: true });

    const bDetail = (await s.api(B.admin, 'GET', `/api/v1/endpoints/${target.id}`)).json;
    expect(bDetail.endpoint).toMatchObject({ mac: 'aa:bb:cc:00:00:02', verdict: 'isolate', lastReportAt: now.toISOString() });
    expect(bus.events.map((e) => [e.tenantId, e.endpointId, e.previous, e.verdict, e.cause])).toEqual([['b', target.id, 'allow', 'isolate', 'posture']]);

    // A's twin and A's whole list are untouched.
    expect((await s.api(A.admin, 'GET', `/api/v1/endpoints/${twin.id}`)).json).toEqual(aBefore);
    expect((await s.api(A.admin, 'GET', '/api/v1/endpoints?limit=500')).json).toEqual(aListBefore);
  });

  it("a device credential cannot read tenant data, and B's credential is unknown to A's routes", async () => {
    for (const path of ['/api/v1/endpoints', `/api/v1/endpoints/${B.endpoints[0]!.id}`, '/api/v1/audit']) {
      const r = await s.api(B.endpoints[0]!.credential, 'GET', path);
      expect(r.status, path).toBe(401);
    }
  });
});
