/**
 * A remote gateway (`kenneki gateway --server URL`) against a policy server on another host, both
 * real processes in namespaces of the test's own, reachability judged by real packets:
 *
 *   client 10.219.7.10 ── gateway (kenneki gateway, nft) ── production 10.219.8.10
 *                                  │
 *                       policy server 10.219.0.10 (kenneki serve, HTTPS 8443, PT-TLS 2271)
 *
 * The acceptance: killed, the policy server leaves the gateway enforcing what it had, refusing new
 * unknown addresses; restarted, the gateway re-syncs (and a hand edit made meanwhile is undone).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readProfile, testAgent, type TestAgent } from './helpers/agent.js';
import { requireDhcpPeer } from './helpers/dhcp-peers.js';
import { attachHost, createRouterNs, until, type LanHost } from './helpers/gateway-lan.js';
import { serveText, tcpConnects } from './helpers/probes.js';
import { nsApi, type NsApi } from './helpers/ns-api.js';
import { KENNEKI_BIN, spawnBin, type Spawned } from './helpers/process.js';
import { requireBinaries } from './helpers/topology.js';

const PASSWORD = 'remote-gateway-admin-pw-012345';
const SECRET = 'branch-gateway-credential-0123456789abcdef';
const SERVER = '10.219.0.10';
const PROD = '10.219.8.10';
const MACHINE = 'b'.repeat(32);

let dir: string;
let router: ReturnType<typeof createRouterNs>;
let srv: LanHost;
let client: LanHost;
let prod: LanHost;
let server: Spawned | undefined;
let gateway: Spawned | undefined;
let api: NsApi;
let token: string | undefined;
let agent: TestAgent;
const children: ChildProcess[] = [];

const pdeath = () => [requireDhcpPeer('setpriv'), '--pdeathsig', 'KILL', '--'];


function serverConfig(): string {
  return [
    `data_dir: ${join(dir, 'data')}`,
    `http: { host: ${SERVER}, port: 8443, tls: { cert_file: ${join(dir, 'server.crt')}, key_file: ${join(dir, 'server.key')} } }`,
    `pt_tls: { host: ${SERVER}, port: 2271, server_names: [${SERVER}] }`,
    `admin: { bootstrap_password: "${PASSWORD}" }`,
    'allowlist:',
    '  enabled: true',
    `  services: [{ ip: ${SERVER}, proto: tcp, port: 2271 }, { ip: ${SERVER}, proto: tcp, port: 8443 }]`,
    '  portal_url: https://portal.kenneki.test/',
    `  gateways: [{ name: branch-1, secret: { env: GATEWAY_SECRET }, tenants: [default] }]`,
    '',
  ].join('\n');
}

async function startServer(): Promise<Spawned> {
  const p = spawnBin(KENNEKI_BIN, ['serve', '--config', join(dir, 'kenneki.yaml')], { wrap: [...pdeath(), ...srv.wrap([])], env: { GATEWAY_SECRET: SECRET } });
  await p.waitFor(/"evt":"SERVER_LISTENING"/, 30_000);
  return p;
}

function startGateway(local = ['--client-network', '10.219.7.0/24', '--portal-redirect-port', '8081'], credential = join(dir, 'credential')): Spawned {
  return spawnBin(
    KENNEKI_BIN,
    ['gateway', '--server', `https://${SERVER}:8443`, '--credential-file', credential, '--ca-file', join(dir, 'server.crt'), '--reconcile-seconds', '3600', ...local],
    { wrap: [...pdeath(), ...router.wrap([])] },
  );
}

const count = (out: string, re: RegExp) => (out.match(new RegExp(re.source, 'g')) ?? []).length;

describe('remote gateway: kenneki gateway --server URL, fed over HTTPS by the policy server', () => {
  beforeAll(async () => {
    requireBinaries();
    dir = mkdtempSync(join(tmpdir(), 'kk-remote-gw-'));
    // The policy server's HTTPS certificate: self-signed here, so the gateway pins it with --ca-file.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=policy.kenneki.test', '-addext', `subjectAltName=IP:${SERVER}`, '-keyout', join(dir, 'server.key'), '-out', join(dir, 'server.crt')], { stdio: 'ignore' });
    writeFileSync(join(dir, 'credential'), `${SECRET}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'wrong-credential'), `${'x'.repeat(40)}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'kenneki.yaml'), serverConfig());
    router = createRouterNs('rg');
    srv = attachHost(router.ns, 'sv', '10.219.0');
    client = attachHost(router.ns, 'cl', '10.219.7');
    prod = attachHost(router.ns, 'pr', '10.219.8');
    children.push(await serveText(prod.wrap, 'production', [22]));
    server = await startServer();
    // API calls from inside the server's namespace, trusting its certificate.
    api = nsApi((argv) => srv.wrap(['env', `NODE_EXTRA_CA_CERTS=${join(dir, 'server.crt')}`, ...argv]), `https://${SERVER}:8443`, () => token);
    const login = await api('POST', '/api/v1/auth/login', { tenant: 'default', username: 'admin', password: PASSWORD });
    expect(login.status, login.text).toBe(200);
    token = login.json.token;
    gateway = startGateway();
    await gateway.waitFor(/"evt":"GATEWAY_RESYNCED"/, 30_000);
  }, 90_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const p of [server, gateway]) p?.child.kill('SIGKILL');
    for (const h of [srv, client, prod]) h?.remove();
    router?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the gateway follows the server: an unknown client is confined; once its agent reports compliant, production opens', async () => {
    expect(await tcpConnects(client.wrap, PROD, 22)).toBe(false);
    // Kenneki's PT-TLS is a service the gateway was told about in the snapshot.
    expect(await tcpConnects(client.wrap, SERVER, 2271)).toBe(true);
    agent = testAgent(mkdtempSync(join(dir, 'agent-')), 'profile-compliant.json', undefined, client.wrap);
    agent.edit((p) => {
      p.files!['/etc/machine-id'] = `${MACHINE}\n`;
    });
    const t = await api('POST', '/api/v1/enrollment-tokens', { label: 'branch-laptop' });
    expect(t.status, t.text).toBe(201);
    expect((await agent.run(['enroll', '--server', `${SERVER}:2271`, '--token', t.json.token])).code).toBe(0);
    expect((await agent.run(['check', '--no-firewall'])).code).toBe(0);
    const ms = await until('production reachable through the remote gateway', () => tcpConnects(client.wrap, PROD, 22, { timeoutMs: 500 }));
    expect(ms).toBeLessThan(5_000);
    expect(router.exec(['nft', 'list', 'set', 'inet', 'kenneki', 'allowed'])).toContain(client.ip);
  });

  test('the policy server killed: the gateway keeps what it enforces and lets no new address in', async () => {
    server!.child.kill('SIGKILL');
    await server!.exited;
    await gateway!.waitFor(/"evt":"GATEWAY_STREAM_LOST"/, 30_000);
    expect(await tcpConnects(client.wrap, PROD, 22)).toBe(true);
    client.exec(['ip', 'addr', 'add', '10.219.7.11/24', 'dev', 'eth0']);
    expect(await tcpConnects(client.wrap, PROD, 22, { from: '10.219.7.11' })).toBe(false);
    // Meanwhile someone edits the table by hand, letting the new address through.
    router.exec(['nft', 'add', 'element', 'inet', 'kenneki', 'allowed', '{ 10.219.7.11 }']);
    expect(await tcpConnects(client.wrap, PROD, 22, { from: '10.219.7.11' })).toBe(true);
  });

  test('restarted, the policy server re-syncs the gateway: the hand edit is undone, the laptop is still allowed (from the store), changes flow again', async () => {
    const resyncs = count(gateway!.output(), /"evt":"GATEWAY_RESYNCED"/);
    server = await startServer();
    await until('a second re-sync', () => count(gateway!.output(), /"evt":"GATEWAY_RESYNCED"/) > resyncs, 40_000);
    expect(gateway!.output()).toMatch(/"evt":"ALLOWLIST_DRIFT".*10\.219\.7\.11/);
    // The repair is in the policy server's audit log, by this gateway.
    await until('the drift audited on the server', async () => {
      const audit = await api('GET', '/api/v1/audit?action=allowlist.drift-repaired');
      return audit.status === 200 && JSON.stringify(audit.json).includes('gateway:branch-1') && JSON.stringify(audit.json).includes('10.219.7.11');
    });
    const [fromNew, fromLaptop] = await Promise.all([tcpConnects(client.wrap, PROD, 22, { from: '10.219.7.11' }), tcpConnects(client.wrap, PROD, 22, { from: client.ip })]);
    expect({ fromNew, fromLaptop }).toEqual({ fromNew: false, fromLaptop: true });
    // A verdict change after the reconnect reaches the gateway.
    agent.become(readProfile('profile-noncompliant.json'));
    agent.edit((p) => {
      p.files!['/etc/machine-id'] = `${MACHINE}\n`;
    });
    expect((await agent.run(['check', '--no-firewall'])).code).not.toBe(0);
    await until('production refused again', async () => !(await tcpConnects(client.wrap, PROD, 22, { timeoutMs: 500 })));
    expect(await tcpConnects(client.wrap, SERVER, 2271)).toBe(true);
  }, 60_000);

  test('a gateway with a wrong credential is refused and enforces an empty list (fail closed)', async () => {
    // Its own table and an unrelated network, so the real gateway's traffic is not touched.
    const bad = startGateway(['--table', 'kkbad', '--client-network', '10.250.0.0/24'], join(dir, 'wrong-credential'));
    try {
      await bad.waitFor(/refused the gateway credential \(401\)/, 20_000);
      const set = router.exec(['nft', '-j', 'list', 'set', 'inet', 'kkbad', 'allowed']);
      expect(JSON.parse(set).nftables.find((x: { set?: unknown }) => x.set).set.elem).toBeUndefined();
    } finally {
      bad.child.kill('SIGKILL');
      await bad.exited;
      router.exec(['nft', 'delete', 'table', 'inet', 'kkbad']);
    }
  });
});
