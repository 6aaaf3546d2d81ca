/**
 * The inside LAN behind a VPN gateway namespace (helpers/vpn-strongswan.ts): one namespace per
 * server host ("production", "remediation", ...), each joined to the gateway namespace by a veth
 * pair on a /30 of its own, with a default route back through the gateway (so replies reach the
 * VPN pool), and IPv4 forwarding on in the gateway namespace. Each host runs a small node HTTP
 * server on the given TCP ports that answers every request with its body text.
 *
 * Namespaces are `kkv<tag><letter><pid>` like the VPN namespaces; the veth ends are `kvl<i>` in the
 * gateway namespace and `kvl0` in the host's. Everything is removed by `remove()` (and at process
 * exit, for a test that throws before its afterAll). Needs root, iproute2 and util-linux (setpriv).
 */
import { execFileSync } from 'node:child_process';
import { spawnPeer, type PeerProcess } from './dhcp-peers.js';
import type { VpnNamespaces } from './vpn-strongswan.js';

export interface VpnLanHostSpec {
  /** Role name, e.g. production. Its first letter goes into the namespace name (keep them distinct). */
  name: string;
  /** The /30 network's first three octets and base, e.g. `10.217.41.0`: gateway side .1, host .2. */
  network: string;
  /** TCP ports its HTTP server listens on. */
  ports: number[];
  /** What every HTTP request gets back (text/plain). */
  body: string;
}

export interface VpnLanHost extends VpnLanHostSpec {
  ns: string;
  /** The host's address. */
  address: string;
  /** The gateway namespace's address on that link (the host's default route). */
  gatewaySide: string;
  server: PeerProcess;
}

export interface VpnLan {
  hosts: Record<string, VpnLanHost>;
  /** The /30 links, as CIDRs. */
  links: string[];
  /** argv running inside a host's namespace. */
  wrap(name: string, argv: readonly string[]): string[];
  /** Stops the servers and deletes the namespaces (and so the veths). Idempotent. */
  remove(): Promise<void>;
}

const SERVER = `
const http = require('node:http');
const [body, ...ports] = process.argv.slice(1);
let ready = 0;
for (const port of ports) {
  const s = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end(body);
  });
  s.listen(Number(port), '0.0.0.0', () => {
    if (++ready === ports.length) console.log('READY ' + ports.join(','));
  });
}`;

const live = new Set<() => void>();
let hooked = false;

function offsetIp(network: string, n: number): string {
  const o = network.split('.').map(Number);
  if (o.length !== 4 || o.some((x) => !Number.isInteger(x) || x < 0 || x > 255) || o[3]! % 4 !== 0) throw new Error(`vpn-lan: ${network} is not the base of a /30`);
  return `${o[0]}.${o[1]}.${o[2]}.${o[3]! + n}`;
}

/** Builds the LAN behind `topo`'s gateway namespace and starts each host's server. */
export async function createVpnLan(topo: VpnNamespaces, specs: VpnLanHostSpec[], opts: { tag?: string; ip?: string } = {}): Promise<VpnLan> {
  const ip = opts.ip ?? 'ip';
  const gw = topo.namespaces.gateway;
  const tag = opts.tag ?? '';
  const hosts: Record<string, VpnLanHost> = {};
  const namespaces: string[] = [];
  const servers: PeerProcess[] = [];
  const ipRun = (args: string[]) => {
    try {
      execFileSync(ip, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      throw new Error(`ip ${args.join(' ')}: ${(e as { stderr?: Buffer }).stderr?.toString().trim() || String(e)}`);
    }
  };
  const delNamespaces = () => {
    for (const ns of namespaces) {
      try {
        execFileSync(ip, ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        /* not there */
      }
    }
  };
  let removed = false;
  const remove = async () => {
    if (removed) return;
    removed = true;
    live.delete(delNamespaces);
    await Promise.all(servers.map((s) => s.stop('SIGTERM', 2_000).catch(() => undefined)));
    delNamespaces();
  };
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const d of live) d();
    });
  }
  live.add(delNamespaces);
  try {
    // Forward between the tunnel and the LAN.
    topo.exec('gateway', ['sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
    for (const [i, spec] of specs.entries()) {
      const ns = `kkv${tag}${spec.name[0]}${process.pid}`;
      // A killed run with the same pid may have left it.
      try {
        execFileSync(ip, ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        /* not there */
      }
      namespaces.push(ns);
      const address = offsetIp(spec.network, 2);
      const gatewaySide = offsetIp(spec.network, 1);
      const gwIf = `kvl${i + 1}`;
      ipRun(['netns', 'add', ns]);
      ipRun(['-n', ns, 'link', 'set', 'lo', 'up']);
      ipRun(['link', 'add', gwIf, 'netns', gw, 'type', 'veth', 'peer', 'name', 'kvl0', 'netns', ns]);
      ipRun(['-n', gw, 'addr', 'add', `${gatewaySide}/30`, 'dev', gwIf]);
      ipRun(['-n', ns, 'addr', 'add', `${address}/30`, 'dev', 'kvl0']);
      ipRun(['-n', gw, 'link', 'set', gwIf, 'up']);
      ipRun(['-n', ns, 'link', 'set', 'kvl0', 'up']);
      ipRun(['-n', ns, 'route', 'add', 'default', 'via', gatewaySide]);
      const server = spawnPeer(`${spec.name}-http(${ns})`, [ip, 'netns', 'exec', ns, process.execPath, '-e', SERVER, spec.body, ...spec.ports.map(String)]);
      servers.push(server);
      await server.waitFor(/READY/, 10_000);
      hosts[spec.name] = { ...spec, ns, address, gatewaySide, server };
    }
  } catch (e) {
    await remove();
    throw e;
  }
  return {
    hosts,
    links: specs.map((s) => `${s.network}/30`),
    wrap(name, argv) {
      const h = hosts[name];
      if (!h) throw new Error(`vpn-lan: no host ${name}`);
      return [ip, 'netns', 'exec', h.ns, ...argv];
    },
    remove,
  };
}
