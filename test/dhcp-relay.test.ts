/**
 * DHCP through a real relay (issue 7): `dhcrelay -a` (isc-dhcp-relay) in a namespace between the
 * client's segment and the server's, adding option 82. The relay's giaddr picks the scope, the
 * replies go back to the relay on port 67 with option 82 echoed byte for byte (tcpdump on the
 * relay's uplink reads it), a real dhclient and udhcpc get leases from the relayed scope, and
 * unicast renewals (no relay, no option 82) are placed by their address.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDhcpTopology, requireDhcpPeer, startDhclient, startDhcrelay, startUdhcpc, type DhcpTopology, type Dhcrelay, type PeerProcess } from './helpers/dhcp-peers.js';
import { startKennekiDhcp, type KennekiDhcp } from './helpers/dhcp-server.js';
import type { NsApi } from './helpers/ns-api.js';

const PASSWORD = 'dhcp-relay-bootstrap-password-0123';

let dir: string;
let topo: DhcpTopology;
let server: KennekiDhcp;
let relay: Dhcrelay;
let capture: PeerProcess;
let api: NsApi;
let token: string | undefined;

describe('DHCP through a real relay (dhcrelay with option 82)', () => {
  beforeAll(async () => {
    const tcpdump = requireDhcpPeer('tcpdump');
    dir = mkdtempSync(join(tmpdir(), 'kk-dhcp-relay-'));
    topo = createDhcpTopology({ relay: true, clientMac: '02:00:5e:30:00:01', tag: 'y' });
    server = await startKennekiDhcp(topo, {
      dir, logLevel: 'debug', httpPort: 18082, password: PASSWORD,
      dhcp: [
        '  enabled: true',
        `  server_id: ${topo.serverAddress}`,
        '  scopes:',
        // A direct scope the relayed clients must never be served from.
        '    - name: server-segment',
        '      direct: true',
        '      pools:',
        '        production: { subnet: 10.215.3.0/24, range: 10.215.3.100-10.215.3.149, routers: [10.215.3.1] }',
        '        quarantine: { subnet: 10.215.3.0/24, range: 10.215.3.200-10.215.3.239, routers: [10.215.3.1] }',
        '    - name: branch',
        '      pools:',
        '        production: { subnet: 10.215.2.0/24, range: 10.215.2.100-10.215.2.149, routers: [10.215.2.1], dns: [10.215.2.53] }',
        '        quarantine: { subnet: 10.215.2.0/24, range: 10.215.2.200-10.215.2.239, routers: [10.215.2.1], dns: [10.215.2.254], domain: quarantine.test, lease_seconds: 45 }',
      ],
    });
    api = server.api(() => token);
    const login = await api('POST', '/api/v1/auth/login', { tenant: 'default', username: 'admin', password: PASSWORD });
    expect(login.status, JSON.stringify(login.json)).toBe(200);
    token = login.json.token;
    // What the server sends the relay, decoded verbosely (option 82 and its sub-options included).
    capture = topo.spawn('relay', 'tcpdump', [tcpdump, '-l', '-n', '-vv', '-i', topo.interfaces.relayUp!, 'udp', 'and', 'src', 'host', topo.serverAddress, 'and', 'src', 'port', '67']);
    await capture.waitFor(/listening on/, 10_000);
    relay = await startDhcrelay(topo, { agentInfo: true });
  }, 90_000);

  afterAll(async () => {
    await relay?.stop();
    await capture?.stop('SIGTERM');
    await server?.stop();
    topo?.remove();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  test('udhcpc through the relay gets a quarantine lease from the relayed scope, and the reply to the relay echoes option 82', async () => {
    const c = startUdhcpc(topo, { hostname: 'branch-laptop' });
    try {
      const bound = await c.waitForEvent((e) => e.event === 'bound', 20_000);
      expect(bound.ip).toMatch(/^10\.215\.2\.2(0\d|[1-3]\d)$/);
      expect(bound).toMatchObject({ router: '10.215.2.1', domain: 'quarantine.test', leaseTime: 45, serverId: topo.serverAddress });
      expect(bound.dns).toEqual(['10.215.2.254']);
      // The server answered the relay (port 67) with the relay's own Circuit-ID back in option 82.
      await expect.poll(() => capture.output(), { timeout: 5000 }).toMatch(/Agent-Information \(82\)/);
      expect(capture.output()).toMatch(new RegExp(`Circuit-ID SubOption 1, length ${relay.circuitId.length}: ${relay.circuitId}`));
      expect(capture.output()).toMatch(new RegExp(`${topo.serverAddress.replace(/\./g, '\\.')}\\.67 > ${topo.relayAddresses!.down.replace(/\./g, '\\.')}\\.67`));
      // A unicast renewal (straight to the server, no relay) is placed by its address and ACKed.
      const renewed = await c.renew();
      expect(renewed, JSON.stringify(renewed)).toMatchObject({ event: 'renew', ip: bound.ip });
      const leases = await api('GET', `/api/v1/dhcp/leases?mac=${topo.clientMac}`);
      expect(leases.json.items).toMatchObject([{ scope: 'branch', ip: bound.ip, pool: 'quarantine', hostname: 'branch-laptop' }]);
    } finally {
      await c.stop();
    }
  });

  test('dhclient through the relay gets a lease from the relayed scope too', async () => {
    topo.setClientMac('02:00:5e:30:00:02');
    const c = startDhclient(topo, {});
    try {
      const bound = await c.waitForLease();
      expect(bound.ip).toMatch(/^10\.215\.2\.2(0\d|[1-3]\d)$/);
      expect(bound.router).toBe('10.215.2.1');
      const leases = await api('GET', '/api/v1/dhcp/leases?scope=server-segment');
      expect(leases.json.total).toBe(0);
    } finally {
      await c.stop();
    }
  });
});
