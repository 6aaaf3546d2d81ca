/**
 * The strongSwan VPN harness (helpers/vpn-strongswan.ts) against the real `kenneki serve`: an
 * IKEv2 gateway (charon, eap-radius with accounting) in one namespace with Kenneki as its RADIUS
 * server, a client (charon, EAP-TLS with a device certificate from Kenneki's CA, a virtual IP on
 * a kernel-libipsec TUN device) in another, joined by a veth "internet" link.
 *
 * Proves: the tunnel comes up with a virtual IP from the pool; ping through it reaches the
 * gateway's inside address; Kenneki's sessions API shows the VPN session with framedIp = the
 * virtual IP (Accounting-Start) and its stop after `down` (Accounting-Stop); a device
 * certificate from another CA is refused; a missing binary fails with its Debian package.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadOrCreateCa, type Ca } from '../policy/tnc/ca/index.js';
import { radiusYaml } from '../simulations/radius-yaml.js';
import { locateBinary } from './helpers/dhcp-peers.js';
import type { NsApi } from './helpers/ns-api.js';
import { deviceCertificate } from './helpers/enroll.js';
import { startKennekiInGateway, type GatewayKenneki } from './helpers/vpn-kenneki.js';
import { createVpnNamespaces, requireStrongSwanVpn, startVpnClient, startVpnGateway, type VpnClient, type VpnGateway, type VpnNamespaces } from './helpers/vpn-strongswan.js';

const PASSWORD = 'vpn-harness-bootstrap-password-0123';
const SECRET = 'kenneki-vpn-nas-secret-0123456789';
const HTTP_PORT = 18090;
const POOL = '10.216.9.0/24';
const INSIDE_NET = '10.217.9.0/24';
const INSIDE = '10.217.9.1';
/** The DNS name of Kenneki's EAP server certificate (pt_tls.server_names): the client's aaa_id. */
const RADIUS_NAME = 'radius.kenneki.test';
const DEVICE_ID = 'vpn-laptop-0001';

let dir: string;
let topo: VpnNamespaces | undefined;
let kenneki: GatewayKenneki | undefined;
let ca: Ca;
let api: NsApi;
let gateway: VpnGateway | undefined;
const clients: VpnClient[] = [];
let ping: string;

async function sessions(query: string): Promise<any[]> {
  const r = await api('GET', `/api/v1/sessions${query}`);
  expect(r.status, r.text).toBe(200);
  return r.json.items as any[];
}

