/**
 * The two namespaces of the VPN test harness (vpn-strongswan.ts): the remote client and the VPN
 * gateway, joined by a veth pair (the "internet" link), cleaned up at exit too.
 */
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { atExit } from '../../simulations/peers/kill-on-exit.js';
import { execInNamespace } from '../../simulations/peers/ns-exec.js';
import { spawnPeer } from './dhcp-peers.js';
import { requireStrongSwanVpn } from './vpn-charon.js';

// ---------------------------------------------------------------------------------------------
// Namespaces

export type VpnRole = 'gateway' | 'client';

export interface VpnNamespaces {
  /** Namespace names (they carry the pid). */
  namespaces: Record<VpnRole, string>;
  /** The veth ends, each inside its own namespace. */
  interfaces: Record<VpnRole, string>;
  /** The "internet" link's /30, e.g. 198.18.12.20/30; the gateway is the first host, the client the second. */
  link: string;
  gatewayAddress: string;
  clientAddress: string;
  /** argv running inside that namespace (`ip netns exec`). */
  wrap(role: VpnRole, argv: readonly string[]): string[];
  /** Runs synchronously inside the namespace; throws with stderr on a non-zero exit. */
  exec(role: VpnRole, argv: readonly string[]): string;
  /** Async variant of exec: resolves with code and output, never rejects on a non-zero exit. */
  run(role: VpnRole, argv: readonly string[], timeoutMs?: number): Promise<{ code: number; output: string }>;
  /** Adds an address (CIDR) in the namespace, on `dev` (default lo: an "inside" address of the gateway). */
  addAddress(role: VpnRole, cidr: string, dev?: string): void;
  /** Deletes both namespaces (and so the veth pair). Idempotent. */
  remove(): void;
}

/**
 * Creates `kkv<tag>g<pid>` (gateway) and `kkv<tag>c<pid>` (client), lo up in both, joined by a veth
 * pair on a /30 of 198.18.0.0/16 chosen by pid, so parallel test files (one process each) never
 * share names or addresses. Leftovers of a killed run with the same pid go first.
 */
export function createVpnNamespaces(opts: { tag?: string } = {}): VpnNamespaces {
  const { ip } = requireStrongSwanVpn();
  const tag = opts.tag ?? '';
  const namespaces: Record<VpnRole, string> = { gateway: `kkv${tag}g${process.pid}`, client: `kkv${tag}c${process.pid}` };
  const interfaces: Record<VpnRole, string> = { gateway: 'kvg0', client: 'kvc0' };
  const base = (process.pid % 16_384) * 4;
  const net = `198.18.${Math.floor(base / 256)}`;
  const last = base % 256;
  const gatewayAddress = `${net}.${last + 1}`;
  const clientAddress = `${net}.${last + 2}`;
  const ipRun = (args: string[]) => {
    try {
      execFileSync(ip, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      throw new Error(`ip ${args.join(' ')}: ${(e as { stderr?: Buffer }).stderr?.toString().trim() || String(e)}`);
    }
  };
  const del = () => {
    for (const ns of Object.values(namespaces)) {
      try {
        execFileSync(ip, ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        /* not there */
      }
    }
  };
  const wrap = (role: VpnRole, argv: readonly string[]) => [ip, 'netns', 'exec', namespaces[role], ...argv];
  const topo: VpnNamespaces = {
    namespaces,
    interfaces,
    link: `${net}.${last}/30`,
    gatewayAddress,
    clientAddress,
    wrap,
    exec(role, argv) {
      return execInNamespace(wrap(role, argv), argv, namespaces[role]);
    },
    run(role, argv, timeoutMs = 30_000) {
      const [file, ...args] = wrap(role, argv) as [string, ...string[]];
      return new Promise((resolve) => {
        execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
          resolve({ code, output: `${stdout}${stderr}` });
        });
      });
    },
    addAddress(role, cidr, dev = 'lo') {
      ipRun(['-n', namespaces[role], 'addr', 'add', cidr, 'dev', dev]);
    },
    remove() {
      del();
      forget();
    },
  };
  del();
  // A test that throws before afterAll's remove() must not leave namespaces (daemons: spawnPeer's own hook).
  const forget = atExit(() => topo.remove());
  try {
    for (const ns of Object.values(namespaces)) {
      ipRun(['netns', 'add', ns]);
      ipRun(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    // Created straight between the two namespaces: the root namespace never sees the pair.
    ipRun(['link', 'add', interfaces.gateway, 'netns', namespaces.gateway, 'type', 'veth', 'peer', 'name', interfaces.client, 'netns', namespaces.client]);
    ipRun(['-n', namespaces.gateway, 'addr', 'add', `${gatewayAddress}/30`, 'dev', interfaces.gateway]);
    ipRun(['-n', namespaces.client, 'addr', 'add', `${clientAddress}/30`, 'dev', interfaces.client]);
    ipRun(['-n', namespaces.gateway, 'link', 'set', interfaces.gateway, 'up']);
    ipRun(['-n', namespaces.client, 'link', 'set', interfaces.client, 'up']);
  } catch (e) {
    topo.remove();
    throw e;
  }
  return topo;
}

