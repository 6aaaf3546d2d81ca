/**
 * A network namespace of the test's own, joined to the host by a veth pair: the "client machine"
 * for peers that must see a network state of their own (IPv4 forwarding on, say) without
 * touching the host's. Traffic stays on the pair; nothing is routed anywhere else.
 *
 * Needs root and iproute2 (`ip`). A missing `ip` fails the test with the package name.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface TestNetns {
  name: string;
  /** Address of the host end of the pair: listen here to be reachable from inside. */
  hostAddress: string;
  /** Address of the namespace end. */
  nsAddress: string;
  /** Runs `argv` inside the namespace (as `ip netns exec <name> ...`). */
  wrap(argv: string[]): string[];
  /** Sets a sysctl inside the namespace only, e.g. net.ipv4.ip_forward=1. */
  sysctl(key: string, value: string): void;
  remove(): void;
}

const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((p) => existsSync(p));

function ip(args: string[]): void {
  if (IP === undefined) throw new Error('`ip` not found: install the Debian package iproute2');
  execFileSync(IP, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Creates `kk<tag><pid>` with a /30 from 10.213.0.0/16 chosen by pid, so parallel test files
 * (one process each) never collide. Interface names stay within the kernel's 15 characters.
 */
export function createTestNetns(tag: string): TestNetns {
  if (IP === undefined) throw new Error('`ip` not found: install the Debian package iproute2');
  const id = process.pid % 16_000;
  const name = `kk${tag}${process.pid}`;
  const hostIf = `kk${tag}h${id}`.slice(0, 15);
  const nsIf = `kk${tag}n${id}`.slice(0, 15);
  const base = id * 4;
  const net = `10.213.${Math.floor(base / 256) % 256}.${base % 256}`;
  const [a, b, c, d] = net.split('.').map(Number) as [number, number, number, number];
  const hostAddress = `${a}.${b}.${c}.${d + 1}`;
  const nsAddress = `${a}.${b}.${c}.${d + 2}`;

  // Leftovers from a run that was killed: start clean.
  try {
    ip(['netns', 'del', name]);
  } catch {
    /* none */
  }
  try {
    ip(['link', 'del', hostIf]);
  } catch {
    /* none */
  }
  ip(['netns', 'add', name]);
  const created: TestNetns = {
    name,
    hostAddress,
    nsAddress,
    wrap: (argv) => [IP, 'netns', 'exec', name, ...argv],
    sysctl(key, value) {
      ip(['netns', 'exec', name, 'sysctl', '-q', '-w', `${key}=${value}`]);
    },
    remove() {
      try {
        ip(['netns', 'del', name]); // takes its end of the pair, and so the pair, with it
      } catch {
        /* already gone */
      }
    },
  };
  try {
    ip(['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
    ip(['link', 'set', nsIf, 'netns', name]);
    ip(['addr', 'add', `${hostAddress}/30`, 'dev', hostIf]);
    ip(['link', 'set', hostIf, 'up']);
    ip(['netns', 'exec', name, 'ip', 'addr', 'add', `${nsAddress}/30`, 'dev', nsIf]);
    ip(['netns', 'exec', name, 'ip', 'link', 'set', nsIf, 'up']);
    ip(['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  } catch (e) {
    created.remove();
    throw e;
  }
  return created;
}
