/**
 * EAP through the RADIUS server with wpa_supplicant's eapol_test (Debian eapoltest) as the
 * supplicant and NAS: EAP-TLS with a device certificate from Kenneki's CA, EAP-TTLS/PAP,
 * PEAPv0/EAP-MSCHAPv2 and (lab) EAP-MD5 must succeed with MPPE keys eapol_test agrees with, and
 * wrong passwords, an untrusted client certificate and disabled methods must fail.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createEapPort, loadRevocationLists, ntHashOf, type EapCredentials, type EapMethodName, type EapPortHandle, type RevocationList } from '../gateway/radius/eap/index.js';
import { CrlWatchedPort } from '../gateway/radius/eap-crls.js';
import { ThreadedEapPort } from '../gateway/radius/eap/threads/threaded-port.js';
import { RadiusMetrics } from '../gateway/radius/metrics.js';
import { nasProfile } from '../gateway/radius/nas-profiles.js';
import { NasClientTable } from '../gateway/radius/server/nas-clients.js';
import { RadiusServer } from '../gateway/radius/server/radius-server.js';
import { SessionTable } from '../gateway/sessions/session-table.js';
import { AdmissionIndex } from '../policy/service/admission.js';
import { systemClock } from '../policy/service/clock.js';
import { VerdictBus } from '../policy/service/verdict-bus.js';
import { createSqliteStore } from '../policy/store/sqlite/store.js';
import type { Store } from '../policy/store/repository.js';
import { issueServerCertificate, loadOrCreateCa, signDeviceCsr, type Ca } from '../policy/tnc/ca/index.js';
import { x509 } from '../policy/tnc/ca/keys.js';
import { parseCidr } from '../policy/util/cidr.js';
import { eapolTest, requireEapolTest, type EapolTestRun } from '../simulations/peers/eapol-test.js';
import { mustRun } from '../simulations/peers/run-command.js';

const SECRET = 'kenneki-eap-secret-0123456789';
const DEVICE_ID = 'dev-0001';

/** Test data: the users the in-test credential store knows. */
const USERS: Record<string, { password: string; lab?: boolean }> = {
  alice: { password: 'alice-password' },
  bob: { password: 'bob pässword 2' },
  carol: { password: 'carol-lab-password', lab: true },
};

const credentials: EapCredentials = {
  async checkPassword(tenantId, user, password) {
    if (tenantId !== 'default') return 'invalid';
    return USERS[user]?.password === password ? 'ok' : 'invalid';
  },
  async ntHash(tenantId, user) {
    const u = tenantId === 'default' ? USERS[user] : undefined;
    return u ? ntHashOf(u.password) : undefined;
  },
  async labPassword(tenantId, user) {
    const u = tenantId === 'default' ? USERS[user] : undefined;
    return u?.lab ? u.password : undefined;
  },
};

interface Running {
  port: number;
  eap: EapPortHandle;
  server: RadiusServer;
  sessions: SessionTable;
}

let dir: string;
let store: Store;
let admission: AdmissionIndex;
let kenneki: Ca;
const logs: string[] = [];
const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
const deviceLookups: string[] = [];
let main: Running;
let lab: Running;

