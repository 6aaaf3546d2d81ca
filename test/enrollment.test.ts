/**
 * Agent enrollment against a real `kenneki serve` (port 0): the admin API issues one-time tokens,
 * and a device enrolls over real PT-TLS, checking the CA against the token's pin first. Refusals
 * are stated as data: what the device did, which code it gets, what happens to the token.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { caPinOf, secretHashOf } from '../policy/tnc/ca/enrollment-token.js';
import { TestClient, bodyOf, debian12Attributes, serverBatchOf } from '../policy/tnc/broker/test-client.js';
import { PtTlsTestConnection } from '../policy/tnc/listener/test-connection.js';
import { KENNEKI_VENDOR_ID } from '../policy/tnc/pa/constants.js';
import { BatchType } from '../policy/tnc/pb/batch.js';
import { KENNEKI_PT_TYPE, type EnrollmentResponse } from '../policy/tnc/pt/kenneki-enrollment.js';
import { PT_ERROR } from '../policy/tnc/wire-error.js';
import { deviceCsr, enrollOverPtTls, openPinned } from './helpers/enroll.js';
import { healthyReport, report, startTestServer, type TestServer } from './helpers/kenneki-server.js';
import { assessOverPtTls } from './helpers/pt-tls-assess.js';

const ok = (r: EnrollmentResponse): Extract<EnrollmentResponse, { ok: true }> => {
  if (!r.ok) throw new Error(`enrollment refused: ${r.code}: ${r.message}`);
  return r;
};

async function newToken(s: TestServer, body: Record<string, unknown> = {}): Promise<{ id: string; token: string; command: string; caPin: string; expiresAt: string }> {
  const r = await s.api(await s.token('default', 'operator'), 'POST', '/api/v1/enrollment-tokens', body);
  if (r.status !== 201) throw new Error(`token: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

async function tokenStatus(s: TestServer, id: string): Promise<any> {
  const r = await s.api(await s.token('default', 'viewer'), 'GET', '/api/v1/enrollment-tokens');
  return (r.json.items as any[]).find((t) => t.id === id);
}

describe('enrollment tokens API', () => {
  let s: TestServer;
  let caCert: string;
  beforeAll(async () => {
    s = await startTestServer({ tenants: ['default', 'other'] });
    caCert = readFileSync(join(s.dataDir, 'ca', 'ca.crt'), 'utf8');
  });
  afterAll(async () => {
    await s?.close();
  });

  test('an operator creates one: the token is shown once, pins the CA, and comes with the command', async () => {
    const created = await newToken(s, { label: 'laptop 42' });
    expect(created.token).toMatch(/^kt1\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    expect(created.caPin).toBe(caPinOf(caCert));
    expect(created.token.endsWith(`.${created.caPin}`)).toBe(true);
    expect(created.command).toBe(`kenneki-agent enroll --server localhost:${s.ptTlsPort} --token ${created.token}`);
    expect(Date.parse(created.expiresAt) - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    expect(Date.parse(created.expiresAt) - Date.now()).toBeLessThanOrEqual(24 * 3600_000);

    const list = await s.api(await s.token('default', 'viewer'), 'GET', '/api/v1/enrollment-tokens');
    expect(list.status).toBe(200);
    const listed = (list.json.items as any[]).find((t) => t.id === created.id);
    expect(listed).toMatchObject({ label: 'laptop 42', status: 'unused', createdBy: 'operator-user' });
    const secret = created.token.split('.')[1]!;
    const text = JSON.stringify(list.json);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secretHashOf(secret));
    expect(text).not.toContain('secretHash');
    const audit = await s.api(s.adminToken['default']!, 'GET', '/api/v1/audit?action=enrollment-token.create');
    expect(audit.json.items[0]).toMatchObject({ targetId: created.id, actor: 'operator-user' });
    expect(JSON.stringify(audit.json)).not.toContain(secret);
  });

  test.each([
    ['viewer', 'POST', '/api/v1/enrollment-tokens', 403],
    ['viewer', 'DELETE', '/api/v1/enrollment-tokens/00000000-0000-4000-8000-000000000000', 403],
    ['none', 'GET', '/api/v1/enrollment-tokens', 401],
    ['none', 'POST', '/api/v1/enrollment-tokens', 401],
  ])('%s: %s %s → %i', async (role, method, path, status) => {
    const tok = role === 'none' ? undefined : await s.token('default', role as 'viewer');
    expect((await s.api(tok, method, path, method === 'POST' ? {} : undefined)).status).toBe(status);
  });

  test.each([
    [{ ttl_hours: 0 }, 'body.ttl_hours'],
    [{ ttl_hours: 721 }, 'body.ttl_hours'],
    [{ ttl_hours: 1.5 }, 'body.ttl_hours'],
    [{ endpoint_id: 'not-a-uuid' }, 'body.endpoint_id'],
    [{ label: '' }, 'body.label'],
    [{ secret: 'mine' }, 'body'],
  ])('bad input %j → 400 naming %s', async (body, path) => {
    const r = await s.api(await s.token('default', 'operator'), 'POST', '/api/v1/enrollment-tokens', body);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('KENNEKI_ERR_VALIDATION');
    expect(r.json.error.message.startsWith(path)).toBe(true);
  });

  test('ttl_hours 720 is the maximum; an unknown endpoint_id is 404', async () => {
    const t = await newToken(s, { ttl_hours: 720 });
    expect(Date.parse(t.expiresAt) - Date.now()).toBeGreaterThan(719 * 3600_000);
    const r = await s.api(await s.token('default', 'operator'), 'POST', '/api/v1/enrollment-tokens', { endpoint_id: '00000000-0000-4000-8000-000000000000' });
    expect(r.status).toBe(404);
  });

  test('DELETE revokes (audited), the list says revoked, a second DELETE is still 204', async () => {
    const t = await newToken(s);
    const op = await s.token('default', 'operator');
    expect((await s.api(op, 'DELETE', `/api/v1/enrollment-tokens/${t.id}`)).status).toBe(204);
    expect((await tokenStatus(s, t.id)).status).toBe('revoked');
    expect((await s.api(op, 'DELETE', `/api/v1/enrollment-tokens/${t.id}`)).status).toBe(204);
    const audit = await s.api(s.adminToken['default']!, 'GET', '/api/v1/audit?action=enrollment-token.revoke');
    expect((audit.json.items as any[]).filter((a) => a.targetId === t.id)).toHaveLength(1);
  });

  test('tenant isolation: another tenant neither sees nor revokes the token, and cannot make useless ones', async () => {
    const t = await newToken(s);
    const other = s.adminToken['other']!;
    const list = await s.api(other, 'GET', '/api/v1/enrollment-tokens');
    expect(list.status).toBe(200);
    expect(list.json.items).toEqual([]);
    expect((await s.api(other, 'DELETE', `/api/v1/enrollment-tokens/${t.id}`)).status).toBe(404);
    expect((await tokenStatus(s, t.id)).status).toBe('unused');
    // PT-TLS enrolls into "default" only: a token of "other" could never be used.
    const r = await s.api(other, 'POST', '/api/v1/enrollment-tokens', {});
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('KENNEKI_ERR_ENROLLMENT_UNAVAILABLE');
    expect(r.json.error.message).toMatch(/pt_tls\.tenant/);
  });
});

describe('enrollment over PT-TLS (client_auth sasl-plain)', () => {
  let s: TestServer;
  let caCert: string;
  beforeAll(async () => {
    s = await startTestServer();
    caCert = readFileSync(join(s.dataDir, 'ca', 'ca.crt'), 'utf8');
  });
  afterAll(async () => {
    await s?.close();
  });

  test('success: a certificate from the CA with CN = machine id, the endpoint, a working credential; reuse is refused', async () => {
    const t = await newToken(s, { label: 'laptop 42' });
    const { csrPem } = await deviceCsr();
    const res = ok(await enrollOverPtTls({ port: s.ptTlsPort!, token: t.token, csrPem, machineId: 'machine-0001', hostname: 'laptop-42' }));
    expect(res).toMatchObject({ tenantId: 'default', deviceId: 'machine-0001', caCertificate: caCert });
    const cert = new X509Certificate(res.certificate);
    expect(cert.verify(new X509Certificate(caCert).publicKey)).toBe(true);
    expect(cert.subject).toBe('CN=machine-0001');
    expect(res.deviceCredential).toMatch(/^kd_/);

    const admin = s.adminToken['default']!;
    const e = await s.api(admin, 'GET', `/api/v1/endpoints/${res.endpointId}`);
    expect(e.json.endpoint).toMatchObject({ deviceId: 'machine-0001', hostname: 'laptop-42' });
    // The credential works, for JSON reports and for SASL PLAIN.
    expect((await report(s, res.deviceCredential, healthyReport(new Date()))).status).toBe(200);
    const code = await assessOverPtTls({ port: s.ptTlsPort!, caCert, user: 'anyone', password: res.deviceCredential, attributes: () => debian12Attributes() });
    expect([1, 2, 3]).toContain(code);

    expect(await tokenStatus(s, t.id)).toMatchObject({ status: 'used', usedByEndpointId: res.endpointId });
    const audit = await s.api(admin, 'GET', '/api/v1/audit?limit=50');
    const actions = (audit.json.items as any[]).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['enrollment-token.use', 'endpoint.register', 'endpoint.enroll']));
    const enroll = (audit.json.items as any[]).find((a) => a.action === 'endpoint.enroll');
    expect(enroll).toMatchObject({ targetId: res.endpointId, actorKind: 'device', after: { enrollmentTokenId: t.id, certificateSerial: cert.serialNumber } });

    const again = await enrollOverPtTls({ port: s.ptTlsPort!, token: t.token, csrPem, machineId: 'machine-0001' });
    expect(again).toMatchObject({ ok: false, code: 'token-used' });
    expect(!again.ok && again.message).toMatch(/already used at .*: ask your administrator for a new one/);
  });

  test.each([
    ['a CSR cut short', (pem: string) => pem.slice(0, 200)],
    ['a CSR with a changed byte (signature no longer verifies)', (pem: string) => pem.replace(/(-----\n)(.{40})(.)/, (_m, a: string, b: string, c: string) => `${a}${b}${c === 'A' ? 'B' : 'A'}`)],
    ['not a CSR at all', () => 'hello'],
  ])('%s: csr-invalid, and the token still works afterwards', async (_name, mangle) => {
    const t = await newToken(s);
    const { csrPem } = await deviceCsr();
    const bad = await enrollOverPtTls({ port: s.ptTlsPort!, token: t.token, csrPem: mangle(csrPem) });
    expect(bad).toMatchObject({ ok: false, code: 'csr-invalid' });
    expect(!bad.ok && bad.message).toMatch(/the token was not used/);
    expect((await tokenStatus(s, t.id)).status).toBe('unused');
    const good = ok(await enrollOverPtTls({ port: s.ptTlsPort!, token: t.token, csrPem }));
    expect(good.deviceId).toMatch(/^dev-[0-9a-f-]{36}$/);
  });

  test('device-taken: an ordinary token never takes over an enrolled device; a token bound to it does', async () => {
    const first = ok(await enrollOverPtTls({ port: s.ptTlsPort!, token: (await newToken(s)).token, csrPem: (await deviceCsr()).csrPem, machineId: 'machine-taken' }));

    const t2 = await newToken(s);
    const taken = await enrollOverPtTls({ port: s.ptTlsPort!, token: t2.token, csrPem: (await deviceCsr()).csrPem, machineId: 'machine-taken' });
    expect(taken).toMatchObject({ ok: false, code: 'device-taken' });
    expect(!taken.ok && taken.message).toContain(`endpoint_id ${first.endpointId}`);
    expect((await tokenStatus(s, t2.id)).status).toBe('unused');

    const bound = await newToken(s, { endpoint_id: first.endpointId });
    const again = ok(await enrollOverPtTls({ port: s.ptTlsPort!, token: bound.token, csrPem: (await deviceCsr()).csrPem, machineId: 'machine-taken' }));
    expect(again).toMatchObject({ endpointId: first.endpointId, deviceId: 'machine-taken' });
    expect(again.deviceCredential).not.toBe(first.deviceCredential);
    expect((await report(s, first.deviceCredential, healthyReport(new Date()))).status).toBe(401);
    expect((await report(s, again.deviceCredential, healthyReport(new Date()))).status).toBe(200);
  });

  test('a token bound to an endpoint registered by MAC gives it its device id', async () => {
    const admin = s.adminToken['default']!;
    const e = await s.api(admin, 'POST', '/api/v1/endpoints', { mac: '02:00:00:00:00:42', hostname: 'printer' });
    const bound = await newToken(s, { endpoint_id: e.json.endpoint.id });
    const res = ok(await enrollOverPtTls({ port: s.ptTlsPort!, token: bound.token, csrPem: (await deviceCsr()).csrPem, machineId: 'machine-mac-42' }));
    expect(res.endpointId).toBe(e.json.endpoint.id);
    expect((await s.api(admin, 'GET', `/api/v1/endpoints/${res.endpointId}`)).json.endpoint).toMatchObject({ deviceId: 'machine-mac-42', mac: '02:00:00:00:00:42', hostname: 'printer' });
  });

  test.each([
    ['a revoked token', async (id: string) => void (await s.api(await s.token('default', 'operator'), 'DELETE', `/api/v1/enrollment-tokens/${id}`)), 'token-unknown', /revoked .*ask your administrator for a new one/],
    ['an unknown secret', async () => {}, 'token-unknown', /does not know this token/],
  ])('%s is refused', async (_name, arrange, code, message) => {
    const t = await newToken(s);
    await arrange(t.id);
    const token = _name === 'an unknown secret' ? t.token.replace(/^kt1\.(.)/, (_m, c: string) => `kt1.${c === 'A' ? 'B' : 'A'}`) : t.token;
    const r = await enrollOverPtTls({ port: s.ptTlsPort!, token, csrPem: (await deviceCsr()).csrPem });
    expect(r).toMatchObject({ ok: false, code });
    expect(!r.ok && r.message).toMatch(message);
  });

  test('a machine id that cannot be a CN is refused before the token is spent', async () => {
    const t = await newToken(s);
    const r = await enrollOverPtTls({ port: s.ptTlsPort!, token: t.token, csrPem: (await deviceCsr()).csrPem, machineId: 'm'.repeat(65) });
    expect(r).toMatchObject({ ok: false, code: 'csr-invalid' });
    expect((await tokenStatus(s, t.id)).status).toBe('unused');
  });

  test('two concurrent enrollments with one token: exactly one succeeds', async () => {
    const t = await newToken(s);
    const results = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => enrollOverPtTls({ port: s.ptTlsPort!, token: t.token, csrPem: (await deviceCsr()).csrPem, machineId: `machine-race-${i}` })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.code === 'token-used')).toHaveLength(3);
  });

  test('property: arbitrary bytes as an Enrollment Request body get a PT-TLS error and a close, and the server lives on', async () => {
    const pin = caPinOf(caCert);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 2048 }), fc.json().map((j) => new Uint8Array(Buffer.from(j)))), async (body) => {
        const c = await openPinned(s.ptTlsPort!, pin);
        const client = new TestClient();
        c.send(client.versionRequest());
        await c.take(2);
        c.send({ vendor: KENNEKI_VENDOR_ID, type: KENNEKI_PT_TYPE.ENROLLMENT_REQUEST, id: 9, body });
        const [reply] = await c.take(1);
        const b = bodyOf(reply!);
        expect(b.type).toBe(8);
        if (b.type === 8) expect(b.code).toBe(PT_ERROR.INVALID_PARAMETER);
        await c.closed;
      }),
      { numRuns: 25 },
    );
    // Still serving.
    expect(ok(await enrollOverPtTls({ port: s.ptTlsPort!, token: (await newToken(s)).token, csrPem: (await deviceCsr()).csrPem })).ok).toBe(true);
  });
});

describe('enrollment under client_auth mutual-tls', () => {
  let s: TestServer;
  let caCert: string;
  beforeAll(async () => {
    s = await startTestServer({ yaml: 'pt_tls: { port: 0, client_auth: mutual-tls }' });
    caCert = readFileSync(join(s.dataDir, 'ca', 'ca.crt'), 'utf8');
  });
  afterAll(async () => {
    await s?.close();
  });

  /** version → empty Mechanisms → CDATA → RESULT → CLOSE with a client certificate; returns the RESULT batch type. */
  async function assessWithCert(cert: string, key: string): Promise<number> {
    const c = PtTlsTestConnection.open(s.ptTlsPort!, caCert, { servername: 'localhost', cert, key });
    const client = new TestClient();
    c.send(client.versionRequest());
    expect((await c.take(2)).map(bodyOf)).toEqual([
      { type: 2, version: 1 },
      { type: 3, names: [] },
    ]);
    c.send(client.firstCdata());
    let [reply] = await c.take(1);
    while (serverBatchOf(reply!).type === BatchType.SDATA) {
      c.send(client.batch(BatchType.CDATA, [client.osPa(debian12Attributes(), 2)]));
      [reply] = await c.take(1);
    }
    const type = serverBatchOf(reply!).type;
    c.sock.destroy();
    return type;
  }

  test('a device without a certificate can enroll but not assess; with the enrolled certificate it assesses', async () => {
    const t = await newToken(s);
    // Cert-less: the assessment is refused with a PT-TLS error and a close.
    const anon = await openPinned(s.ptTlsPort!, t.caPin);
    const client = new TestClient();
    anon.send(client.versionRequest());
    expect((await anon.take(2)).map(bodyOf)[1]).toEqual({ type: 3, names: [] });
    anon.send(client.firstCdata());
    const b = bodyOf((await anon.take(1))[0]!);
    expect(b.type === 8 && b.code).toBe(PT_ERROR.INVALID_MESSAGE);
    await anon.closed;

    // Cert-less: enrollment works.
    const { csrPem, keyPem } = await deviceCsr();
    const res = ok(await enrollOverPtTls({ port: s.ptTlsPort!, token: t.token, csrPem, machineId: 'machine-mtls-1', hostname: 'mtls-laptop' }));

    // The enrolled certificate assesses, and the posture is filed under the enrolled endpoint.
    expect(await assessWithCert(res.certificate, keyPem)).toBe(BatchType.RESULT);
    const e = await s.api(s.adminToken['default']!, 'GET', `/api/v1/endpoints/${res.endpointId}`);
    expect(e.json.endpoint.lastReportAt).toBeDefined();
    const all = await s.api(s.adminToken['default']!, 'GET', '/api/v1/endpoints');
    expect((all.json.items as any[]).filter((x) => x.deviceId === 'machine-mtls-1')).toHaveLength(1);
  });
});
