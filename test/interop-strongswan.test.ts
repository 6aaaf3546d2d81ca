/**
 * Interop with the reference standard NEA client: strongSwan's pt-tls-client with its OS IMC,
 * built by .ci/peers/strongswan-nea.sh, against the real `kenneki serve` listener.
 *
 * The client runs in a network namespace of this test's own (veth to the host), so its IPv4
 * forwarding is a real kernel setting the test can turn on and off without touching the host.
 * Its packages are the real dpkg database of this machine; a definitions feed made from the
 * installed bash version makes the machine vulnerable or not.
 *
 * Each case plays a different machine (the IMC's device id is set per run), so verdicts never
 * leak from one case into the next.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signDeviceCsr, loadOrCreateCa } from '../policy/tnc/ca/index.js';
import { auditRows, policyBody } from './helpers/scenario.js';
import { createTestNetns, type TestNetns } from './helpers/netns.js';
import { startTestServer, type TestServer } from './helpers/kenneki-server.js';
import { requireStrongSwanNea, runPtTlsClient, type PtTlsClientRun } from './helpers/strongswan.js';

const PASSWORD = 'a-long-test-password-123';
const NEA_POLICY = policyBody('nea-os', 10, [
  { check: 'ip-forwarding', action: 'isolate' },
  { check: 'factory-default-password', action: 'isolate' },
  { check: 'os-version', action: 'isolate', params: { minimum: [{ product: 'debian', version: '12' }], unlisted: 'fail' } },
  { check: 'packages', action: 'isolate', params: { vulnerable: true, forbidden: false } },
]);

let ns: TestNetns;
let sasl: TestServer;
let mutual: TestServer;
let saslAdmin: string;
let caFile: string;
let bashVersion: string;
let run = 0;

/** A device id no other case uses. */
const device = (label: string) => `kk-interop-${label}-${process.pid}-${run++}`;

function serverYaml(clientAuth: 'sasl-plain' | 'mutual-tls', host: string): string {
  return `pt_tls: { host: ${host}, port: 0, client_auth: ${clientAuth}, server_names: [${host}], idle_timeout_seconds: 20 }`;
}

/** The definitions feed: bash on bookworm fixed in `fixed`. */
function feed(fixed: string): string {
  return [
    'format: kenneki-definitions/1',
    'feed: interop',
    'published: 2026-11-01',
    'advisories:',
    '  - id: KK-INTEROP-1',
    '    platform: debian:bookworm',
    '    package: bash',
    `    fixed: "${fixed}"`,
    '    released: 2026-11-01',
    '    cves: [CVE-2099-0001]',
  ].join('\n');
}

async function importFeed(fixed: string): Promise<void> {
  const r = await sasl.api(saslAdmin, 'POST', '/api/v1/definitions', { format: 'kenneki', content: feed(fixed) });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
}

function saslRun(deviceId: string, extra: Partial<PtTlsClientRun> = {}): Promise<Awaited<ReturnType<typeof runPtTlsClient>>> {
  return runPtTlsClient({
    host: ns.hostAddress,
    port: sasl.ptTlsPort!,
    certFiles: [caFile],
    sasl: { user: 'admin-user', secret: PASSWORD },
    deviceId,
    wrap: ns.wrap,
    ...extra,
  });
}

async function endpointOf(s: TestServer, deviceId: string): Promise<any> {
  const found = await s.server.ctx.store.endpoints.findByDeviceId('default', deviceId);
  if (!found) return undefined;
  const r = await s.api(s.adminToken['default']!, 'GET', `/api/v1/endpoints/${found.id}`);
  expect(r.status).toBe(200);
  return { ...r.json.endpoint, posture: r.json.posture, decision: r.json.decision };
}

beforeAll(async () => {
  requireStrongSwanNea();
  bashVersion = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'bash'], { encoding: 'utf8' }).trim();
  ns = createTestNetns('si');
  sasl = await startTestServer({ yaml: serverYaml('sasl-plain', ns.hostAddress) });
  saslAdmin = sasl.adminToken['default']!;
  caFile = join(sasl.dataDir, 'ca', 'ca.crt');
  const created = await sasl.api(saslAdmin, 'POST', '/api/v1/policies', NEA_POLICY);
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  // Fixed in exactly the installed version: known to the feed, not vulnerable.
  await importFeed(bashVersion);
}, 60_000);

afterAll(async () => {
  await sasl?.close();
  await mutual?.close();
  ns?.remove();
});

