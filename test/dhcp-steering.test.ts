/**
 * DHCP lease steering end to end (issue 7): the real `kenneki serve` in a server namespace, a real
 * udhcpc in a client namespace on the same segment (veth), and the verdict changed through the
 * real API and posture reports. The client's next renewal in the wrong pool must be NAKed, and
 * the address it gets next must come from the pool its verdict picks, with that pool's options.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDhcpTopology, startUdhcpc, type DhcpClientEvent, type DhcpTopology, type UdhcpcClient } from './helpers/dhcp-peers.js';
import { startKennekiDhcp, type KennekiDhcp } from './helpers/dhcp-server.js';
import { healthyReport } from './helpers/kenneki-server.js';
import { type NsApi } from './helpers/ns-api.js';
import { facts } from './helpers/scenario.js';

const MAC = '02:00:5e:10:00:01';
const PASSWORD = 'dhcp-test-bootstrap-password-0123';
const inRange = (ip: string | undefined, lo: number, hi: number) => {
  const last = Number(ip?.split('.')[3]);
  return ip?.startsWith('10.215.1.') === true && last >= lo && last <= hi;
};

let dir: string;
let topo: DhcpTopology;
let server: KennekiDhcp;
let api: NsApi;
let token: string | undefined;
let client: UdhcpcClient;

/** The `dhcp` section. */
const DHCP = [
  '  enabled: true',
  '  server_id: 10.215.1.1',
  '  scopes:',
  '    - name: lan',
  '      direct: true',
  '      pools:',
  '        production: { subnet: 10.215.1.0/24, range: 10.215.1.100-10.215.1.149, routers: [10.215.1.1], dns: [10.215.1.53], domain: corp.test, lease_seconds: 600 }',
  '        quarantine: { subnet: 10.215.1.0/24, range: 10.215.1.200-10.215.1.239, routers: [10.215.1.254], dns: [10.215.1.253], domain: quarantine.test, lease_seconds: 30 }',
];

const isQuarantine = (e: DhcpClientEvent) => inRange(e.ip, 200, 239) && e.router === '10.215.1.254' && e.dns.includes('10.215.1.253') && e.domain === 'quarantine.test' && e.leaseTime === 30;
const isProduction = (e: DhcpClientEvent) => inRange(e.ip, 100, 149) && e.router === '10.215.1.1' && e.dns.includes('10.215.1.53') && e.domain === 'corp.test' && e.leaseTime === 600;

describe('DHCP lease steering with a real client (udhcpc) on a veth segment', () => {
  let credential: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kk-dhcp-e2e-'));
    topo = createDhcpTopology({ relay: false, clientMac: MAC, tag: 's' });
    topo.exec('server', ['ip', 'link', 'set', 'lo', 'up']);
    server = await startKennekiDhcp(topo, { dir, logLevel: 'debug', httpPort: 18080, password: PASSWORD, dhcp: DHCP });
    api = server.api(() => token);
    const login = await api('POST', '/api/v1/auth/login', { tenant: 'default', username: 'admin', password: PASSWORD });
    expect(login.status, JSON.stringify(login.json)).toBe(200);
    token = login.json.token;
    const reg = await api('POST', '/api/v1/endpoints', { mac: MAC, hostname: 'dhcp-laptop' });
    expect(reg.status, JSON.stringify(reg.json)).toBe(201);
    credential = reg.json.deviceCredential;
  }, 90_000);

  afterAll(async () => {
    await client?.stop();
    await server?.stop();
    topo?.remove();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const posture = async (broken: boolean): Promise<string> => {
    const at = new Date();
    const r = await api('POST', '/api/v1/posture', broken ? healthyReport(at, facts.firewallOff(at)) : healthyReport(at), credential);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    return r.json.verdict as string;
  };

  test('1. an endpoint with no posture gets a quarantine lease: short, with the quarantine router and DNS', async () => {
    client = startUdhcpc(topo, { hostname: 'dhcp-laptop' });
    const bound = await client.waitForEvent((e) => e.event === 'bound', 20_000);
    expect(isQuarantine(bound), JSON.stringify(bound)).toBe(true);
    expect(bound.serverId).toBe('10.215.1.1');
    // The address is really on the client's interface (our hook applies it).
    expect(topo.clientAddresses()).toContain(`${bound.ip}/24`);
  });

  test('2. after posture passes, the next renewal is NAKed and the client gets a production lease', async () => {
    expect(await posture(false)).toBe('allow');
    const mark = client.mark();
    const first = await client.renew();
    expect(first.event, JSON.stringify(first)).toBe('nak');
    const bound = await client.waitForEvent((e) => e.event === 'bound', 20_000, mark);
    expect(isProduction(bound), JSON.stringify(bound)).toBe(true);
    expect(server.output()).toMatch(/"evt":"DHCP_STEERED".*"from":"quarantine","to":"production"/);
  });

  test('a renewal in the right pool is ACKed with the same address', async () => {
    const before = client.events().filter((e) => e.event === 'bound' || e.event === 'renew').at(-1)!;
    const renewed = await client.renew();
    expect(renewed.event).toBe('renew');
    expect(renewed.ip).toBe(before.ip);
    expect(isProduction(renewed)).toBe(true);
  });

  test('3. made non-compliant again, its next renewal is NAKed and it returns to quarantine', async () => {
    expect(await posture(true)).toBe('isolate');
    const mark = client.mark();
    const first = await client.renew();
    expect(first.event).toBe('nak');
    const bound = await client.waitForEvent((e) => e.event === 'bound', 20_000, mark);
    expect(isQuarantine(bound), JSON.stringify(bound)).toBe(true);
    expect(server.output()).toMatch(/"evt":"DHCP_STEERED".*"from":"production","to":"quarantine"/);
  });
});
