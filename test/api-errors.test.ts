/**
 * The API's refusals: every invalid request is a 400 naming the JSON path of each problem, and
 * authentication/authorisation are enforced on every route in the route table (401 for missing,
 * unknown, revoked or expired credentials; 403 for a known caller without the role).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../policy/service/clock.js';
import { CHECK_IDS } from '../policy/verifiers/contract.js';
import { enrollEndpoint, healthyReport, report, startTestServer, type TestServer } from './helpers/kenneki-server.js';
import { DAY, HOUR, fillRoute, ok, policyBody, rawRequest } from './helpers/scenario.js';

let s: TestServer;
let admin: string;
let operator: string;
let viewer: string;
let device: { id: string; credential: string };

beforeAll(async () => {
  s = await startTestServer();
  admin = s.adminToken['default']!;
  operator = await s.token('default', 'operator');
  viewer = await s.token('default', 'viewer');
  device = await enrollEndpoint(s, admin, { hostname: 'errors-pc', mac: '02:00:00:00:00:01' });
});
afterAll(async () => s?.close());

const now = () => new Date();
const withFirewall = (firewall: unknown) => {
  const t = now();
  return healthyReport(t, { firewall });
};

/** Bad request → the exact `problems` list. `as: 'device'` sends the device credential. */
const VALIDATION: [string, 'admin' | 'device', string, string, unknown, string[]][] = [
  ['policy check with an unknown action', 'admin', 'POST', '/api/v1/policies', policyBody('p', 1, [{ check: 'firewall', action: 'explode' }]), ['body.checks[0].action: must be one of: isolate, deny, warn']],
  ['policy check with an unknown check id', 'admin', 'POST', '/api/v1/policies', policyBody('p', 1, [{ check: 'astrology', action: 'isolate' }]), ['body.checks[0].check: is not one of the accepted values']],
  ['policy check without its required params', 'admin', 'POST', '/api/v1/policies', policyBody('p', 1, [{ check: 'firewall', action: 'warn' }, { check: 'os-version', action: 'isolate' }]), ['body.checks[1].params: is required']],
  ['policy check params with an unknown key', 'admin', 'POST', '/api/v1/policies', policyBody('p', 1, [{ check: 'antivirus', action: 'isolate', params: { maxSignatureAge: 7 } }]), ['body.checks[0].params.maxSignatureAge: unknown key']],
  ['policy without precedence', 'admin', 'POST', '/api/v1/policies', { name: 'p', checks: [] }, ['body.precedence: is required']],
  ['policy with a fractional precedence', 'admin', 'PUT', '/api/v1/policies/00000000-0000-4000-8000-000000000000', policyBody('p', 1.5, []), ['body.precedence: must be an integer']],
  ['policy with an unknown key', 'admin', 'POST', '/api/v1/policies', { ...policyBody('p', 1, []), bogus: true }, ['body.bogus: unknown key']],
  ['quarantine host that is no address or name', 'admin', 'POST', '/api/v1/policies', { ...policyBody('p', 1, []), quarantineAllow: [{ host: 'updates.example.com' }, { host: 'not a host!' }] }, ['body.quarantineAllow[1].host: must be an IP address, a CIDR prefix or a DNS name']],
  ['quarantine CIDR prefix too long', 'admin', 'PUT', '/api/v1/policies/00000000-0000-4000-8000-000000000000', { ...policyBody('p', 1, []), quarantineAllow: [{ host: '10.0.0.0/33' }] }, ['body.quarantineAllow[0].host: must have a prefix length of 1..32']],
  ['quarantine ports out of range', 'admin', 'POST', '/api/v1/policies', { ...policyBody('p', 1, []), quarantineAllow: [{ host: '10.0.0.1', protocol: 'tcp', ports: [0, 70000] }] }, ['body.quarantineAllow[0].ports[0]: must be >= 1', 'body.quarantineAllow[0].ports[1]: must be <= 65535']],
  ['quarantine protocol unknown', 'admin', 'POST', '/api/v1/policies', { ...policyBody('p', 1, []), quarantineAllow: [{ host: '2001:db8::1', protocol: 'icmp' }] }, ['body.quarantineAllow[0].protocol: must be one of: tcp, udp, any']],
  ['policy with several problems', 'admin', 'POST', '/api/v1/policies', { name: '', precedence: -1, mode: 'audit', checks: [] }, ['body.mode: must be one of: enforce, monitor', 'body.name: must be at least 1 character', 'body.precedence: must be >= 0']],
  ['endpoint with an unknown key', 'admin', 'POST', '/api/v1/endpoints', { hostname: 'pc', bogus: 1 }, ['body.bogus: unknown key']],
  ['endpoint patch with deviceId (not patchable)', 'admin', 'PATCH', '/api/v1/endpoints/00000000-0000-4000-8000-000000000000', { deviceId: 'x' }, ['body.deviceId: unknown key']],
  ['exception with several problems', 'admin', 'POST', '/api/v1/exceptions', { scope: { kind: 'user' }, checks: [], reason: 'r', approver: 'a', expiresAt: 'tomorrow' }, ['body.checks: must have at least 1 item', 'body.expiresAt: must be a valid date-time', 'body.scope.user: is required']],
  ['exception with an unknown scope kind', 'admin', 'POST', '/api/v1/exceptions', { scope: { kind: 'planet', planet: 'mars' }, checks: ['*'], reason: 'r', approver: 'a', expiresAt: '2099-01-01T00:00:00Z' }, ['body.scope.kind: is not one of the accepted values']],
  ['exception waiving an unknown check', 'admin', 'POST', '/api/v1/exceptions', { scope: { kind: 'user', user: 'u' }, checks: ['firewall', 'fire-wall'], reason: 'r', approver: 'a', expiresAt: '2099-01-01T00:00:00Z' }, [`body.checks[1]: must be one of: ${['*', ...CHECK_IDS].join(', ')}`]],
  ['token with a zero ttl', 'admin', 'POST', '/api/v1/tokens', { name: 'ci', ttlHours: 0 }, ['body.ttlHours: must be >= 1']],
  ['identity groups not strings', 'admin', 'PUT', '/api/v1/identities/user/ann', { groups: ['lab', { name: 'x' }] }, ['body.groups[1]: must be a string']],
  ['identity of an unknown kind', 'admin', 'PUT', '/api/v1/identities/robot/r2d2', { groups: [] }, ['params.kind: must be one of: user, device']],
  ['what-if with a negative sample limit', 'admin', 'POST', '/api/v1/policies/what-if', { sampleLimit: -1 }, ['body.sampleLimit: must be >= 0']],
  ['what-if with a quarantine host a save would refuse', 'admin', 'POST', '/api/v1/policies/what-if', { upsert: [{ ...policyBody('p', 1, []), quarantineAllow: [{ host: '10.0.0.0/33' }] }] }, ['body.upsert[0].quarantineAllow[0].host: must have a prefix length of 1..32']],
  ['definitions in an unknown format', 'admin', 'POST', '/api/v1/definitions', { format: 'oval', content: '' }, ['body.format: must be one of: kenneki, debian-tracker']],
  ['definitions without content', 'admin', 'POST', '/api/v1/definitions', { format: 'kenneki' }, ['body.content: is required']],
  ['list limit below 1', 'admin', 'GET', '/api/v1/endpoints?limit=0', undefined, ['querystring.limit: must be >= 1']],
  ['list limit above 500', 'admin', 'GET', '/api/v1/endpoints?limit=501', undefined, ['querystring.limit: must be <= 500']],
  ['list limit not a number', 'admin', 'GET', '/api/v1/audit?limit=lots', undefined, ['querystring.limit: must be an integer']],
  ['list filter with an unknown verdict', 'admin', 'GET', '/api/v1/endpoints?verdict=maybe', undefined, ['querystring.verdict: must be one of: allow, isolate, deny']],
  ['list filter with an unknown check', 'admin', 'GET', '/api/v1/endpoints?failing_check=astrology', undefined, [`querystring.failing_check: must be one of: ${CHECK_IDS.join(', ')}`]],
  ['list with an unknown query key', 'admin', 'GET', '/api/v1/endpoints?bogus=1', undefined, ['querystring.bogus: unknown key']],
  ['list with a bad date', 'admin', 'GET', '/api/v1/endpoints?last_seen_before=yesterday', undefined, ['querystring.last_seen_before: must be a valid date-time']],
  ['endpoint id not a uuid', 'admin', 'GET', '/api/v1/endpoints/not-a-uuid', undefined, ['params.id: must be a valid uuid']],
  ['policy id not a uuid', 'admin', 'DELETE', '/api/v1/policies/42', undefined, ['params.id: must be a valid uuid']],
  ['exception id not a uuid', 'admin', 'PUT', '/api/v1/exceptions/abc', { scope: { kind: 'user', user: 'u' }, checks: ['*'], reason: 'r', approver: 'a', expiresAt: '2099-01-01T00:00:00Z' }, ['params.id: must be a valid uuid']],
  ['posture fact of the wrong type', 'device', 'POST', '/api/v1/posture', withFirewall(ok({ profiles: [{ name: 'Public', enabled: 'yes' }] }, now())), ['body.facts.firewall.value.profiles[0].enabled: must be a boolean']],
  ['posture fact value not an object', 'device', 'POST', '/api/v1/posture', withFirewall(ok('on', now())), ['body.facts.firewall.value: must be a mapping']],
  ['posture fact with an unknown status', 'device', 'POST', '/api/v1/posture', withFirewall({ status: 'maybe', collectedAt: now().toISOString(), source: 'kenneki-agent' }), ['body.facts.firewall.status: is not one of the accepted values']],
  ['posture unknown fact without a reason', 'device', 'POST', '/api/v1/posture', withFirewall({ status: 'unknown', collectedAt: now().toISOString(), source: 'kenneki-agent' }), ['body.facts.firewall.reason: is required']],
  ['posture with an unknown fact', 'device', 'POST', '/api/v1/posture', { reportedAt: now().toISOString(), facts: { mood: ok('happy', now()) } }, ['body.facts.mood: unknown key']],
  ['posture without reportedAt', 'device', 'POST', '/api/v1/posture', { facts: {} }, ['body.reportedAt: is required']],
];