describe('strongSwan pt-tls-client + OS IMC, SASL PLAIN', () => {
  test('a compliant Debian machine is allowed, after sending its packages on our Attribute Request', async () => {
    const id = device('allow');
    const r = await saslRun(id);
    expect(r.recommendation, r.output).toBe('Access Allowed');
    expect(r.assessment).toBe('compliant');
    expect(r.completed).toBe(true);
    // The first CDATA has no packages; they came in a second CDATA after our SDATA.
    expect(r.output).toMatch(/processing PB-TNC SDATA batch/);

    const e = await endpointOf(sasl, id);
    expect(e).toMatchObject({ deviceId: id, owner: 'admin-user', verdict: 'allow' });
    const facts = e.posture.facts;
    expect(facts.os).toMatchObject({ status: 'ok', source: 'nea-ietf', value: { product: 'Debian', version: '12', family: 'linux' } });
    expect(facts.ipForwarding).toMatchObject({ status: 'ok', value: false });
    expect(facts.factoryDefaultPassword).toMatchObject({ status: 'ok', value: false });
    // The real dpkg database of this machine, bash at its installed version among it.
    const pkgs: { name: string; version: string }[] = facts.packages.value.packages;
    expect(pkgs.length).toBeGreaterThan(50);
    expect(pkgs).toContainEqual({ name: 'bash', version: bashVersion });
  }, 60_000);

  test('IP forwarding on (a real sysctl in the client namespace) → Quarantined with the remediation shown; off again → Allowed', async () => {
    const id = device('forwarding');
    ns.sysctl('net.ipv4.ip_forward', '1');
    try {
      const r = await saslRun(id);
      expect(r.recommendation, r.output).toBe('Quarantined');
      expect(r.assessment).toBe('non-compliant minor');
      expect(r.output).toMatch(/IPv4 forwarding is enabled/);
      expect(r.remediation).toEqual([{ lang: 'en', text: expect.stringMatching(/^IP forwarding is on\. Turn off IP forwarding .*sysctl -w net\.ipv4\.ip_forward=0/) }]);
      expect(r.reason?.text).toMatch(/IP forwarding is on/);
      expect(r.completed).toBe(true);
      expect(await endpointOf(sasl, id)).toMatchObject({ verdict: 'isolate' });
    } finally {
      ns.sysctl('net.ipv4.ip_forward', '0');
    }
    // Fixed on the machine: the same endpoint is let back in on its next assessment.
    const again = await saslRun(id);
    expect(again.recommendation, again.output).toBe('Access Allowed');
    expect(await endpointOf(sasl, id)).toMatchObject({ verdict: 'allow' });
  }, 60_000);

  test('factory-default password enabled → Quarantined', async () => {
    const id = device('default-password');
    const r = await saslRun(id, { defaultPasswordEnabled: true });
    expect(r.recommendation, r.output).toBe('Quarantined');
    expect(r.output).toMatch(/factory default password is enabled/);
    expect(r.remediation.map((x) => x.text).join('\n')).toMatch(/default password/i);
    expect(await endpointOf(sasl, id)).toMatchObject({ verdict: 'isolate' });
  }, 60_000);

  test('an OS below the policy minimum (Debian 11) → Quarantined, told to upgrade', async () => {
    const id = device('old-os');
    const r = await saslRun(id, { os: { name: 'Debian', version: '11 x86_64' } });
    expect(r.recommendation, r.output).toBe('Quarantined');
    expect(r.remediation.map((x) => x.text).join('\n')).toMatch(/Upgrade Debian to version 12 or later/);
  }, 60_000);

  test('a vulnerable package from the definitions (the installed bash) → Quarantined, the package named; fixed feed → Allowed', async () => {
    const id = device('vulnerable');
    await importFeed(`${bashVersion}.kk1`);
    try {
      const r = await saslRun(id);
      expect(r.recommendation, r.output).toBe('Quarantined');
      const texts = r.remediation.map((x) => x.text).join('\n');
      expect(texts).toMatch(/bash/);
      const e = await endpointOf(sasl, id);
      expect(e.verdict).toBe('isolate');
      const packagesCheck = e.decision.trace.checks.find((c: any) => c.check === 'packages');
      expect(packagesCheck.result.findings).toContainEqual(expect.objectContaining({ kind: 'vulnerable-package', name: 'bash', version: bashVersion }));
    } finally {
      await importFeed(bashVersion);
    }
    // Re-evaluated on the server when the definitions change, with no client round trip.
    await expect.poll(async () => (await endpointOf(sasl, id)).verdict, { timeout: 10_000 }).toBe('allow');
  }, 60_000);

  test('Japanese preference: the reason and remediation come back in Japanese', async () => {
    const id = device('ja');
    ns.sysctl('net.ipv4.ip_forward', '1');
    try {
      const r = await saslRun(id, { language: 'ja' });
      expect(r.recommendation, r.output).toBe('Quarantined');
      expect(r.reason).toEqual({ lang: 'ja', text: expect.stringContaining('IP 転送が有効になっています') });
      expect(r.remediation[0]).toEqual({ lang: 'ja', text: expect.stringContaining('IP 転送が有効になっています。') });
    } finally {
      ns.sysctl('net.ipv4.ip_forward', '0');
    }
  }, 60_000);

  test('a wrong SASL password: no assessment, nothing registered', async () => {
    const id = device('bad-password');
    const r = await saslRun(id, { sasl: { user: 'admin-user', secret: 'wrong-password' } });
    expect(r.recommendation).toBeUndefined();
    expect(r.completed).toBe(false);
    expect(r.output).toMatch(/SASL/);
    expect(await endpointOf(sasl, id)).toBeUndefined();
  }, 60_000);
});

