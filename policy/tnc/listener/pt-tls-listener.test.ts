import { webcrypto } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Decision } from '../../decide/decision.js';
import type { FactKey } from '../../posture/facts.js';
import { TncsSession } from '../broker/session.js';
import { TestClient, bodyOf, serverBatchOf } from '../broker/test-client.js';
import { type Ca, issueServerCertificate, loadOrCreateCa, signDeviceCsr } from '../ca/index.js';
import { algorithmParams, privateKeyToPem, x509 } from '../ca/keys.js';
import { BatchType } from '../pb/batch.js';
import { SASL_RESULT } from '../pt/bodies.js';
import type { PtMessage } from '../pt/message.js';
import { PT_ERROR } from '../wire-error.js';
import { PtTlsListener, type PtTlsEvent, type PtTlsListenerOptions, type PtTlsPeer } from './pt-tls-listener.js';
import { PtTlsTestConnection } from './test-connection.js';

let dir: string;
let ca: Ca;
let server: { certPem: string; keyPem: string };
let device: { certPem: string; keyPem: string };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kenneki-pt-tls-'));
  ca = await loadOrCreateCa(dir);
  server = await issueServerCertificate(ca, { dnsNames: [], ipAddresses: ['127.0.0.1'] });
  const alg = algorithmParams('ecdsa-p256');
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: [{ CN: ['claimed'] }], keys, signingAlgorithm: alg });
  device = { certPem: await signDeviceCsr(ca, csr.toString('pem'), { deviceId: 'device-42' }), keyPem: await privateKeyToPem(keys.privateKey) };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(`${dir}-foreign`, { recursive: true, force: true });
});

/** A device certificate from a CA the listener does not trust. */
async function foreignDevice(): Promise<tls.ConnectionOptions> {
  const other = await loadOrCreateCa(`${dir}-foreign`);
  const alg = algorithmParams('ecdsa-p256');
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: [{ CN: ['intruder'] }], keys, signingAlgorithm: alg });
  return { cert: await signDeviceCsr(other, csr.toString('pem'), { deviceId: 'intruder' }), key: await privateKeyToPem(keys.privateKey) };
}

const decision: Decision = { verdict: 'allow', monitoredVerdict: 'allow', reasons: [], remediation: [], trace: { evaluatedAt: '2024-05-01T00:00:00Z', checks: [], exceptions: [] } };

function makeSession(authenticate?: (u: string, p: string) => Promise<boolean>): TncsSession {
  return new TncsSession({
    neededFacts: new Set<FactKey>(['os']),
    decide: async () => decision,
    limits: { maxRoundTrips: 1, maxBatchBytes: 1 << 20 },
    ...(authenticate ? { authenticate } : {}),
  });
}

const listeners: PtTlsListener[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.stop()));
});

async function startListener(over: Partial<PtTlsListenerOptions> = {}) {
  const events: PtTlsEvent[] = [];
  const peers: PtTlsPeer[] = [];
  const l = new PtTlsListener({
    host: '127.0.0.1',
    port: 0,
    cert: server.certPem,
    key: server.keyPem,
    clientAuth: 'none',
    sessionFactory: (peer) => {
      peers.push(peer);
      return makeSession();
    },
    idleTimeoutMs: 5_000,
    handshakeTimeoutMs: 2_000,
    maxConnections: 50,
    maxMessageBytes: 64 * 1024,
    onEvent: (e) => events.push(e),
    ...over,
  });
  listeners.push(l);
  const { port } = await l.start();
  return { l, port, events, peers };
}

/** A PT-TLS client over real TLS: send messages, await replies, see the close. */
/** A client connection trusting the test CA. */
const open = (port: number, extra: tls.ConnectionOptions = {}) => PtTlsTestConnection.open(port, ca.certPem, extra);

/** version → empty Mechanisms → CDATA → RESULT → CLOSE, checking each step. */
async function assess(port: number, extra: tls.ConnectionOptions = {}): Promise<void> {
  const c = open(port, extra);
  const client = new TestClient();
  c.send(client.versionRequest());
  const [v, mech] = await c.take(2);
  expect(bodyOf(v!)).toEqual({ type: 2, version: 1 });
  expect(bodyOf(mech!)).toEqual({ type: 3, names: [] });
  c.send(client.firstCdata());
  const [result] = await c.take(1);
  expect(serverBatchOf(result!)).toMatchObject({ fromServer: true, type: BatchType.RESULT });
  c.send(client.close());
  const [close] = await c.take(1);
  expect(serverBatchOf(close!).type).toBe(BatchType.CLOSE);
  await c.closed;
}

const ptErrorCode = (m: PtMessage | undefined): number => {
  const b = bodyOf(m!);
  if (b.type !== 8) throw new Error(`expected PT-TLS Error, got ${b.type}`);
  return b.code;
};