describe('validation errors name the JSON path', () => {
  it.each(VALIDATION)('%s', async (_label, as, method, path, body, problems) => {
    const before = await s.api(admin, 'GET', '/api/v1/policies');
    const r = await s.api(as === 'device' ? device.credential : admin, method, path, body);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('KENNEKI_ERR_VALIDATION');
    expect(r.json.error.problems).toEqual(problems);
    expect(r.json.error.message).toBe(problems[0]);
    // Nothing was written.
    expect((await s.api(admin, 'GET', '/api/v1/policies')).json).toEqual(before.json);
  });

  it('a policy with valid quarantine hosts is accepted and kept as sent', async () => {
    const allow = [{ host: 'updates.example.com' }, { host: '10.20.0.0/16', protocol: 'tcp', ports: [80, 443] }, { host: '2001:db8::53', protocol: 'udp', ports: [53] }];
    const created = await s.api(admin, 'POST', '/api/v1/policies', { ...policyBody('quarantine-allow', 900, []), quarantineAllow: allow });
    expect(created.status).toBe(201);
    expect(created.json.quarantineAllow).toEqual(allow);
    expect((await s.api(admin, 'GET', `/api/v1/policies/${created.json.id}`)).json.quarantineAllow).toEqual(allow);
    // PUT replaces: leaving the list out clears it.
    const replaced = await s.api(admin, 'PUT', `/api/v1/policies/${created.json.id}`, policyBody('quarantine-allow', 900, []));
    expect(replaced.json.quarantineAllow).toBeUndefined();
    expect((await s.api(admin, 'DELETE', `/api/v1/policies/${created.json.id}`)).status).toBe(204);
  });

  it('route-level checks name the path too', async () => {
    const cases: [string, Promise<{ status: number; json: any }>, string, string][] = [
      ['malformed MAC', s.api(admin, 'POST', '/api/v1/endpoints', { mac: 'not-a-mac' }), 'KENNEKI_ERR_VALIDATION', 'body.mac'],
      ['exception already expired', s.api(admin, 'POST', '/api/v1/exceptions', { scope: { kind: 'user', user: 'u' }, checks: ['*'], reason: 'r', approver: 'a', expiresAt: '2001-01-01T00:00:00Z' }), 'KENNEKI_ERR_VALIDATION', 'body.expiresAt'],
      [
        'device exception for an unknown endpoint',
        s.api(admin, 'POST', '/api/v1/exceptions', { scope: { kind: 'device', endpointId: '00000000-0000-4000-8000-000000000000' }, checks: ['*'], reason: 'r', approver: 'a', expiresAt: '2099-01-01T00:00:00Z' }),
        'KENNEKI_ERR_VALIDATION',
        'body.scope.endpointId',
      ],
      ['report dated in the future', report(s, device.credential, healthyReport(new Date(Date.now() + DAY))), 'KENNEKI_ERR_POSTURE_INVALID', 'body.reportedAt'],
    ];
    for (const [label, p, code, path] of cases) {
      const r = await p;
      expect(r.status, label).toBe(400);
      expect(r.json.error.code, label).toBe(code);
      expect(r.json.error.details?.path, label).toBe(path);
      expect(r.json.error.message, label).toContain(`${path.split('.').pop()}: `);
    }
    const feed = await s.api(admin, 'POST', '/api/v1/definitions', { format: 'kenneki', content: 'format: kenneki-definitions/1\nfeed: f\npublished: 2026-01-01\nforbidden:\n  - name: x\n' });
    expect(feed.status).toBe(400);
    expect(feed.json.error).toMatchObject({ code: 'KENNEKI_ERR_DEFINITIONS_INVALID', details: { path: 'forbidden[0].reason' } });
  });

  it.each([
    ['an admin route', 'admin', '/api/v1/endpoints'],
    ['posture ingestion', 'device', '/api/v1/posture'],
  ])('malformed JSON on %s is a 400 and stores nothing', async (_label, as, path) => {
    const count = (await s.api(admin, 'GET', '/api/v1/endpoints')).json.total;
    const r = await rawRequest(s, as === 'admin' ? admin : device.credential, 'POST', path, '{"hostname": "pc", ');
    expect(r.status).toBe(400);
    expect(r.json.error.code).toEqual(expect.any(String));
    expect(r.json.error.message).toMatch(/JSON/);
    expect((await s.api(admin, 'GET', '/api/v1/endpoints')).json.total).toBe(count);
  });

  it('a body that is not JSON at all is refused (415), not parsed', async () => {
    const r = await rawRequest(s, admin, 'POST', '/api/v1/endpoints', 'hostname=pc', 'application/x-www-form-urlencoded');
    expect(r.status).toBe(415);
  });
});

