/**
 * The gateway allow-list on a LAN, against the real kernel: `kenneki serve` runs on the gateway
 * (a namespace that routes between the client segments and the servers) with its DHCP server and
 * its nftables allow-list, and reachability is judged by real packets (TCP connects, pings, HTTP)
 * in both directions, including every path that must FAIL.
 *
 *   c1 (udhcpc, direct segment 10.215.1.0/24, IP+MAC bound) ─┐
 *   c2 (hand-set 10.218.7.10, routed segment)               ─┤ gateway: kenneki serve (DHCP, PT-TLS,
 *   production 10.218.8.10 (http 80, tcp 22)                ─┤ API on 10.218.100.1), nft table
 *   remediation 10.218.9.20 (http 80)                       ─┘ inet kenneki, portal redirector :8081
 *
 * Posture travels the real way: the kenneki-agent enrolls and reports over PT-TLS from inside the
 * client's namespace, so the gateway learns the agent's address from its connection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readProfile, testAgent, type TestAgent } from './helpers/agent.js';
import { createDhcpTopology, startUdhcpc, type DhcpTopology, type UdhcpcClient } from './helpers/dhcp-peers.js';
import { startKennekiDhcp, type KennekiDhcp } from './helpers/dhcp-server.js';
import { attachHost, until, type LanHost } from './helpers/gateway-lan.js';
import { httpGet, pings, serveText, tcpConnects } from './helpers/probes.js';
import type { NsApi } from './helpers/ns-api.js';
import { requireBinaries } from './helpers/topology.js';

const PASSWORD = 'gateway-allowlist-admin-pw-0123';
const KENNEKI = '10.218.100.1';
const PORTAL = 'https://portal.kenneki.test/';
const PROD = '10.218.8.10';
const REM = '10.218.9.20';

const DHCP = [
  '  enabled: true',
  '  server_id: 10.215.1.1',
  '  scopes:',
  '    - name: lan',
  '      direct: true',
  '      pools:',
  '        production: { subnet: 10.215.1.0/24, range: 10.215.1.100-10.215.1.149, routers: [10.215.1.1], lease_seconds: 600 }',
  '        quarantine: { subnet: 10.215.1.0/24, range: 10.215.1.200-10.215.1.239, routers: [10.215.1.1], lease_seconds: 60 }',
];
const ALLOWLIST = [
  'allowlist:',
  '  enabled: true',
  `  remediation: [${REM}]`,
  `  services: [{ ip: ${KENNEKI}, proto: tcp, port: 2271 }, { ip: ${KENNEKI}, proto: tcp, port: 18080 }]`,
  `  portal_url: ${PORTAL}`,
  '  refresh_seconds: 2',
  '  local: { enabled: true, client_networks: [10.215.1.0/24, 10.218.7.0/24], direct_interfaces: [kds0], portal_redirect_port: 8081, reconcile_seconds: 5 }',
];

let dir: string;
let topo: DhcpTopology;
let server: KennekiDhcp;
let api: NsApi;
let token: string | undefined;
let c2: LanHost;
let prod: LanHost;
let rem: LanHost;
let udhcpc: UdhcpcClient;
const children: ChildProcess[] = [];
const c1wrap = (argv: readonly string[]) => topo.wrap('client', argv);
const gw = (argv: readonly string[]) => topo.exec('server', argv);


async function accessOf(ip: string): Promise<string | undefined> {
  const r = await api('GET', `/api/v1/allowlist?ip=${ip}`);
  expect(r.status, r.text).toBe(200);
  return r.json.items[0]?.access as string | undefined;
}

async function enrolledAgent(name: string, wrap: (argv: string[]) => string[], machineId: string): Promise<{ agent: TestAgent; endpointId: string }> {
  const agent = testAgent(mkdtempSync(join(dir, `${name}-`)), 'profile-compliant.json', undefined, wrap);
  agent.edit((p) => {
    p.files!['/etc/machine-id'] = `${machineId}\n`;
  });
  const t = await api('POST', '/api/v1/enrollment-tokens', { label: name });
  expect(t.status, t.text).toBe(201);
  const r = await agent.run(['enroll', '--server', `${KENNEKI}:2271`, '--token', t.json.token]);
  expect(r.code, r.stderr).toBe(0);
  const list = await api('GET', `/api/v1/endpoints?limit=100`);
  const e = (list.json.items as { id: string; deviceId?: string }[]).find((x) => x.deviceId === machineId);
  expect(e, JSON.stringify(list.json)).toBeDefined();
  return { agent, endpointId: e!.id };
}

describe('gateway allow-list on a LAN gateway: nftables in a namespace, real packets both ways', () => {
  beforeAll(async () => {
    requireBinaries();
    dir = mkdtempSync(join(tmpdir(), 'kk-allowlist-'));
    topo = createDhcpTopology({ relay: false, tag: 'al' });
    gw(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    gw(['ip', 'addr', 'add', `${KENNEKI}/32`, 'dev', 'lo']);
    c2 = attachHost(topo.namespaces.server, 'c2', '10.218.7');
    prod = attachHost(topo.namespaces.server, 'pr', '10.218.8');
    rem = attachHost(topo.namespaces.server, 'rm', '10.218.9', 20);
    children.push(await serveText(prod.wrap, 'production', [80, 22]), await serveText(rem.wrap, 'remediation', [80]));
    children.push(await serveText(c1wrap, 'c1', [2222]), await serveText(c2.wrap, 'c2', [2222]));
    server = await startKennekiDhcp(topo, { dir, password: PASSWORD, httpHost: '0.0.0.0', dhcp: DHCP, ptTls: `{ host: ${KENNEKI}, port: 2271, server_names: [${KENNEKI}] }`, extra: ALLOWLIST });
    await server.proc.waitFor(/"evt":"ALLOWLIST_STARTED"/);
    api = server.api(() => token);
    const login = await api('POST', '/api/v1/auth/login', { tenant: 'default', username: 'admin', password: PASSWORD });
    expect(login.status, login.text).toBe(200);
    token = login.json.token;
  }, 90_000);

  afterAll(async () => {
    await udhcpc?.stop().catch(() => {});
    for (const c of children) c.kill('SIGKILL');
    await server?.kill();
    for (const h of [c2, prod, rem]) h?.remove();
    topo?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let c1ip: string;

  test('before posture: a DHCP client reaches only remediation and Kenneki, its HTTP lands on the portal, and nothing reaches it', async () => {
    udhcpc = startUdhcpc(topo);
    const bound = await udhcpc.waitForLease(20_000);
    c1ip = bound.ip!;
    expect(c1ip).toMatch(/^10\.215\.1\.2\d\d$/);
    await until('the lease in the allow-list', async () => (await accessOf(c1ip)) === 'quarantined');
    const [rem80, remPing, kennekiApi, kennekiPt, prod22, prodPing, prodHttp, toC2, fromC2, fromProd, prodHttpVia] = await Promise.all([
      tcpConnects(c1wrap, REM, 80),
      pings(c1wrap, REM),
      tcpConnects(c1wrap, KENNEKI, 18080),
      tcpConnects(c1wrap, KENNEKI, 2271),
      tcpConnects(c1wrap, PROD, 22),
      pings(c1wrap, PROD),
      httpGet(c1wrap, `http://${PROD}/`),
      tcpConnects(c1wrap, c2.ip, 2222),
      tcpConnects(c2.wrap, c1ip, 2222),
      tcpConnects(prod.wrap, c1ip, 2222),
      httpGet(c1wrap, `http://${REM}/`),
    ]);
    expect({ rem80, remPing, kennekiApi, kennekiPt }).toEqual({ rem80: true, remPing: true, kennekiApi: true, kennekiPt: true });
    expect({ prod22, prodPing, toC2, fromC2, fromProd }).toEqual({ prod22: false, prodPing: false, toC2: false, fromC2: false, fromProd: false });
    // HTTP to production is answered by the gateway's redirector, never by production.
    expect(prodHttp).toMatchObject({ status: 302, location: PORTAL });
    expect(prodHttp.body).not.toContain('production');
    // HTTP to a remediation host is not redirected.
    expect(prodHttpVia).toMatchObject({ status: 200, body: 'remediation' });
  });

  test('a hand-set static address nobody leased or reported is blocked, and two quarantined clients cannot reach each other', async () => {
    expect(await accessOf(c2.ip)).toBeUndefined();
    const [prod22, prodPing, rem80, c1] = await Promise.all([tcpConnects(c2.wrap, PROD, 22), pings(c2.wrap, PROD), tcpConnects(c2.wrap, REM, 80), tcpConnects(c2.wrap, c1ip, 2222)]);
    expect({ prod22, prodPing, c1 }).toEqual({ prod22: false, prodPing: false, c1: false });
    expect(rem80).toBe(true);
  });

  let c1agent: TestAgent;
  test('after posture passes (agent over PT-TLS from the client): production is reachable, both ways; DHCP then moves it to a production address that stays allowed', async () => {
    const { agent, endpointId } = await enrolledAgent('c1', c1wrap, 'c1'.padEnd(32, '1'));
    c1agent = agent;
    // The admin registers the laptop's MAC: its DHCP leases are then its own.
    const patched = await api('PATCH', `/api/v1/endpoints/${endpointId}`, { mac: topo.clientMac });
    expect(patched.status, patched.text).toBe(200);
    const check = await agent.run(['check', '--no-firewall']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const ms = await until('c1 allowed', async () => (await accessOf(c1ip)) === 'allowed');
    expect(ms).toBeLessThan(5_000);
    const [prod22, prodPing, http, fromProd, toC2] = await Promise.all([tcpConnects(c1wrap, PROD, 22), pings(c1wrap, PROD), httpGet(c1wrap, `http://${PROD}/`), tcpConnects(prod.wrap, c1ip, 2222), tcpConnects(c1wrap, c2.ip, 2222)]);
    expect({ prod22, prodPing, fromProd }).toEqual({ prod22: true, prodPing: true, fromProd: true });
    expect(http).toMatchObject({ status: 200, body: 'production' });
    // Allowed itself, c1 still cannot open a connection to a quarantined host.
    expect(toC2).toBe(false);

    // DHCP steering: the renewal is NAKed and a production lease follows; the new address is the
    // endpoint's through its registered MAC, and the gateway binds it to that MAC.
    const mark = udhcpc.mark();
    expect((await udhcpc.renew()).event).toBe('nak');
    const bound = await udhcpc.waitForEvent((e) => e.event === 'bound', 20_000, mark);
    c1ip = bound.ip!;
    expect(c1ip).toMatch(/^10\.215\.1\.1[0-4]\d$/);
    await until('the production lease allowed', async () => (await accessOf(c1ip)) === 'allowed');
    expect(gw(['nft', 'list', 'set', 'inet', 'kenneki', 'allowed_l2'])).toContain(`${c1ip} . ${topo.clientMac}`);
    expect(await tcpConnects(c1wrap, PROD, 22)).toBe(true);
  });

  test('a second, hand-set address on the allowed laptop is blocked (the static-IP bypass of DHCP)', async () => {
    topo.exec('client', ['ip', 'addr', 'add', '10.215.1.77/24', 'dev', 'kdc0']);
    try {
      const [fromStatic, fromLease, httpStatic] = await Promise.all([
        tcpConnects(c1wrap, PROD, 22, { from: '10.215.1.77' }),
        tcpConnects(c1wrap, PROD, 22, { from: c1ip }),
        httpGet(c1wrap, `http://${PROD}/`, '10.215.1.77'),
      ]);
      expect({ fromStatic, fromLease }).toEqual({ fromStatic: false, fromLease: true });
      expect(httpStatic).toMatchObject({ status: 302, location: PORTAL });
    } finally {
      topo.exec('client', ['ip', 'addr', 'del', '10.215.1.77/24', 'dev', 'kdc0']);
    }
  });

  test('a routed client known only by its agent: allowed once compliant, back to quarantine when it is not', async () => {
    const { agent } = await enrolledAgent('c2', c2.wrap, 'c2'.padEnd(32, '2'));
    expect((await agent.run(['check', '--no-firewall'])).code).toBe(0);
    await until('c2 allowed', async () => (await accessOf(c2.ip)) === 'allowed');
    expect(await tcpConnects(c2.wrap, PROD, 22)).toBe(true);
    // Both allowed now: c1 and c2 may talk.
    expect(await tcpConnects(c1wrap, c2.ip, 2222)).toBe(true);

    agent.become(readProfile('profile-noncompliant.json'));
    agent.edit((p) => {
      p.files!['/etc/machine-id'] = `${'c2'.padEnd(32, '2')}\n`;
    });
    const check = await agent.run(['check', '--no-firewall']);
    expect(check.code).not.toBe(0);
    await until('c2 quarantined again', async () => (await accessOf(c2.ip)) === 'quarantined');
    const [prod22, prodHttp, rem80, fromC1] = await Promise.all([tcpConnects(c2.wrap, PROD, 22), httpGet(c2.wrap, `http://${PROD}/`), tcpConnects(c2.wrap, REM, 80), tcpConnects(c1wrap, c2.ip, 2222)]);
    expect({ prod22, rem80, fromC1 }).toEqual({ prod22: false, rem80: true, fromC1: false });
    expect(prodHttp).toMatchObject({ status: 302, location: PORTAL });
  });

  test('a table changed behind Kenneki is repaired and the repair is audited; metrics show the list', async () => {
    gw(['nft', 'delete', 'table', 'inet', 'kenneki']);
    // With the table gone, nothing is enforced: the repair is what closes the hole.
    await until('the table back', () => {
      try {
        return gw(['nft', 'list', 'set', 'inet', 'kenneki', 'allowed']).includes(c1ip);
      } catch {
        return false;
      }
    }, 15_000);
    expect(await tcpConnects(c2.wrap, PROD, 22)).toBe(false);
    const audit = await api('GET', '/api/v1/audit?action=allowlist.drift-repaired');
    expect(audit.status, audit.text).toBe(200);
    expect(JSON.stringify(audit.json)).toContain('table missing');
    const metrics = await server.metricsText();
    expect(metrics).toMatch(/kenneki_allowlist_entries\{access="allowed"\} [1-9]/);
    expect(metrics).toMatch(/kenneki_allowlist_healthy 1/);
    // The probe just refused (c2 to production) is counted by the kernel.
    expect(metrics).toMatch(/kenneki_allowlist_refused_packets\{counter="quarantine_refused"\} [1-9]/);
  });

  test('a server restart keeps the table in force meanwhile, and rebuilds it from the store', async () => {
    await server.stop();
    // Nothing runs now: the table stays, so the allowed laptop keeps working and the rest stays out.
    expect(await tcpConnects(c1wrap, PROD, 22)).toBe(true);
    expect(await tcpConnects(c2.wrap, PROD, 22)).toBe(false);
    server = await startKennekiDhcp(topo, { dir, password: PASSWORD, httpHost: '0.0.0.0', dhcp: DHCP, ptTls: `{ host: ${KENNEKI}, port: 2271, server_names: [${KENNEKI}] }`, extra: ALLOWLIST });
    await server.proc.waitFor(/"evt":"ALLOWLIST_STARTED"/);
    api = server.api(() => token);
    expect(await accessOf(c1ip)).toBe('allowed');
    expect(await accessOf(c2.ip)).toBe('quarantined');
    expect(await tcpConnects(c1wrap, PROD, 22)).toBe(true);
    expect(await tcpConnects(c2.wrap, PROD, 22)).toBe(false);
    void c1agent;
  }, 60_000);
});