const rawConnect = (port: number): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });

describe('PtTlsListener', () => {
  test('a full assessment over TLS', async () => {
    const { port, events } = await startListener();
    await assess(port);
    await new Promise((r) => setTimeout(r, 20));
    expect(events.map((e) => e.evt)).toEqual(expect.arrayContaining(['PT_TLS_CONNECTED', 'PT_TLS_CLOSED']));
  });

  test('TLS 1.1 is refused', async () => {
    const { port } = await startListener();
    const c = open(port, { minVersion: 'TLSv1', maxVersion: 'TLSv1.1' });
    let secured = false;
    void c.secure.then(() => (secured = true));
    await c.closed;
    expect(secured).toBe(false);
  });

  test('SASL PLAIN: good password proceeds, bad password closes the connection', async () => {
    const { port } = await startListener({ clientAuth: 'sasl-plain', sessionFactory: () => makeSession(async (u, p) => u === 'alice' && p === 'secret') });
    const good = open(port);
    const gc = new TestClient();
    good.send(gc.versionRequest());
    expect(bodyOf((await good.take(2))[1]!)).toEqual({ type: 3, names: ['PLAIN'] });
    good.send(gc.plain('alice', 'secret'));
    expect((await good.take(2)).map(bodyOf)).toEqual([{ type: 6, code: SASL_RESULT.SUCCESS }, { type: 3, names: [] }]);
    good.send(gc.firstCdata());
    expect(serverBatchOf((await good.take(1))[0]!).type).toBe(BatchType.RESULT);
    good.sock.destroy();

    const bad = open(port);
    const bc = new TestClient();
    bad.send(bc.versionRequest());
    await bad.take(2);
    bad.send(bc.plain('alice', 'wrong'));
    expect((await bad.take(1)).map(bodyOf)).toEqual([{ type: 6, code: SASL_RESULT.FAILURE }]);
    await bad.closed;
  });

  /** A factory that does what the server does: unverified peers get an enrollment-only session. */
  const mutualFactory = (peers: PtTlsPeer[], refused: string[]) => (peer: PtTlsPeer) => {
    peers.push(peer);
    return new TncsSession({
      neededFacts: new Set<FactKey>(['os']),
      decide: async () => decision,
      limits: { maxRoundTrips: 1, maxBatchBytes: 1 << 20 },
      ...(peer.unverified ? { enrollmentOnly: { onRefused: (r: string) => refused.push(r) } } : {}),
    });
  };

  test('mutual TLS: a device certificate is accepted and its CN reaches the factory', async () => {
    const peers: PtTlsPeer[] = [];
    const { port } = await startListener({ clientAuth: 'mutual-tls', ca: [ca.certPem], sessionFactory: mutualFactory(peers, []) });
    await assess(port, { cert: device.certPem, key: device.keyPem });
    expect(peers[0]?.clientCertificate?.subjectCN).toBe('device-42');
    expect(peers[0]?.clientCertificate?.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(peers[0]?.unverified).toBeUndefined();
  });

  test.each([
    ['no certificate', {}, /no client certificate/],
    // Issued by another CA: the handshake completes, the certificate does not verify.
    ['a certificate of another CA', 'foreign', /did not verify/],
  ])('mutual TLS, %s: the handshake completes, the peer is unverified, and may not assess', async (_name, how, reason) => {
    const peers: PtTlsPeer[] = [];
    const refused: string[] = [];
    const { port, events } = await startListener({ clientAuth: 'mutual-tls', ca: [ca.certPem], sessionFactory: mutualFactory(peers, refused) });
    const extra = how === 'foreign' ? await foreignDevice() : {};
    const anon = open(port, extra);
    const client = new TestClient();
    anon.send(client.versionRequest());
    expect((await anon.take(2)).map(bodyOf)).toEqual([
      { type: 2, version: 1 },
      { type: 3, names: [] },
    ]);
    anon.send(client.firstCdata());
    const [err] = await anon.take(1);
    expect(ptErrorCode(err)).toBe(PT_ERROR.INVALID_MESSAGE);
    await anon.closed;
    expect(peers).toHaveLength(1);
    expect(peers[0]?.clientCertificate).toBeUndefined();
    expect(peers[0]?.unverified?.reason).toMatch(reason);
    expect(refused).toHaveLength(1);
    expect(events.find((e) => e.evt === 'PT_TLS_CONNECTED')?.detail).toMatch(/enrollment only/);
  });

  test('mutual TLS: a factory that gives an unverified peer a full session is overridden (fail closed)', async () => {
    const { port, peers, events } = await startListener({ clientAuth: 'mutual-tls', ca: [ca.certPem] });
    const anon = open(port);
    anon.send(new TestClient().versionRequest());
    await expect(anon.take(1, 3_000)).rejects.toThrow(/closed/);
    await anon.closed;
    expect(peers).toHaveLength(1);
    expect(events.some((e) => e.evt === 'PT_TLS_SESSION_ERROR' && /enrollment-only/.test(e.detail ?? ''))).toBe(true);
  });

  test('an oversized PT-TLS header gets a PT-TLS Error and the socket closes', async () => {
    const { port, events } = await startListener({ maxMessageBytes: 1024 });
    const c = open(port);
    await c.secure;
    const header = Buffer.alloc(16);
    header.writeUInt32BE(1, 4);
    header.writeUInt32BE(1 << 20, 8);
    c.send(header);
    const [err] = await c.take(1);
    expect(ptErrorCode(err)).toBe(PT_ERROR.MALFORMED_MESSAGE);
    await c.closed;
    expect(events.some((e) => e.evt === 'PT_TLS_PROTOCOL_ERROR')).toBe(true);
  });

  test('a TCP connection that never starts TLS is destroyed after handshakeTimeoutMs', async () => {
    const { port, events } = await startListener({ handshakeTimeoutMs: 300 });
    const s = await rawConnect(port);
    const t0 = Date.now();
    await new Promise((r) => s.once('close', r));
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(1_500);
    expect(events.some((e) => e.evt === 'PT_TLS_HANDSHAKE_TIMEOUT')).toBe(true);
  });

  test('a slowloris trickling bytes still hits the absolute handshake deadline', async () => {
    const { port } = await startListener({ handshakeTimeoutMs: 400 });
    const s = await rawConnect(port);
    s.on('error', () => {});
    // A TLS record header, one byte every 50 ms: resets any inactivity timer, never completes.
    const bytes = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, ...Array<number>(40).fill(0)];
    let i = 0;
    const iv = setInterval(() => {
      if (!s.destroyed && i < bytes.length) s.write(Buffer.from([bytes[i++]!]));
    }, 50);
    const t0 = Date.now();
    await new Promise((r) => s.once('close', r));
    clearInterval(iv);
    expect(Date.now() - t0).toBeLessThan(1_500);
  });

  test('an idle TLS connection is closed after idleTimeoutMs', async () => {
    const { port, events } = await startListener({ idleTimeoutMs: 300 });
    const c = open(port);
    await c.secure;
    const t0 = Date.now();
    await c.closed;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(events.some((e) => e.evt === 'PT_TLS_IDLE_TIMEOUT')).toBe(true);
  });

  test('maxConnections: the (N+1)th connection is closed while the first N still work', async () => {
    const { l, port, events } = await startListener({ maxConnections: 2 });
    const a = open(port);
    const b = open(port);
    await Promise.all([a.secure, b.secure]);
    const extra = open(port);
    await extra.closed;
    expect(l.rejectedConnections).toBe(1);
    expect(events.some((e) => e.evt === 'PT_TLS_REJECTED_LIMIT')).toBe(true);
    for (const c of [a, b]) {
      const client = new TestClient();
      c.send(client.versionRequest());
      expect(bodyOf((await c.take(2))[0]!)).toEqual({ type: 2, version: 1 });
    }
  });

  test('with 200 hostile connections open, a legitimate assessment completes promptly and the loop stays responsive', async () => {
    const { port } = await startListener({ maxConnections: 300, idleTimeoutMs: 10_000, handshakeTimeoutMs: 10_000 });
    const hostile: net.Socket[] = [];
    // 100 idle TCP connections that never start TLS.
    hostile.push(...(await Promise.all(Array.from({ length: 100 }, () => rawConnect(port)))));
    // 50 TLS connections that send garbage (and keep sending it), 50 that stay silent after TLS.
    const garbage = Array.from({ length: 50 }, () => open(port));
    const silent = Array.from({ length: 50 }, () => open(port));
    await Promise.all([...garbage, ...silent].map((c) => c.secure));
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const iv = setInterval(() => {
      for (const c of garbage) if (!c.isClosed) c.send(Buffer.alloc(256, 0xff));
    }, 20);
    try {
      const t0 = Date.now();
      await assess(port);
      expect(Date.now() - t0).toBeLessThan(2_000);
      await new Promise((r) => setTimeout(r, 300));
      // The garbage senders were answered and cut off; the silent ones are still held open.
      expect(garbage.every((c) => c.isClosed)).toBe(true);
      expect(silent.some((c) => c.isClosed)).toBe(false);
    } finally {
      clearInterval(iv);
      h.disable();
      for (const s of hostile) s.destroy();
      for (const c of [...garbage, ...silent]) c.sock.destroy();
    }
    expect(h.percentile(99) / 1e6).toBeLessThan(100);
  });

  test('stop() twice is fine, and destroys open sockets', async () => {
    const { l, port } = await startListener();
    const c = open(port);
    await c.secure;
    await l.stop();
    await l.stop();
    await c.closed;
    expect(c.isClosed).toBe(true);
  });
});