/** Fills every route's params with values of the right shape that name nothing. */
const DUMMY_PARAMS = { id: '00000000-0000-4000-8000-000000000000', kind: 'user', name: 'nobody', '*': 'index.html' };
const RANK: Record<string, number> = { viewer: 0, operator: 1, admin: 2 };

describe('authentication on every route', () => {
  it('every route declares its access', () => {
    const api = s.server.routes.filter((r) => r.url.startsWith('/api/'));
    expect(api.filter((r) => !['public', 'device', 'viewer', 'operator', 'admin'].includes(r.access))).toEqual([]);
    // Only login is public in the API; only posture takes a device credential.
    expect(api.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.url}`)).toEqual(['POST /api/v1/auth/login']);
    expect(api.filter((r) => r.access === 'device').map((r) => `${r.method} ${r.url}`)).toEqual(['POST /api/v1/posture']);
  });

  it('no credential, a garbage credential or the wrong kind of credential is 401 on every protected route', async () => {
    const protectedRoutes = s.server.routes.filter((r) => !['public', 'unset'].includes(r.access));
    expect(protectedRoutes.length).toBeGreaterThan(20);
    for (const r of protectedRoutes) {
      const path = fillRoute(r.url, DUMMY_PARAMS);
      const wrongKind = r.access === 'device' ? admin : device.credential;
      for (const [label, token] of [
        ['none', undefined],
        ['garbage', 'garbage'],
        ['garbage with the token prefix', 'kk_0123456789abcdef'],
        ['garbage with the device prefix', 'kd_0123456789abcdef'],
        ['wrong kind', wrongKind],
      ] as const) {
        const res = await s.api(token, r.method, path);
        expect(res.status, `${r.method} ${r.url} with ${label}`).toBe(401);
        expect(res.json.error.code).toBe('KENNEKI_ERR_UNAUTHENTICATED');
      }
    }
    // Every role's token is refused on posture ingestion.
    for (const token of [admin, operator, viewer]) expect((await report(s, token, healthyReport(new Date()))).status).toBe(401);
  });

  it('a role below the route requirement is 403; the required role passes the gate', async () => {
    const tokens: Record<string, string> = { viewer, operator, admin };
    const roleRoutes = s.server.routes.filter((r) => r.access in RANK);
    expect(roleRoutes.length).toBeGreaterThan(15);
    const policiesBefore = (await s.api(admin, 'GET', '/api/v1/policies')).json;
    for (const r of roleRoutes) {
      const path = fillRoute(r.url, DUMMY_PARAMS);
      for (const [role, token] of Object.entries(tokens)) {
        // No body: a caller who passes the gate gets 400/404 (nothing named exists), never a change.
        const res = await s.api(token, r.method, path);
        const label = `${role} on ${r.method} ${r.url} (${r.access})`;
        if (RANK[role]! < RANK[r.access]!) {
          expect(res.status, label).toBe(403);
          expect(res.json.error.code).toBe('KENNEKI_ERR_FORBIDDEN');
        } else {
          expect([401, 403], label).not.toContain(res.status);
        }
      }
    }
    expect((await s.api(admin, 'GET', '/api/v1/policies')).json).toEqual(policiesBefore);
  });

  it.each([
    ['viewer registers an endpoint', 'viewer', 'POST', '/api/v1/endpoints', { hostname: 'x' }],
    ['viewer creates an exception', 'viewer', 'POST', '/api/v1/exceptions', { scope: { kind: 'user', user: 'u' }, checks: ['*'], reason: 'r', approver: 'a', expiresAt: '2099-01-01T00:00:00Z' }],
    ['viewer imports definitions', 'viewer', 'POST', '/api/v1/definitions', { format: 'kenneki', content: 'x' }],
    ['viewer creates a policy', 'viewer', 'POST', '/api/v1/policies', policyBody('v', 1, [])],
    ['operator creates a policy', 'operator', 'POST', '/api/v1/policies', policyBody('o', 1, [])],
    ['operator issues a token', 'operator', 'POST', '/api/v1/tokens', { name: 'escalate', role: 'admin' }],
  ])('%s with a valid body is 403 and changes nothing', async (_label, role, method, path, body) => {
    const token = role === 'viewer' ? viewer : operator;
    const auditBefore = (await s.api(admin, 'GET', '/api/v1/audit?limit=1')).json.items[0].id;
    const r = await s.api(token, method, path, body);
    expect(r.status).toBe(403);
    expect(r.json.error.code).toBe('KENNEKI_ERR_FORBIDDEN');
    expect((await s.api(admin, 'GET', '/api/v1/audit?limit=1')).json.items[0].id).toBe(auditBefore);
  });

  it('a revoked token is 401 from the moment it is revoked', async () => {
    const issued = await s.api(admin, 'POST', '/api/v1/tokens', { name: 'to-revoke', role: 'viewer' });
    expect(issued.status).toBe(201);
    expect((await s.api(issued.json.token, 'GET', '/api/v1/endpoints')).status).toBe(200);
    expect((await s.api(admin, 'DELETE', `/api/v1/tokens/${issued.json.id}`)).status).toBe(204);
    const r = await s.api(issued.json.token, 'GET', '/api/v1/endpoints');
    expect(r.status).toBe(401);
    expect(r.json.error.code).toBe('KENNEKI_ERR_UNAUTHENTICATED');
    // Revoking twice is a 404: there is no live token with that id.
    expect((await s.api(admin, 'DELETE', `/api/v1/tokens/${issued.json.id}`)).status).toBe(404);
  });

  it('a rotated device credential stops working, the new one works', async () => {
    const e = await enrollEndpoint(s, admin, { hostname: 'rotate-pc' });
    const rotated = await s.api(operator, 'POST', `/api/v1/endpoints/${e.id}/credential`);
    expect(rotated.status).toBe(200);
    expect((await report(s, e.credential, healthyReport(new Date()))).status).toBe(401);
    expect((await report(s, rotated.json.deviceCredential, healthyReport(new Date()))).status).toBe(200);
  });
});

describe('token expiry (manual clock)', () => {
  let m: TestServer;
  const clock = new ManualClock(new Date('2026-03-02T09:00:00Z'));
  beforeAll(async () => {
    m = await startTestServer({ clock });
  });
  afterAll(async () => m?.close());

  it('a token with a ttl works until it expires, then is 401', async () => {
    const issued = await m.api(m.adminToken['default'], 'POST', '/api/v1/tokens', { name: 'short', ttlHours: 1 });
    expect(issued.status).toBe(201);
    expect(issued.json.expiresAt).toBe('2026-03-02T10:00:00.000Z');
    const at: [number, number][] = [
      [0, 200],
      [59 * 60_000, 200],
      [60_000, 401], // exactly at expiry
      [DAY, 401],
    ];
    for (const [advance, status] of at) {
      clock.advance(advance);
      expect((await m.api(issued.json.token, 'GET', '/api/v1/endpoints')).status, clock.now().toISOString()).toBe(status);
    }
    // Tokens without a ttl are unaffected by time.
    expect((await m.api(m.adminToken['default'], 'GET', '/api/v1/endpoints')).status).toBe(200);
  });

  it('a login session expires after 12 hours', async () => {
    const login = await m.api(undefined, 'POST', '/api/v1/auth/login', { tenant: 'default', username: 'admin-user', password: 'a-long-test-password-123' });
    expect(login.status).toBe(200);
    expect(Date.parse(login.json.expiresAt) - clock.now().getTime()).toBe(12 * HOUR);
    clock.advance(12 * HOUR - 1000);
    expect((await m.api(login.json.token, 'GET', '/api/v1/endpoints')).status).toBe(200);
    clock.advance(1000);
    expect((await m.api(login.json.token, 'GET', '/api/v1/endpoints')).status).toBe(401);
  });
});

describe('body size limit', () => {
  let m: TestServer;
  const LIMIT = 4096;
  beforeAll(async () => {
    m = await startTestServer({ bodyLimit: LIMIT });
  });
  afterAll(async () => m?.close());

  it('a body over http.body_limit_bytes is 413 and stores nothing; one under it is accepted', async () => {
    const admin = m.adminToken['default']!;
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `tag-${i}`.padEnd(60, 'x'));
    const big = JSON.stringify({ hostname: 'big-pc', tags: tags(64).map((t) => t.padEnd(64, 'y')) });
    const small = JSON.stringify({ hostname: 'small-pc', tags: tags(40) });
    expect(big.length).toBeGreaterThan(LIMIT);
    expect(small.length).toBeLessThan(LIMIT);

    const r = await rawRequest(m, admin, 'POST', '/api/v1/endpoints', big);
    expect(r.status).toBe(413);
    expect(r.json.error.message).toMatch(/too large/i);
    expect((await m.api(admin, 'GET', '/api/v1/endpoints?q=big-pc')).json.total).toBe(0);
    expect((await rawRequest(m, admin, 'POST', '/api/v1/endpoints', small)).status).toBe(201);
  });

  it('posture reports are held to the same limit', async () => {
    const admin = m.adminToken['default']!;
    const e = await enrollEndpoint(m, admin, { hostname: 'reporter' });
    const t = new Date();
    const pkgs = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `package-${i}`, version: '1.0.0-1' }));
    const big = healthyReport(t, { packages: ok({ manager: 'dpkg', packages: pkgs(200) }, t) });
    expect(JSON.stringify(big).length).toBeGreaterThan(LIMIT);
    expect((await report(m, e.credential, big)).status).toBe(413);
    expect((await m.api(admin, 'GET', `/api/v1/endpoints/${e.id}`)).json.posture).toBeNull();
    expect((await report(m, e.credential, healthyReport(t))).status).toBe(200);
  });

  it('the definitions import alone accepts bodies above the limit', async () => {
    const admin = m.adminToken['default']!;
    const rules = Array.from({ length: 200 }, (_, i) => `  - name: forbidden-tool-${i}\n    reason: not allowed here`).join('\n');
    const content = `format: kenneki-definitions/1\nfeed: big\npublished: 2026-01-01\nforbidden:\n${rules}\n`;
    expect(JSON.stringify({ format: 'kenneki', content }).length).toBeGreaterThan(LIMIT);
    const r = await m.api(admin, 'POST', '/api/v1/definitions', { format: 'kenneki', content });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ name: 'big', forbidden: 200 });
  });
});
