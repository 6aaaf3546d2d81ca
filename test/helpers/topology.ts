/**
 * A small LAN of namespaces, all of the test's own: one "lan" namespace holding a Linux bridge,
 * and one namespace per host, each joined to the bridge by a veth pair created directly between
 * the two namespaces (the root namespace gets no interface and sees no traffic). Every host has an
 * IPv4 address in 10.214.0.0/24 and an IPv6 one in fd6b:6b::/64; the namespaces are isolated from
 * every other run's, so the addresses are fixed and names only need the pid.
 *
 * Needs root, iproute2 (`ip`) and node; a missing `ip` fails with the package name.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PING_BIN, pings, tcpConnects } from './probes.js';

export const IP_BIN = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((p) => existsSync(p));
export const NFT_BIN = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft'].find((p) => existsSync(p));
export { PING_BIN };

export function requireBinaries(): { ip: string; nft: string; ping: string } {
  if (IP_BIN === undefined) throw new Error('`ip` not found: install the Debian package iproute2');
  if (NFT_BIN === undefined) throw new Error('`nft` not found: install the Debian package nftables');
  if (PING_BIN === undefined) throw new Error('`ping` not found: install the Debian package iputils-ping');
  return { ip: IP_BIN, nft: NFT_BIN, ping: PING_BIN };
}

export interface LanHost {
  role: string;
  ns: string;
  v4: string;
  v6: string;
}

export interface Lan {
  lanNs: string;
  hosts: Record<string, LanHost>;
  /** argv that runs inside the host's namespace. */
  wrap(host: LanHost, argv: readonly string[]): string[];
  /** Runs synchronously inside the namespace; throws on a non-zero exit (stderr in the message). */
  exec(host: LanHost, argv: readonly string[], input?: string): string;
  /** Starts a TCP listener (node) on `ports`, dual-stack; resolves when it listens. */
  listen(host: LanHost, ports: readonly number[]): Promise<void>;
  /** True when a TCP connection from `from` to address:port completes within `timeoutMs`. */
  tcpConnect(from: LanHost, address: string, port: number, timeoutMs?: number): Promise<boolean>;
  /** True when one echo request from `from` is answered within `timeoutMs`. */
  ping(from: LanHost, address: string, timeoutMs?: number): Promise<boolean>;
  /** Stops the listeners (by pid) and deletes every namespace. Idempotent. */
  remove(): void;
}

const LISTENER = `
const net = require('node:net');
const ports = process.argv.slice(1).map(Number);
let ready = 0;
for (const port of ports) {
  net.createServer((s) => { s.on('error', () => {}); s.end('ok\\n'); })
    .listen({ port, host: '::', ipv6Only: false }, () => { if (++ready === ports.length) console.log('listening'); });
}`;


/** Hosts get .2, .3, ... in order of `roles`. */
export function createLan(tag: string, roles: readonly string[]): Lan {
  const { ip } = requireBinaries();
  const lanNs = `kk${tag}lan${process.pid}`;
  const hosts: Record<string, LanHost> = {};
  roles.forEach((role, i) => {
    hosts[role] = { role, ns: `kk${tag}${role}${process.pid}`, v4: `10.214.0.${i + 2}`, v6: `fd6b:6b::${i + 2}` };
  });
  const namespaces = [lanNs, ...Object.values(hosts).map((h) => h.ns)];
  const children: ChildProcess[] = [];
  const run = (args: string[]) => execFileSync(ip, args, { stdio: ['ignore', 'ignore', 'pipe'] });

  const lan: Lan = {
    lanNs,
    hosts,
    wrap: (host, argv) => [ip, 'netns', 'exec', host.ns, ...argv],
    exec(host, argv, input) {
      const [file, ...args] = lan.wrap(host, argv) as [string, ...string[]];
      return execFileSync(file, args, { input: input ?? '', encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    },
    listen(host, ports) {
      const child = spawn(ip, ['netns', 'exec', host.ns, process.execPath, '-e', LISTENER, ...ports.map(String)], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      return new Promise((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`listener in ${host.ns} not ready: ${out}`)), 10_000);
        const onData = (d: Buffer) => {
          out += d.toString();
          if (out.includes('listening')) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`listener in ${host.ns} exited (${String(code)}): ${out}`));
        });
      });
    },
    tcpConnect: (from, address, port, timeoutMs = 500) => tcpConnects((argv) => [ip, 'netns', 'exec', from.ns, ...argv], address, port, { timeoutMs }),
    ping: (from, address, timeoutMs = 500) => pings((argv) => [ip, 'netns', 'exec', from.ns, ...argv], address, timeoutMs),
    remove() {
      for (const c of children.splice(0)) {
        if (c.pid !== undefined && c.exitCode === null) {
          try {
            process.kill(c.pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }
      for (const ns of namespaces) {
        try {
          run(['netns', 'del', ns]);
        } catch {
          /* not there */
        }
      }
    },
  };

  lan.remove(); // leftovers of a killed run with this pid
  try {
    run(['netns', 'add', lanNs]);
    run(['-n', lanNs, 'link', 'add', 'br0', 'type', 'bridge']);
    run(['-n', lanNs, 'link', 'set', 'br0', 'up']);
    run(['-n', lanNs, 'link', 'set', 'lo', 'up']);
    Object.values(hosts).forEach((h, i) => {
      run(['netns', 'add', h.ns]);
      run(['link', 'add', 'eth0', 'netns', h.ns, 'type', 'veth', 'peer', 'name', `port${i}`, 'netns', lanNs]);
      run(['-n', lanNs, 'link', 'set', `port${i}`, 'master', 'br0']);
      run(['-n', lanNs, 'link', 'set', `port${i}`, 'up']);
      run(['-n', h.ns, 'link', 'set', 'lo', 'up']);
      run(['-n', h.ns, 'addr', 'add', `${h.v4}/24`, 'dev', 'eth0']);
      run(['-n', h.ns, 'addr', 'add', `${h.v6}/64`, 'dev', 'eth0', 'nodad']);
      run(['-n', h.ns, 'link', 'set', 'eth0', 'up']);
    });
  } catch (e) {
    lan.remove();
    throw e;
  }
  return lan;
}

/** [from, to, probe, port, family, reachable]: one path a test asserts, success or failure. */
export type Reachability<R extends string> = [R, R, 'tcp' | 'ping', number | undefined, 4 | 6, boolean];

/**
 * Probes every path with real packets at once and returns the same rows with what was observed,
 * so a test compares the whole table in one assertion and a failure shows every wrong path.
 */
export async function probeReachability<R extends string>(lan: Lan, hosts: Record<R, LanHost>, expectations: readonly Reachability<R>[]): Promise<Reachability<R>[]> {
  return Promise.all(
    expectations.map(async ([from, to, probe, port, family]): Promise<Reachability<R>> => {
      const address = family === 4 ? hosts[to].v4 : hosts[to].v6;
      const ok = probe === 'ping' ? await lan.ping(hosts[from], address) : await lan.tcpConnect(hosts[from], address, port!);
      return [from, to, probe, port, family, ok];
    }),
  );
}
