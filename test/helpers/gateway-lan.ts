/**
 * Hosts around a gateway namespace, for allow-list tests: each host is a namespace of the test's
 * own joined to the gateway's namespace by a veth pair, on a /24 of its own with the gateway at .1
 * as its default route (a routed segment, as behind a router port or a VPN). The probes the tests
 * judge reachability with are in probes.ts.
 *
 * Needs root, iproute2, iputils-ping and util-linux (setpriv); a missing binary fails with the
 * package name.
 */
import { execFileSync } from 'node:child_process';
import { requireDhcpPeer } from './dhcp-peers.js';

export interface LanHost {
  ns: string;
  /** The host's address; the gateway is `${net}.1`. */
  ip: string;
  gatewayIp: string;
  /** The pair's end inside the gateway namespace. */
  gatewayIf: string;
  wrap(argv: readonly string[]): string[];
  exec(argv: readonly string[]): string;
  remove(): void;
}

function ipCmd(args: string[]): void {
  try {
    execFileSync(requireDhcpPeer('ip'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new Error(`ip ${args.join(' ')}: ${(e as { stderr?: Buffer }).stderr?.toString().trim() ?? String(e)}`);
  }
}

/** `net` is the first three octets, e.g. `10.218.8`; the host gets `${net}.${octet}`. */
export function attachHost(gatewayNs: string, name: string, net: string, octet = 10): LanHost {
  const ip = requireDhcpPeer('ip');
  const ns = `kkgl${name}${process.pid}`;
  const gatewayIf = `gl${name}`.slice(0, 15);
  try {
    ipCmd(['netns', 'del', ns]);
  } catch {
    /* no leftover */
  }
  ipCmd(['netns', 'add', ns]);
  const host: LanHost = {
    ns,
    ip: `${net}.${octet}`,
    gatewayIp: `${net}.1`,
    gatewayIf,
    wrap: (argv) => [ip, 'netns', 'exec', ns, ...argv],
    exec(argv) {
      const [file, ...args] = host.wrap(argv) as [string, ...string[]];
      return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    },
    remove() {
      try {
        ipCmd(['netns', 'del', ns]);
      } catch {
        /* gone */
      }
    },
  };
  try {
    ipCmd(['-n', gatewayNs, 'link', 'add', gatewayIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    ipCmd(['-n', gatewayNs, 'addr', 'add', `${net}.1/24`, 'dev', gatewayIf]);
    ipCmd(['-n', gatewayNs, 'link', 'set', gatewayIf, 'up']);
    ipCmd(['-n', ns, 'addr', 'add', `${host.ip}/24`, 'dev', 'eth0']);
    ipCmd(['-n', ns, 'link', 'set', 'eth0', 'up']);
    ipCmd(['-n', ns, 'link', 'set', 'lo', 'up']);
    ipCmd(['-n', ns, 'route', 'add', 'default', 'via', `${net}.1`]);
  } catch (e) {
    host.remove();
    throw e;
  }
  return host;
}

/** A bare namespace of the test's own with lo up and IPv4 forwarding on: a router. */
export function createRouterNs(name: string): { ns: string; wrap(argv: readonly string[]): string[]; exec(argv: readonly string[]): string; remove(): void } {
  const ip = requireDhcpPeer('ip');
  const ns = `kkgr${name}${process.pid}`;
  try {
    ipCmd(['netns', 'del', ns]);
  } catch {
    /* no leftover */
  }
  ipCmd(['netns', 'add', ns]);
  ipCmd(['-n', ns, 'link', 'set', 'lo', 'up']);
  const r = {
    ns,
    wrap: (argv: readonly string[]) => [ip, 'netns', 'exec', ns, ...argv],
    exec(argv: readonly string[]) {
      const [file, ...args] = r.wrap(argv) as [string, ...string[]];
      return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    },
    remove() {
      try {
        ipCmd(['netns', 'del', ns]);
      } catch {
        /* gone */
      }
    },
  };
  r.exec(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  return r;
}

/** Polls until `fn` is true (every 100 ms); fails naming `what` after `ms`. Resolves with the time it took. */
export async function until(what: string, fn: () => Promise<boolean> | boolean, ms = 10_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await fn()) return Date.now() - t0;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
