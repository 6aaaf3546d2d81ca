/**
 * `kenneki serve` with its PT-TLS listener: a NEA client (the codec test client over real TLS,
 * trusting the CA Kenneki created in data_dir) authenticates with SASL PLAIN, sends what
 * strongSwan's OS IMC sends from a Debian 12 machine, and its posture reaches the PDP: the RESULT
 * batch carries the verdict, and the endpoint shows up in the admin API.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MACHINE_ID, TestClient, bodyOf, debian12Attributes, serverBatchOf } from '../policy/tnc/broker/test-client.js';
import { encodeIetfAttribute } from '../policy/tnc/pa/ietf-attributes.js';
import { BatchType } from '../policy/tnc/pb/batch.js';
import { SASL_RESULT } from '../policy/tnc/pt/bodies.js';
import { policyBody, recordVerdicts } from './helpers/scenario.js';
import { enrollEndpoint, startTestServer, type TestServer } from './helpers/kenneki-server.js';
import { assessOverPtTls } from './helpers/pt-tls-assess.js';
import { PtTlsTestConnection } from '../policy/tnc/listener/test-connection.js';

let s: TestServer;
let admin: string;
let caCert: string;

beforeAll(async () => {
  s = await startTestServer();
  admin = s.adminToken['default']!;
  caCert = readFileSync(join(s.dataDir, 'ca', 'ca.crt'), 'utf8');
});
afterAll(async () => {
  await s?.close();
});

/** A PT-TLS client connection: send messages, await replies, see the close. */
const connect = (port: number) => PtTlsTestConnection.open(port, caCert, { servername: 'localhost' });

/** The Debian 12 attribute set with IP forwarding on or off, and the same machine id. */
function debian12(forwarding: boolean) {
  const attrs = debian12Attributes();
  const i = attrs.findIndex((a) => a.type === 5 && a.vendor === 0);
  expect(i).toBeGreaterThanOrEqual(0);
  attrs[i] = encodeIetfAttribute({ type: 'forwarding-enabled', value: forwarding ? 1 : 0 });
  return attrs;
}

/** version → SASL PLAIN → CDATA (→ SDATA → CDATA) → RESULT → CLOSE; returns the access recommendation code. */
const assess = (user: string, password: string, forwarding: boolean): Promise<number> =>
  assessOverPtTls({ port: s.ptTlsPort!, caCert, user, password, attributes: () => debian12(forwarding) });

async function endpointsWithDevice(): Promise<any[]> {
  const r = await s.api(admin, 'GET', '/api/v1/endpoints');
  expect(r.status).toBe(200);
  return (r.json.items as any[]).filter((e) => e.deviceId === MACHINE_ID);
}