describe('strongSwan pt-tls-client + OS IMC, mutual TLS with a device certificate from Kenneki\'s CA', () => {
  let certDir: string;
  const certified = `kk-interop-cert-${process.pid}`;

  beforeAll(async () => {
    mutual = await startTestServer({ yaml: serverYaml('mutual-tls', ns.hostAddress) });
    const created = await mutual.api(mutual.adminToken['default']!, 'POST', '/api/v1/policies', NEA_POLICY);
    expect(created.status).toBe(201);
    certDir = mutual.dataDir;
    // The device's own key and CSR (openssl, as an admin would), signed by `kenneki ca sign`.
    execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=ignored', '-keyout', join(certDir, 'device.key'), '-out', join(certDir, 'device.csr')], { stdio: 'ignore' });
    execFileSync(process.execPath, ['bin/kenneki.js', 'ca', 'sign', '-c', join(mutual.dataDir, 'kenneki.yaml'), '--csr', join(certDir, 'device.csr'), '--device-id', certified, '-o', join(certDir, 'device.crt')], { stdio: 'pipe' });
    expect(await auditRows(mutual, 'default')).toContainEqual(expect.objectContaining({ action: 'ca.sign-device', actorKind: 'cli', targetId: certified }));
    // A certificate for the same id from a CA Kenneki never trusted.
    const foreign = await loadOrCreateCa(join(certDir, 'foreign'));
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(certDir, 'foreign.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    execFileSync('openssl', ['req', '-new', '-key', join(certDir, 'foreign.key'), '-subj', '/CN=x', '-out', join(certDir, 'foreign.csr')], { stdio: 'ignore' });
    writeFileSync(join(certDir, 'foreign.crt'), await signDeviceCsr(foreign, readFileSync(join(certDir, 'foreign.csr'), 'utf8'), { deviceId: certified }));
  }, 60_000);

  const mutualRun = (cert: string, key: string, deviceId: string) =>
    runPtTlsClient({
      host: ns.hostAddress,
      port: mutual.ptTlsPort!,
      certFiles: [join(mutual.dataDir, 'ca', 'ca.crt'), join(certDir, cert)],
      keyFile: { path: join(certDir, key), type: 'ecdsa' },
      deviceId,
      wrap: ns.wrap,
    });

  test('the certificate authenticates the device: Allowed, and the endpoint is filed under the certificate CN, not the IMC device id', async () => {
    const r = await mutualRun('device.crt', 'device.key', 'what-the-imc-says');
    expect(r.recommendation, r.output).toBe('Access Allowed');
    expect(await endpointOf(mutual, certified)).toMatchObject({ deviceId: certified, verdict: 'allow' });
    expect(await endpointOf(mutual, 'what-the-imc-says')).toBeUndefined();
  }, 60_000);

  test('a certificate from another CA is refused in the TLS handshake: no assessment', async () => {
    const before = await mutual.server.ctx.store.endpoints.findByDeviceId('default', certified);
    const r = await mutualRun('foreign.crt', 'foreign.key', 'foreign-device');
    expect(r.recommendation).toBeUndefined();
    expect(r.completed).toBe(false);
    expect(await endpointOf(mutual, 'foreign-device')).toBeUndefined();
    // The genuine device's record is untouched by the impostor.
    expect(await mutual.server.ctx.store.endpoints.findByDeviceId('default', certified)).toEqual(before);
  }, 60_000);
});