describe('IKEv2 VPN (strongSwan) with Kenneki as the RADIUS server', () => {
  beforeAll(async () => {
    requireStrongSwanVpn();
    ping = locateBinary('ping', 'iputils-ping');
    dir = mkdtempSync(join(tmpdir(), 'kk-vpn-'));
    topo = createVpnNamespaces();
    // The gateway's "inside" network: one address on its lo, reachable only through the tunnel.
    topo.addAddress('gateway', `${INSIDE}/32`);

    // `kenneki serve` in the gateway namespace; its CA signs the device certificates below.
    kenneki = await startKennekiInGateway({
      topo,
      dir,
      password: PASSWORD,
      http: { host: '127.0.0.1', port: HTTP_PORT },
      sections: [
        `pt_tls: { port: 0, server_names: [${RADIUS_NAME}] }`,
        // Quarantine VLAN: a device certificate naming no enrolled endpoint is placed there (accepted).
        radiusYaml({ ports: { auth: 1812, acct: 1813 }, lines: ['eap: { methods: [tls] }'], clients: [{ name: 'vpn-gateway', address: '127.0.0.1', secret: SECRET }] }),
      ],
    });
    ({ api, ca } = kenneki);

    gateway = await startVpnGateway({
      ns: topo.namespaces.gateway,
      address: topo.gatewayAddress,
      pool: POOL,
      localTs: [INSIDE_NET],
      radius: { address: '127.0.0.1', authPort: 1812, acctPort: 1813, secret: SECRET, nasIdentifier: 'vpn-gateway' },
      certDir: join(dir, 'gateway'),
      ca,
    });
  });

  afterAll(async () => {
    for (const c of clients) await c.stop().catch(() => undefined);
    await gateway?.stop().catch(() => undefined);
    await kenneki?.stop();
    topo?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a missing binary or plugin fails with the Debian package to install', () => {
    expect(() => requireStrongSwanVpn({ charon: '/nonexistent/charon' })).toThrow(/strongswan-charon/);
    expect(() => requireStrongSwanVpn({ swanctl: '/nonexistent/swanctl' })).toThrow(/strongswan-swanctl/);
    expect(() => requireStrongSwanVpn({ pluginDir: '/nonexistent/plugins' })).toThrow(/apt-get install .*libcharon-extra-plugins/);
  });

  test('EAP-TLS with a device certificate from Kenneki\'s CA: tunnel, ping, session with framedIp, stop on down', { timeout: 90_000 }, async () => {
    const device = await deviceCertificate(ca, DEVICE_ID);
    const client = await startVpnClient({
      ns: topo!.namespaces.client,
      gateway: topo!.gatewayAddress,
      gatewayId: gateway!.id,
      identity: `CN=${DEVICE_ID}`,
      ...device,
      caPem: ca.certPem,
      aaaId: RADIUS_NAME,
      dir: join(dir, 'client'),
    });
    clients.push(client);
    try {
      await tunnelChecks(client).catch((e: Error) => {
        e.message += `\n--- client ---\n${client.log()}\n--- gateway ---\n${gateway!.log()}\n--- kenneki ---\n${kenneki!.process.output()}`;
        throw e;
      });
    } finally {
      await client.stop();
    }
  });

  async function tunnelChecks(client: VpnClient): Promise<void> {
    const t0 = performance.now();
    const { virtualIp } = await client.up(20_000);
    const upMs = performance.now() - t0;
    console.log(`VPN tunnel up in ${upMs.toFixed(0)} ms, virtual IP ${virtualIp}`);
    expect(virtualIp).toMatch(/^10\.216\.9\.(\d+)$/);
    expect(client.tunIf).toBeDefined();

    // The inside address is routed through the TUN device, from the virtual IP.
    const route = topo!.exec('client', ['ip', '-4', 'route', 'get', INSIDE]);
    expect(route, route).toContain(`dev ${client.tunIf!}`);
    expect(route, route).toContain(`src ${virtualIp}`);
    const pinged = await topo!.run('client', [ping, '-c', '3', '-i', '0.2', '-W', '2', INSIDE], 15_000);
    expect(pinged.code, `${pinged.output}\n${client.log()}\n${gateway!.log()}`).toBe(0);
    expect(pinged.output).toMatch(/3 received/);

    // Accounting-Start carried Framed-IP-Address: Kenneki's session has it.
    await expect
      .poll(async () => (await sessions('?active=true')).find((s) => s.framedIp === virtualIp), { timeout: 10_000, interval: 200 })
      .toMatchObject({ nas: 'vpn-gateway', framedIp: virtualIp, userName: `CN=${DEVICE_ID}`, placement: 'quarantine' });
    const live = (await sessions('?active=true')).find((s) => s.framedIp === virtualIp);
    expect(live.stoppedAt).toBeUndefined();
    expect(live.acctSessionId).toBeTruthy();

    // down: DELETE to the gateway, which sends Accounting-Stop.
    await client.down();
    await expect
      .poll(async () => (await sessions('')).find((s) => s.key === live.key), { timeout: 10_000, interval: 200 })
      .toMatchObject({ framedIp: virtualIp, stoppedAt: expect.any(String), stopCause: expect.stringMatching(/^terminate-cause-\d+$/) });
    expect((await sessions('?active=true')).find((s) => s.framedIp === virtualIp)).toBeUndefined();
    // The tunnel is gone: nothing reaches the inside address any more.
    const after = await topo!.run('client', [ping, '-c', '1', '-W', '1', INSIDE], 10_000);
    expect(after.code).not.toBe(0);
  }

  test('a device certificate from another CA is refused (EAP-TLS fails at Kenneki, no tunnel, no session)', { timeout: 60_000 }, async () => {
    const rogueCa = await loadOrCreateCa(join(dir, 'rogue'), { commonName: 'Rogue CA' });
    const rogue = await deviceCertificate(rogueCa, 'rogue-0001');
    const before = kenneki!.process.output().length;
    const client = await startVpnClient({
      ns: topo!.namespaces.client,
      gateway: topo!.gatewayAddress,
      gatewayId: gateway!.id,
      identity: 'CN=rogue-0001',
      ...rogue,
      // The client itself trusts Kenneki's CA (the gateway and the RADIUS server are genuine).
      caPem: ca.certPem,
      aaaId: RADIUS_NAME,
      dir: join(dir, 'rogue-client'),
    });
    clients.push(client);
    try {
      await expect(client.up(20_000)).rejects.toThrow(/swanctl --initiate failed/);
      // The native TLS engine refuses inside the handshake with an 'unknown ca' alert, and
      // strongSwan's client hangs up on it; the TLSSocket engine finishes the handshake and
      // answers EAP-Failure. Either way the refusal is Kenneki's and is logged when it is made.
      expect(client.log()).toMatch(/received fatal TLS alert 'unknown ca'|EAP_FAILURE|EAP_TLS method failed|EAP method EAP_TLS failed/);
      expect(kenneki!.process.output().slice(before)).toMatch(/"evt":"(EAP_TLS_REFUSED|RADIUS_EAP_FAILED)".*client certificate not trusted/);
      // The gateway asked Kenneki and was never told yes: with the alert it sees only Challenges
      // and then the client's AUTH_FAILED; with EAP-Failure, the Reject.
      const from = gateway!.log().indexOf('[CN=rogue-0001]');
      expect(from).toBeGreaterThanOrEqual(0);
      const attempt = gateway!.log().slice(from);
      expect(attempt).toMatch(/sending RADIUS Access-Request to server 'kenneki'/);
      expect(attempt).toMatch(/RADIUS authentication of 'CN=rogue-0001' failed|parsed INFORMATIONAL request \d+ \[ N\(AUTH_FAILED\) \]/);
      expect(attempt).not.toMatch(/Access-Accept|RADIUS authentication of 'CN=rogue-0001' successful/);
      expect((await sessions('?active=true')).filter((s) => s.userName === 'CN=rogue-0001')).toEqual([]);
    } finally {
      await client.stop();
    }
  });
});