describe('kenneki serve: PT-TLS', () => {
  test('the listener runs on the configured port with a certificate from the CA in data_dir', () => {
    expect(s.ptTlsPort).toBeGreaterThan(0);
    expect(caCert).toContain('BEGIN CERTIFICATE');
  });

  test('a wrong SASL password closes the connection and registers nothing', async () => {
    const c = connect(s.ptTlsPort!);
    const client = new TestClient();
    c.send(client.versionRequest());
    await c.take(2);
    c.send(client.plain('admin-user', 'not-the-password'));
    expect((await c.take(1)).map(bodyOf)).toEqual([{ type: 6, code: SASL_RESULT.FAILURE }]);
    await c.closed;
    expect(await endpointsWithDevice()).toEqual([]);
    expect(await s.server.ctx.store.endpoints.findByDeviceId('default', MACHINE_ID)).toBeUndefined();
  });

  test('Debian 12 posture reaches the PDP: forwarding on → Quarantine and an isolated endpoint; forwarding off → Allow', async () => {
    // The baseline also checks antivirus, firewall and more, which the IETF OS IMC cannot report:
    // this policy checks only what it can, and wins over the baseline by its lower precedence.
    const created = await s.api(
      admin,
      'POST',
      '/api/v1/policies',
      policyBody('nea-os-only', 10, [
        { check: 'ip-forwarding', action: 'isolate' },
        { check: 'factory-default-password', action: 'isolate' },
        { check: 'os-version', action: 'isolate', params: { minimum: [{ product: 'debian', version: '12' }], unlisted: 'fail' } },
      ]),
    );
    expect(created.status, JSON.stringify(created.json)).toBe(201);

    expect(await assess('admin-user', 'a-long-test-password-123', true)).toBe(3);
    const [endpoint] = await endpointsWithDevice();
    expect(endpoint).toMatchObject({ deviceId: MACHINE_ID, owner: 'admin-user', verdict: 'isolate' });
    const detail = await s.api(admin, 'GET', `/api/v1/endpoints/${endpoint.id}`);
    expect(detail.status).toBe(200);
    expect(detail.json.posture.facts.ipForwarding).toMatchObject({ status: 'ok', value: true, source: 'nea-ietf' });
    expect(detail.json.posture.facts.os).toMatchObject({ status: 'ok', source: 'nea-ietf' });
    const audit = await s.api(admin, 'GET', '/api/v1/audit?action=endpoint.register');
    expect(audit.status).toBe(200);
    expect(audit.json.items).toEqual([expect.objectContaining({ actorKind: 'device', action: 'endpoint.register', targetId: endpoint.id })]);

    // Same machine id, forwarding fixed: the same endpoint, now allowed.
    expect(await assess('admin-user', 'a-long-test-password-123', false)).toBe(1);
    const after = await endpointsWithDevice();
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: endpoint.id, verdict: 'allow' });
  });

  test('findByDeviceId is tenant-scoped', async () => {
    expect(await s.server.ctx.store.endpoints.findByDeviceId('default', MACHINE_ID)).toBeDefined();
    expect(await s.server.ctx.store.endpoints.findByDeviceId('other-tenant', MACHINE_ID)).toBeUndefined();
  });

  test('a failed SASL login is audited in the listener tenant: the user as sent (cut to 64), the client address, never the password', async () => {
    const attempts = [
      { user: 'admin-user', password: 'guess-1-Wr0ng-pa55' },
      // 250 bytes: as long as the SASL PLAIN codec lets a user name be (RFC 4616: 255).
      { user: `mallory-${'m'.repeat(242)}`, password: 'guess-2-Wr0ng-pa55' },
    ];
    for (const a of attempts) {
      const c = connect(s.ptTlsPort!);
      const client = new TestClient();
      c.send(client.versionRequest());
      await c.take(2);
      c.send(client.plain(a.user, a.password));
      expect((await c.take(1)).map(bodyOf)).toEqual([{ type: 6, code: SASL_RESULT.FAILURE }]);
      await c.closed;
    }
    const audit = await s.api(admin, 'GET', '/api/v1/audit?action=pt-tls.login-failed');
    expect(audit.status).toBe(200);
    // Newest first: this test's two attempts, then the earlier wrong-password test's.
    expect(audit.json.items.slice(0, 2)).toEqual([
      expect.objectContaining({ actor: `mallory-${'m'.repeat(56)}`, actorKind: 'account', action: 'pt-tls.login-failed', targetType: 'account', sourceIp: '127.0.0.1' }),
      expect.objectContaining({ actor: 'admin-user', actorKind: 'account', action: 'pt-tls.login-failed', targetType: 'account', sourceIp: '127.0.0.1' }),
    ]);
    const text = JSON.stringify(audit.json);
    for (const a of attempts) expect(text).not.toContain(a.password);
    // Every failure is one row, the earlier wrong-password test's included.
    expect(audit.json.items).toHaveLength(3);
  });

  test('a burst of failed SASL logins is refused and audited one row each, and the HTTP API stays responsive', async () => {
    const N = 20;
    const attempt = async (i: number): Promise<number | undefined> => {
      const c = connect(s.ptTlsPort!);
      const client = new TestClient();
      c.send(client.versionRequest());
      await c.take(2);
      c.send(client.plain(`burst-${i}`, 'not-the-password'));
      const [r] = await c.take(1, 20_000);
      await c.closed;
      const b = bodyOf(r!);
      return b.type === 6 ? b.code : undefined;
    };
    const burst = Promise.all(Array.from({ length: N }, (_, i) => attempt(i)));
    // Each attempt costs a real scrypt on libuv's pool; the event loop must not wait for them.
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    expect(Date.now() - t0).toBeLessThan(500);
    expect(await burst).toEqual(Array<number>(N).fill(SASL_RESULT.FAILURE));
    const audit = await s.api(admin, 'GET', '/api/v1/audit?action=pt-tls.login-failed&limit=100');
    expect(audit.status).toBe(200);
    const actors = (audit.json.items as { actor: string }[]).map((r) => r.actor).filter((a) => a.startsWith('burst-'));
    expect(actors.sort()).toEqual(Array.from({ length: N }, (_, i) => `burst-${i}`).sort());
  });
  test('SASL PLAIN with a device credential files the posture under the enrolled endpoint, whatever device id the IMC reports', async () => {
    const { id, credential } = await enrollEndpoint(s, admin, { hostname: 'kiosk-7', deviceId: 'enrolled-kiosk-7' });
    const checksBefore = s.server.ctx.accounts.protocolChecksRun;
    // The IMC reports MACHINE_ID; the credential proves endpoint `id`, so that is where it goes.
    expect(await assess('kiosk-7', credential, false)).toBe(1);
    const detail = await s.api(admin, 'GET', `/api/v1/endpoints/${id}`);
    expect(detail.json.endpoint).toMatchObject({ id, deviceId: 'enrolled-kiosk-7', verdict: 'allow' });
    expect(detail.json.posture.facts.deviceId).toMatchObject({ status: 'ok', value: MACHINE_ID });
    // A device credential is a SHA-256 lookup, never a password (scrypt) check.
    expect(s.server.ctx.accounts.protocolChecksRun).toBe(checksBefore);
    // Someone else's credential with a character changed is refused like a wrong password.
    const forged = credential.slice(0, -1) + (credential.endsWith('a') ? 'b' : 'a');
    await expect(assess('kiosk-7', forged, false)).rejects.toThrow(/SASL/);
  });

  test('a user password is checked in full once, then served from the success cache', async () => {
    await s.token('default', 'operator'); // creates operator-user
    const before = s.server.ctx.accounts.protocolChecksRun;
    expect(await assess('operator-user', 'a-long-test-password-123', false)).toBe(1);
    expect(await assess('operator-user', 'a-long-test-password-123', false)).toBe(1);
    expect(await assess('operator-user', 'a-long-test-password-123', false)).toBe(1);
    expect(s.server.ctx.accounts.protocolChecksRun - before).toBe(1);
  });
  test('reassess now: an open session gets SRETRY + SDATA, its fresh posture a new RESULT; a closed one gets 409', async () => {
    const endpoint = (await endpointsWithDevice())[0];
    expect(endpoint).toMatchObject({ verdict: 'allow' });
    // Nothing open for it yet (every earlier client closed).
    const none = await s.api(admin, 'POST', `/api/v1/endpoints/${endpoint.id}/reassess`);
    expect(none.status).toBe(409);
    expect(none.json.error.code).toBe('KENNEKI_ERR_NO_OPEN_SESSION');

    // A client that keeps its connection after RESULT, as an agent would.
    const c = connect(s.ptTlsPort!);
    const client = new TestClient();
    c.send(client.versionRequest());
    await c.take(2);
    c.send(client.plain('admin-user', 'a-long-test-password-123'));
    await c.take(2, 10_000);
    c.send(client.batch(BatchType.CDATA, [client.languagePreference('en'), client.osPa(debian12(false))]));
    let [reply] = await c.take(1);
    while (serverBatchOf(reply!).type === BatchType.SDATA) {
      c.send(client.batch(BatchType.CDATA, [client.osPa(debian12(false), 2)]));
      [reply] = await c.take(1);
    }
    expect(serverBatchOf(reply!).type).toBe(BatchType.RESULT);

    const verdicts = recordVerdicts(s);
    const asked = await s.api(admin, 'POST', `/api/v1/endpoints/${endpoint.id}/reassess`);
    expect(asked.status, JSON.stringify(asked.json)).toBe(202);
    const [sretry, sdata] = (await c.take(2)).map(serverBatchOf);
    expect(sretry!.type).toBe(BatchType.SRETRY);
    expect(sdata!.type).toBe(BatchType.SDATA);
    // Meanwhile forwarding was turned on: the fresh answer quarantines it.
    c.send(client.batch(BatchType.CDATA, [client.osPa(debian12(true), 3)]));
    let result = serverBatchOf((await c.take(1))[0]!);
    // The policies may still want what this client cannot send: it answers with what it has.
    while (result.type === BatchType.SDATA) {
      c.send(client.batch(BatchType.CDATA, [client.osPa(debian12(true), 4)]));
      result = serverBatchOf((await c.take(1))[0]!);
    }
    expect(result.type).toBe(BatchType.RESULT);
    expect(result.messages.map((m) => m.decoded).find((d) => d?.kind === 'access-recommendation')).toEqual({ kind: 'access-recommendation', code: 3 });
    expect((await endpointsWithDevice())[0]).toMatchObject({ id: endpoint.id, verdict: 'isolate' });
    // The change went out on the verdict bus (to the enforcement adapters), with its trace, and the
    // posture snapshot is stored.
    verdicts.stop();
    expect(verdicts.of(endpoint.id)).toEqual([
      expect.objectContaining({ previous: 'allow', verdict: 'isolate', cause: 'posture', decision: expect.objectContaining({ trace: expect.objectContaining({ checks: expect.any(Array) }) }) }),
    ]);
    const detail = await s.api(admin, 'GET', `/api/v1/endpoints/${endpoint.id}`);
    expect(detail.json.posture.facts.ipForwarding).toMatchObject({ status: 'ok', value: true, source: 'nea-ietf' });
    expect(detail.json.history[0]).toMatchObject({ verdict: 'isolate', cause: 'posture' });
    const audit = await s.api(admin, 'GET', '/api/v1/audit?action=endpoint.reassess');
    expect(audit.json.items).toEqual([expect.objectContaining({ action: 'endpoint.reassess', targetId: endpoint.id })]);

    c.send(client.close());
    expect(serverBatchOf((await c.take(1))[0]!).type).toBe(BatchType.CLOSE);
    await c.closed;
    await expect.poll(async () => (await s.api(admin, 'POST', `/api/v1/endpoints/${endpoint.id}/reassess`)).status).toBe(409);
    // Put it back for whoever runs after.
    expect(await assess('admin-user', 'a-long-test-password-123', false)).toBe(1);
  });
});