async function startServer(
  methods: readonly EapMethodName[],
  serverCert: { certPem: string; keyPem: string },
  extra: { resumptionSeconds?: number; fragmentBytes?: number; threads?: number; clientCas?: Ca[]; revocations?: RevocationList[] } = {},
): Promise<Running> {
  const settings = {
    methods,
    certPem: serverCert.certPem + kenneki.certPem,
    keyPem: serverCert.keyPem,
    clientCaPems: [kenneki.certPem, ...(extra.clientCas ?? []).map((c) => c.certPem)],
    ...(extra.revocations ? { revocations: extra.revocations } : {}),
    kennekiCaPem: kenneki.certPem,
    stateTimeoutMs: 30_000,
    maxRoundTrips: 50,
    fragmentBytes: extra.fragmentBytes ?? 1000,
    resumptionSeconds: extra.resumptionSeconds ?? 3600,
  };
  const eap = extra.threads ? await ThreadedEapPort.start({ threads: extra.threads, settings, credentials, log, restartDelayMs: 200 }) : createEapPort({ ...settings, credentials, log });
  const clients = new NasClientTable([
    {
      cidr: parseCidr('127.0.0.1')!,
      client: { name: 'eapol-test', tenantId: 'default', secret: Buffer.from(SECRET), profile: nasProfile('generic')!, legacyNoMessageAuthenticator: false, coaPort: 3799, vlans: { production: '10', quarantine: '99' } },
    },
  ]);
  const sessions = new SessionTable({ store, log });
  await sessions.start();
  const server = new RadiusServer({
    host: '127.0.0.1',
    authPort: 0,
    acctPort: 0,
    clients,
    admission,
    sessions,
    placement: { unknownMac: 'quarantine', roles: {}, quarantineSessionTimeoutSeconds: 300 },
    duplicateWindowMs: 5000,
    metrics: new RadiusMetrics(new Registry()),
    log,
    eap,
    admissionByDeviceId: async (_tenant, deviceId) => {
      deviceLookups.push(deviceId);
      return deviceId === DEVICE_ID ? { endpointId: 'ep-device', verdict: 'allow' } : undefined;
    },
  });
  const { authPort } = await server.start();
  return { port: authPort, eap, server, sessions };
}

async function stopServer(r: Running | undefined): Promise<void> {
  if (!r) return;
  await r.server.stop();
  r.eap.close();
  await r.sessions.stop();
}

/** A key and a CSR made by OpenSSL, signed as a device certificate by `ca`. */
async function deviceCertificate(ca: Ca, name: string, deviceId: string): Promise<void> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  await mustRun('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
  await writeFile(join(dir, `${name}.pem`), await signDeviceCsr(ca, await readFile(csr, 'utf8'), { deviceId }));
}

async function conf(name: string, lines: string[]): Promise<string> {
  const path = join(dir, `${name}.conf`);
  await writeFile(path, ['network={', '\tkey_mgmt=IEEE8021X', ...lines.map((l) => `\t${l}`), '}', ''].join('\n'));
  return path;
}

const tls = (cert: string) => ['eap=TLS', 'identity="host-0001.example.test"', `ca_cert="${join(dir, 'kenneki-ca.pem')}"`, `client_cert="${join(dir, `${cert}.pem`)}"`, `private_key="${join(dir, `${cert}.key`)}"`];
const ttls = (user: string, password: string) => ['eap=TTLS', `identity="${user}"`, 'anonymous_identity="anonymous"', `password="${password}"`, 'phase2="auth=PAP"', `ca_cert="${join(dir, 'kenneki-ca.pem')}"`];
const peap = (user: string, password: string) => ['eap=PEAP', `identity="${user}"`, 'anonymous_identity="anonymous"', `password="${password}"`, 'phase1="peapver=0"', 'phase2="auth=MSCHAPV2"', `ca_cert="${join(dir, 'kenneki-ca.pem')}"`];
const md5 = (user: string, password: string) => ['eap=MD5', `identity="${user}"`, `password="${password}"`];

beforeAll(async () => {
  requireEapolTest();
  dir = await mkdtemp(join(tmpdir(), 'kenneki-eap-'));
  kenneki = await loadOrCreateCa(join(dir, 'kenneki'));
  const rogue = await loadOrCreateCa(join(dir, 'rogue'), { commonName: 'Rogue CA' });
  await writeFile(join(dir, 'kenneki-ca.pem'), kenneki.certPem);
  await deviceCertificate(kenneki, 'device', DEVICE_ID);
  await deviceCertificate(rogue, 'rogue-device', 'rogue-0001');
  store = createSqliteStore(':memory:');
  admission = new AdmissionIndex({ store, bus: new VerdictBus(), clock: systemClock });
  const serverCert = await issueServerCertificate(kenneki, { dnsNames: ['radius.kenneki.test'], ipAddresses: [] });
  main = await startServer(['tls', 'ttls-pap', 'peap-mschapv2'], serverCert);
  lab = await startServer(['md5'], serverCert);
});

