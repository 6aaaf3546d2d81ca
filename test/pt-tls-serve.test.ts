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
import { policyBody } from './helpers/scenario.js';
import { startTestServer, type TestServer } from './helpers/kenneki-server.js';
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

/** version → SASL PLAIN → CDATA → RESULT → CLOSE; returns the access recommendation code. */
async function assess(user: string, password: string, forwarding: boolean): Promise<number> {
  const c = connect(s.ptTlsPort!);
  const client = new TestClient();
  c.send(client.versionRequest());
  const [v, mech] = await c.take(2);
  expect(bodyOf(v!)).toEqual({ type: 2, version: 1 });
  expect(bodyOf(mech!)).toEqual({ type: 3, names: ['PLAIN'] });
  c.send(client.plain(user, password));
  expect((await c.take(2)).map(bodyOf)).toEqual([{ type: 6, code: SASL_RESULT.SUCCESS }, { type: 3, names: [] }]);
  c.send(client.batch(BatchType.CDATA, [client.languagePreference('en'), client.osPa(debian12(forwarding))]));
  let [reply] = await c.take(1);
  // The policy may want facts the IMC did not send unprompted: answer the Attribute Request with
  // the same set (a real IMC would send what it can).
  while (serverBatchOf(reply!).type === BatchType.SDATA) {
    c.send(client.batch(BatchType.CDATA, [client.osPa(debian12(forwarding), 2)]));
    [reply] = await c.take(1);
  }
  const result = serverBatchOf(reply!);
  expect(result.type).toBe(BatchType.RESULT);
  const rec = result.messages.map((m) => m.decoded).find((d) => d?.kind === 'access-recommendation');
  if (rec?.kind !== 'access-recommendation') throw new Error('no access recommendation in RESULT');
  c.send(client.close());
  expect(serverBatchOf((await c.take(1))[0]!).type).toBe(BatchType.CLOSE);
  await c.closed;
  return rec.code;
}

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
});
