/**
 * ISC Kea (kea-dhcp4, Debian package kea-dhcp4-server) as a reference DHCPv4 server inside a
 * DhcpTopology's server namespace: it proves the DHCP peer harness (dhcp-peers.ts) against a
 * server someone else wrote, before the harness is pointed at Kenneki's.
 *
 * Memfile leases in the topology's temporary folder (persist true, as in
 * shared/bench/peers/kea-dhcp4-memfile.json), raw sockets on the server interface (direct clients
 * have no address yet), short lifetimes so renewals are real. Its pid and logger lock files go to
 * that folder too (KEA_PIDFILE_DIR / KEA_LOCKFILE_DIR): the defaults under /run/kea would make two
 * test runs refuse each other.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireDhcpPeer, type DhcpTopology, type PeerProcess } from './dhcp-peers.js';

export interface KeaOptions {
  /** Pool ranges, e.g. `10.215.2.100 - 10.215.2.199` (the default, on the client segment). */
  pools?: string[];
  /**
   * Clients whose relay put `circuitId` in option 82 (dhcrelay -a: the name of its client-side
   * interface) get `domain` as option 15 instead of the subnet's: the visible proof that option 82
   * reached the server. (Not a class-restricted pool: a renewal is unicast straight to the server,
   * without option 82, and Kea NAKs it when the lease is in a pool the client no longer qualifies for.)
   */
  circuitDomain?: { circuitId: string; domain: string };
  /** Seconds (default 60; renew at half, rebind at 7/8). */
  validLifetime?: number;
  /** Option 6 (default `<clientNet>.53`). */
  dns?: string;
  /** Option 15 (default `kenneki.test`). */
  domain?: string;
  timeoutMs?: number;
}

export interface Kea {
  process: PeerProcess;
  configFile: string;
  leaseFile: string;
  /** What the clients should get as router, DNS, domain and lease time. */
  expected: { router: string; dns: string; domain: string; leaseTime: number; serverId: string };
  stop(): Promise<void>;
}

/** Starts kea-dhcp4 in the server namespace and resolves once it says DHCP4_STARTED. */
export async function startKea(topo: DhcpTopology, opts: KeaOptions = {}): Promise<Kea> {
  const kea = requireDhcpPeer('kea-dhcp4');
  const net = topo.clientNet;
  const validLifetime = opts.validLifetime ?? 60;
  const dns = opts.dns ?? `${net}.53`;
  const domain = opts.domain ?? 'kenneki.test';
  const pools = opts.pools ?? [`${net}.100 - ${net}.199`];
  const cd = opts.circuitDomain;
  const leaseFile = join(topo.dir, 'kea-leases4.csv');
  const config = {
    Dhcp4: {
      'interfaces-config': { interfaces: [topo.interfaces.server], 'dhcp-socket-type': 'raw' },
      'lease-database': { type: 'memfile', persist: true, name: leaseFile, 'lfc-interval': 3600 },
      'valid-lifetime': validLifetime,
      'renew-timer': Math.floor(validLifetime / 2),
      'rebind-timer': Math.floor((validLifetime * 7) / 8),
      'multi-threading': { 'enable-multi-threading': false },
      // relay4[1] is option 82's circuit-id sub-option; .hex is its raw bytes, compared to a string.
      // (Kea refuses an empty client-classes list, hence the spread.)
      ...(cd === undefined
        ? {}
        : { 'client-classes': [{ name: 'circuit', test: `relay4[1].hex == '${cd.circuitId}'`, 'option-data': [{ name: 'domain-name', data: cd.domain }] }] }),
      // Global, not in the subnet: Kea ranks class options above global ones but below the
      // subnet's, so only a global default lets the circuit class's domain win.
      'option-data': [{ name: 'domain-name', data: domain }],
      subnet4: [
        {
          id: 1,
          // In relay mode Kea picks this subnet because the giaddr (the relay's client-side
          // address) lies in it; no interface is named, so only relayed packets can match.
          subnet: topo.clientSubnet,
          pools: pools.map((pool) => ({ pool })),
          'option-data': [
            { name: 'routers', data: topo.clientGateway },
            { name: 'domain-name-servers', data: dns },
          ],
        },
      ],
      // INFO on stdout: DHCP4_STARTED (readiness) and one line per lease, kept for failure messages.
      loggers: [{ name: 'kea-dhcp4', output_options: [{ output: 'stdout' }], severity: 'INFO' }],
    },
  };
  const configFile = join(topo.dir, 'kea-dhcp4.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const proc = topo.spawn('server', 'kea-dhcp4', [kea, '-c', configFile], {
    ...process.env,
    KEA_PIDFILE_DIR: topo.dir,
    KEA_LOCKFILE_DIR: topo.dir,
  });
  await proc.waitFor(/DHCP4_STARTED/, opts.timeoutMs ?? 10_000);
  return {
    process: proc,
    configFile,
    leaseFile,
    expected: { router: topo.clientGateway, dns, domain, leaseTime: validLifetime, serverId: topo.serverAddress },
    async stop() {
      const from = proc.output().length;
      await proc.stop('SIGTERM');
      // A clean stop logs DHCP4_SHUTDOWN; anything else would mean it was killed.
      if (!/DHCP4_SHUTDOWN/.test(proc.output().slice(from))) throw new Error(`kea-dhcp4 did not shut down cleanly:\n${proc.output().slice(from)}`);
    },
  };
}