afterAll(async () => {
  await stopServer(main);
  await stopServer(lab);
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const expectSuccess = (r: EapolTestRun, keys: number) => {
  expect(r.code, r.output.slice(-3000)).toBe(0);
  expect(r.success, r.output.slice(-3000)).toBe(true);
  expect(r.mppeMismatch, r.output.slice(-3000)).toBe(0);
  expect(r.mppeOk).toBe(keys);
};
const expectFailure = (r: EapolTestRun) => {
  expect(r.code, r.output.slice(-3000)).not.toBe(0);
  expect(r.success).toBe(false);
  // Refused by an EAP-Failure in an Access-Reject, not by a timeout.
  expect(r.output, r.output.slice(-3000)).toMatch(/Access-Reject|EAP-Failure|CTRL-EVENT-EAP-FAILURE/);
};

describe('EAP methods that must succeed, with MPPE keys eapol_test agrees with', () => {
  const cases: { name: string; server: () => Running; conf: () => string[]; identity: string; keys: boolean; reauths?: number }[] = [
    { name: 'EAP-TLS, device certificate from Kenneki\'s CA', server: () => main, conf: () => tls('device'), identity: DEVICE_ID, keys: true },
    { name: 'EAP-TTLS/PAP', server: () => main, conf: () => ttls('alice', 'alice-password'), identity: 'alice', keys: true },
    { name: 'PEAPv0/EAP-MSCHAPv2 (non-ASCII password)', server: () => main, conf: () => peap('bob', 'bob pässword 2'), identity: 'bob', keys: true },
    { name: 'EAP-MD5 (lab only, enabled here)', server: () => lab, conf: () => md5('carol', 'carol-lab-password'), identity: 'carol', keys: false },
    // The peer fragments its certificate flight too: our ACKs, its L/M flags, reassembly.
    { name: 'EAP-TLS with the peer fragmenting at 200 bytes', server: () => main, conf: () => [...tls('device'), 'fragment_size=200'], identity: DEVICE_ID, keys: true },
    { name: 'EAP-TTLS/PAP with the peer fragmenting at 200 bytes', server: () => main, conf: () => [...ttls('alice', 'alice-password'), 'fragment_size=200'], identity: 'alice', keys: true },
    // Tunnels are never resumed (tls-contexts.ts): a re-authentication is a full handshake and phase 2 again.
    { name: 'EAP-TTLS/PAP re-authenticated', server: () => main, conf: () => ttls('alice', 'alice-password'), identity: 'alice', keys: true, reauths: 1 },
    { name: 'PEAP with the peer\'s default version choice, re-authenticated', server: () => main, conf: () => peap('bob', 'bob pässword 2').filter((l) => !l.startsWith('phase1')), identity: 'bob', keys: true, reauths: 1 },
  ];
  test.each(cases)('$name', async (c) => {
    const before = logs.length;
    const r = await eapolTest({ confPath: await conf(c.name.replace(/\W+/g, '-'), c.conf()), port: c.server().port, secret: SECRET, noKeys: !c.keys, reauths: c.reauths ?? 0 });
    expectSuccess(r, c.keys ? 1 + (c.reauths ?? 0) : 0);
    const succeeded = logs.slice(before).map((l) => JSON.parse(l) as { evt?: string; identity?: string; ms?: number; roundTrips?: number }).find((l) => l.evt === 'EAP_SUCCEEDED');
    expect(succeeded?.identity).toBe(c.identity);
    console.log(`${c.name}: ${succeeded?.ms} ms from Identity to Success over ${succeeded?.roundTrips} challenges; ${r.ms.toFixed(0)} ms for the whole eapol_test process`);
  });

  test('EAP-TLS: the device id from the certificate CN picks the endpoint (production VLAN, not the unknown-MAC quarantine)', async () => {
    deviceLookups.length = 0;
    const r = await eapolTest({ confPath: await conf('tls-device', tls('device')), port: main.port, secret: SECRET });
    expectSuccess(r, 1);
    expect(deviceLookups).toEqual([DEVICE_ID]);
    // eapol_test dumps the Accept: Tunnel-Private-Group-Id "10" (hex 3130), the production VLAN.
    expect(r.output).toMatch(/Attribute 81 \(Tunnel-Private-Group-Id\) length=\d+\s+Value: (00)?3130\n/);
  });
});

describe('what must fail', () => {
  const cases: { name: string; server: () => Running; conf: () => string[]; reason: RegExp }[] = [
    { name: 'TTLS/PAP with a wrong password', server: () => main, conf: () => ttls('alice', 'not-alice-password'), reason: /TTLS\/PAP: wrong user name or password/ },
    { name: 'TTLS/PAP for an unknown user', server: () => main, conf: () => ttls('mallory', 'alice-password'), reason: /TTLS\/PAP: wrong user name or password/ },
    { name: 'PEAP-MSCHAPv2 with a wrong password', server: () => main, conf: () => peap('bob', 'bob password 2'), reason: /PEAP\/MS-CHAPv2: wrong password/ },
    { name: 'PEAP-MSCHAPv2 for an unknown user', server: () => main, conf: () => peap('mallory', 'x'), reason: /PEAP\/MS-CHAPv2: unknown user/ },
    { name: 'EAP-MD5 with a wrong password', server: () => lab, conf: () => md5('carol', 'wrong'), reason: /EAP-MD5: wrong password/ },
    { name: 'EAP-MD5 for a user without a lab password', server: () => lab, conf: () => md5('alice', 'alice-password'), reason: /EAP-MD5: unknown user/ },
    { name: 'EAP-TLS with a certificate from an untrusted CA', server: () => main, conf: () => tls('rogue-device'), reason: /client certificate not trusted: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/ },
    { name: 'EAP-MD5 when md5 is not enabled', server: () => main, conf: () => md5('carol', 'carol-lab-password'), reason: /the peer declined tls and asked only for types not enabled \(4\)/ },
    { name: 'PEAP when only md5 is enabled', server: () => lab, conf: () => peap('bob', 'bob pässword 2'), reason: /the peer declined md5 and asked only for types not enabled \(25\)/ },
  ];
  test.each(cases)('$name', async (c) => {
    const before = logs.length;
    const r = await eapolTest({ confPath: await conf(c.name.replace(/\W+/g, '-'), c.conf()), port: c.server().port, secret: SECRET });
    expectFailure(r);
    const failed = logs.slice(before).map((l) => JSON.parse(l) as { evt?: string; reason?: string }).filter((l) => l.evt === 'EAP_FAILED');
    expect(failed.map((f) => f.reason)).toEqual([expect.stringMatching(c.reason)]);
  });
});

describe('EAP-TLS session resumption', () => {
  test('a re-authentication resumes the TLS session, keeps the device identity, and keys still match', async () => {
    const before = main.eap.stats();
    const r = await eapolTest({ confPath: await conf('tls-resume', tls('device')), port: main.port, secret: SECRET, reauths: 1 });
    expectSuccess(r, 2);
    const after = main.eap.stats();
    expect(after.fullHandshakes - before.fullHandshakes).toBe(1);
    expect(after.resumedHandshakes - before.resumedHandshakes).toBe(1);
    expect(after.succeeded - before.succeeded).toBe(2);
  });

  test('the resumed authentication still names the certificate\'s device', async () => {
    const before = logs.length;
    expectSuccess(await eapolTest({ confPath: await conf('tls-resume-2', tls('device')), port: main.port, secret: SECRET, reauths: 1 }), 2);
    const succeeded = logs.slice(before).map((l) => JSON.parse(l) as { evt?: string; identity?: string; deviceId?: string }).filter((l) => l.evt === 'EAP_SUCCEEDED');
    expect(succeeded.map((s) => [s.identity, s.deviceId])).toEqual([
      [DEVICE_ID, DEVICE_ID],
      [DEVICE_ID, DEVICE_ID],
    ]);
  });
});

describe('tunnels are not resumed', () => {
  test('TTLS re-authentication: two full handshakes, both with phase 2', async () => {
    const before = main.eap.stats();
    expectSuccess(await eapolTest({ confPath: await conf('ttls-reauth', ttls('alice', 'alice-password')), port: main.port, secret: SECRET, reauths: 1 }), 2);
    const after = main.eap.stats();
    expect([after.fullHandshakes - before.fullHandshakes, after.resumedHandshakes - before.resumedHandshakes]).toEqual([2, 0]);
  });
});

describe('EAP on threads (radius.eap.threads)', () => {
  let threaded: Running;
  const port = () => threaded.eap as ThreadedEapPort;
  // Calling-Station-Ids that hash to thread 0 and to thread 1 of two (FNV-1a of the canonical MAC).
  const macs = ['02:00:00:00:00:01', '02:00:00:00:00:02', '02:00:00:00:00:03', '02:00:00:00:00:04'];

  beforeAll(async () => {
    threaded = await startServer(['tls', 'ttls-pap', 'peap-mschapv2'], await issueServerCertificate(kenneki, { dnsNames: ['radius.kenneki.test'], ipAddresses: [] }), { threads: 2 });
  });
  afterAll(() => stopServer(threaded));

  test('every method succeeds with matching keys, inner credentials are checked on the main thread, and the devices spread over both threads', async () => {
    const runs = [
      { conf: tls('device'), keys: 1 },
      { conf: ttls('alice', 'alice-password'), keys: 1 },
      { conf: peap('bob', 'bob pässword 2'), keys: 1 },
      { conf: tls('device'), keys: 2, reauths: 1 },
    ];
    for (const [i, c] of runs.entries()) {
      const r = await eapolTest({ confPath: await conf(`threaded-${i}`, c.conf), port: threaded.port, secret: SECRET, mac: macs[i], reauths: c.reauths ?? 0 });
      expectSuccess(r, c.keys);
    }
    const per = port().threadStats();
    expect(per.map((s) => s.succeeded).reduce((a, b) => a + b)).toBe(5);
    // The threads' log lines reach this process's log (and so the hygiene check below), tagged.
    const fromThreads = () => logs.map((l) => JSON.parse(l) as { evt?: string; eapThread?: number; identity?: string }).filter((l) => l.evt === 'EAP_SUCCEEDED' && l.eapThread !== undefined);
    await expect.poll(() => new Set(fromThreads().map((l) => l.eapThread)).size).toBe(2);
    expect(fromThreads().map((l) => l.identity)).toEqual(expect.arrayContaining([DEVICE_ID, 'alice', 'bob']));
    expect(per.every((s) => s.succeeded > 0), JSON.stringify(per)).toBe(true);
    // The device's second authentication reached the thread holding its TLS session.
    expect(port().stats().resumedHandshakes).toBe(1);
    expect(port().stats().conversations).toBe(0);
  });

  test('wrong credentials and an untrusted certificate still fail on a thread', async () => {
    const before = port().stats().failed;
    for (const [i, c] of [ttls('alice', 'wrong'), peap('bob', 'wrong'), tls('rogue-device')].entries()) {
      expectFailure(await eapolTest({ confPath: await conf(`threaded-fail-${i}`, c), port: threaded.port, secret: SECRET, mac: macs[i] }));
    }
    expect(port().stats().failed - before).toBe(3);
  });

  test('a State no thread handed out is discarded without reaching a thread', async () => {
    const client = { name: 'eapol-test', tenantId: 'default' };
    const eap = Buffer.from([2, 1, 0, 6, 1, 0x61]);
    expect(await port().handle({ client, eap, state: Buffer.from([2, ...Buffer.alloc(17)]) })).toEqual({ kind: 'discard', reason: 'unknown-state' });
    expect(await port().handle({ client, eap, state: Buffer.from([255, ...Buffer.alloc(17)]) })).toEqual({ kind: 'discard', reason: 'unknown-state' });
    // A State of a live thread that it never issued: that thread says so.
    expect(await port().handle({ client, eap, state: Buffer.from([1, ...Buffer.alloc(17)]) })).toEqual({ kind: 'discard', reason: 'unknown-state' });
  });

  test('CRL updates reach every thread', async () => {
    const file = join(dir, 'kenneki-threads.crl');
    const serial = new X509Certificate(await readFile(join(dir, 'device.pem'))).serialNumber;
    const crl = await x509.X509CrlGenerator.create({ issuer: kenneki.issuerCertificate.subject, thisUpdate: new Date(Date.now() - 60_000), nextUpdate: new Date(Date.now() + 86_400_000), entries: [{ serialNumber: serial, revocationDate: new Date() }], signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' }, signingKey: kenneki.signingKey });
    await writeFile(file, crl.toString('pem'));
    port().updateRevocations(await loadRevocationLists([file], [kenneki.certPem]));
    for (const [i, mac] of macs.slice(0, 2).entries()) expectFailure(await eapolTest({ confPath: await conf(`threaded-revoked-${i}`, tls('device')), port: threaded.port, secret: SECRET, mac }));
    port().updateRevocations([]);
    for (const [i, mac] of macs.slice(0, 2).entries()) expectSuccess(await eapolTest({ confPath: await conf(`threaded-unrevoked-${i}`, tls('device')), port: threaded.port, secret: SECRET, mac }), 1);
  });

  test('a thread that dies loses its conversations, never answers for them, and comes back', async () => {
    const succeededBefore = port().stats().succeeded;
    await port().crash(0);
    await port().crash(1);
    // Right after the crash nothing can answer: the supplicant gets no Accept (a timeout, not a success).
    const during = await eapolTest({ confPath: await conf('threaded-down', tls('device')), port: threaded.port, secret: SECRET, mac: macs[0], timeoutSeconds: 1 });
    expect(during.success).toBe(false);
    await new Promise((r) => setTimeout(r, 1000));
    for (const mac of macs.slice(0, 2)) expectSuccess(await eapolTest({ confPath: await conf('threaded-back', tls('device')), port: threaded.port, secret: SECRET, mac }), 1);
    // Counters carry over the restart instead of starting again from zero.
    expect(port().stats().succeeded - succeededBefore).toBe(2);
  });
});

describe('EAP-TLS with a CRL (radius.eap.crl_files)', () => {
  let corp: Ca;
  let server: Running;
  let watched: CrlWatchedPort;
  const crlFile = () => join(dir, 'corp.crl');
  const serialOf = async (name: string) => new X509Certificate(await readFile(join(dir, `${name}.pem`))).serialNumber;
  /** A CRL of the corporate CA revoking `serials`, valid until `nextUpdate`. */
  async function writeCrl(serials: string[], nextUpdate: Date): Promise<void> {
    const crl = await x509.X509CrlGenerator.create({
      issuer: corp.issuerCertificate.subject,
      thisUpdate: new Date(Date.now() - 60_000),
      nextUpdate,
      entries: serials.map((serialNumber) => ({ serialNumber, revocationDate: new Date() })),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      signingKey: corp.signingKey,
    });
    await writeFile(crlFile(), crl.toString('pem'));
  }
  const run = async (cert: string) => eapolTest({ confPath: await conf(`crl-${cert}`, tls(cert)), port: server.port, secret: SECRET });
  const lastFailure = (before: number) => logs.slice(before).map((l) => JSON.parse(l) as { evt?: string; reason?: string }).filter((l) => l.evt === 'EAP_FAILED').map((l) => l.reason);

  beforeAll(async () => {
    corp = await loadOrCreateCa(join(dir, 'corp'), { commonName: 'Corp Issuing CA' });
    await deviceCertificate(corp, 'corp-laptop', 'corp-0001');
    await deviceCertificate(corp, 'corp-stolen', 'corp-0002');
    await writeCrl([await serialOf('corp-stolen')], new Date(Date.now() + 86_400_000));
    const lists = await loadRevocationLists([crlFile()], [kenneki.certPem, corp.certPem]);
    server = await startServer(['tls'], await issueServerCertificate(kenneki, { dnsNames: ['radius.kenneki.test'], ipAddresses: [] }), { clientCas: [corp], revocations: lists });
    watched = await CrlWatchedPort.watch(server.eap, lists, { files: [crlFile()], caPems: [kenneki.certPem, corp.certPem], log, intervalMs: 3_600_000 });
  });
  afterAll(async () => {
    watched?.close();
    await stopServer(server);
  });

  test('a revoked certificate is refused; the same CA\'s other certificates, and Kenneki\'s own (no CRL), still get on', async () => {
    const before = logs.length;
    expectFailure(await run('corp-stolen'));
    expect(lastFailure(before)).toEqual([`client certificate revoked (serial ${(await serialOf('corp-stolen')).toLowerCase().replace(/^0+/, '')}, ${crlFile()})`]);
    expectSuccess(await run('corp-laptop'), 1);
    expectSuccess(await run('device'), 1);
  });

  test('a CRL past its nextUpdate refuses its CA\'s certificates until the file is refreshed; the new file is picked up without a restart', async () => {
    await writeCrl([await serialOf('corp-stolen')], new Date(Date.now() - 1000));
    await watched.tick();
    let before = logs.length;
    expectFailure(await run('corp-laptop'));
    expect(lastFailure(before)).toEqual([expect.stringMatching(/^the CRL of its CA expired at .* \(refresh .*corp\.crl\)$/)]);
    expect(logs.some((l) => l.includes('RADIUS_EAP_CRL_EXPIRED'))).toBe(true);
    expectSuccess(await run('device'), 1);
    // Refreshed: the laptop gets on again, the stolen one still does not.
    await writeCrl([await serialOf('corp-stolen')], new Date(Date.now() + 86_400_000));
    await watched.tick();
    expectSuccess(await run('corp-laptop'), 1);
    before = logs.length;
    expectFailure(await run('corp-stolen'));
    expect(lastFailure(before)).toEqual([expect.stringMatching(/^client certificate revoked/)]);
  });

  test('a reload that fails keeps the lists in force', async () => {
    await writeFile(crlFile(), 'garbage');
    await watched.tick();
    expect(logs.some((l) => l.includes('RADIUS_EAP_CRL_RELOAD_FAILED'))).toBe(true);
    expectFailure(await run('corp-stolen'));
    expectSuccess(await run('corp-laptop'), 1);
  });
});

describe('cost', () => {
  test('server CPU per full EAP-TLS handshake (10 sequential eapol_test runs)', async () => {
    const path = await conf('tls-cost', tls('device'));
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < 10; i++) expectSuccess(await eapolTest({ confPath: path, port: main.port, secret: SECRET }), 1);
    const used = process.cpuUsage(cpu);
    const perAuthMs = (used.user + used.system) / 1000 / 10;
    console.log(`EAP-TLS full handshake: ${perAuthMs.toFixed(2)} ms server CPU per auth (this process), ${((performance.now() - started) / 10).toFixed(1)} ms wall per auth with eapol_test`);
    // A loose bound: catches a pathological regression (e.g. a busy settle loop), not noise.
    expect(perAuthMs).toBeLessThan(50);
  });
});

describe('hygiene', () => {
  test('no password and no key material is ever logged', () => {
    const all = logs.join('\n');
    for (const u of Object.values(USERS)) expect(all).not.toContain(u.password);
    for (const secret of ['not-alice-password', 'bob password 2', SECRET]) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/msk|MPPE/i);
  });

  test('finished conversations are forgotten', () => {
    expect(main.eap.stats().conversations).toBe(0);
    expect(lab.eap.stats().conversations).toBe(0);
  });
});
