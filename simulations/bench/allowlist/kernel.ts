/**
 * The allow-list benchmark's kernel side: a network namespace of its own (`kkbench<pid>`), nft run
 * inside it, the kernel's sets read back, the naive reference (one nft process per endpoint
 * change) and the CPU counters (this process, and the nft children it has reaped).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onCleanup, onExit, ticksPerSecond } from '../common.js';

const SEARCH_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];
const PACKAGES = { nft: 'nftables', ip: 'iproute2' } as const;

/** Absolute path of nft or ip, or an Error naming the Debian package (never a skip). */
export function requireBinary(name: keyof typeof PACKAGES): string {
  for (const dir of SEARCH_DIRS) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  const pkg = PACKAGES[name];
  throw new Error(`\`${name}\` not found in ${SEARCH_DIRS.join(':')}: install the Debian package ${pkg} (apt-get install ${pkg})`);
}

export interface BenchNamespace {
  name: string;
  /** The NftRunner's wrap: `ip netns exec NAME nft ...`. */
  wrap: (argv: string[]) => string[];
  /** The elements of one set of `inet table`, as nft prints them. */
  listSet(table: string, set: string): Set<string>;
  remove(): Promise<void>;
}

/** `ip netns add kkbench<pid>`; removed by the benchmark's cleanup, or at exit at the latest. */
export function createNamespace(ip: string, nft: string): BenchNamespace {
  const name = `kkbench${process.pid}`;
  spawnSync(ip, ['netns', 'del', name], { stdio: 'ignore' });
  execFileSync(ip, ['netns', 'add', name], { stdio: ['ignore', 'ignore', 'pipe'] });
  const del = () => void spawnSync(ip, ['netns', 'del', name], { stdio: 'ignore' });
  onExit(del);
  const remove = onCleanup(del);
  const wrap = (argv: string[]) => [ip, 'netns', 'exec', name, ...argv];
  return {
    name,
    wrap,
    listSet(table, set) {
      const [cmd, ...args] = wrap([nft, '-j', 'list', 'set', 'inet', table, set]);
      const out = execFileSync(cmd!, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
      const doc = JSON.parse(out) as { nftables?: { set?: { elem?: unknown[] } }[] };
      const found = doc.nftables?.find((o) => o.set !== undefined)?.set;
      if (!found) throw new Error(`nft list set inet ${table} ${set}: no set in the listing`);
      return new Set((found.elem ?? []).map((e) => (typeof e === 'string' ? e : JSON.stringify(e))));
    },
    remove,
  };
}

/**
 * The reference: what a NAC that shells out per change does (PacketFence's per-change ipset
 * calls): one nft process per endpoint, adding it to its new set and deleting it from its old one
 * (one command line, `add element ... ; delete element ...`, so one transaction per endpoint).
 * Resolves when nft exited 0, as the applier's runs do.
 */
export function naiveChange(wrap: (argv: string[]) => string[], nft: string, table: string, ip: string, from: string, to: string): Promise<void> {
  const [cmd, ...args] = wrap([nft, 'add', 'element', 'inet', table, to, '{', ip, '}', ';', 'delete', 'element', 'inet', table, from, '{', ip, '}']);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`naive nft for ${ip} (${from} → ${to}) exited ${code ?? 'by signal'}: ${Buffer.concat(err).toString('utf8').trim().slice(0, 500)}`));
    });
  });
}

export interface Cpu {
  /** This process (all threads), µs: process.cpuUsage. */
  node: number;
  /** Children this process has waited for (the nft runs), µs: cutime + cstime of /proc/self/stat. */
  children: number;
}

export function cpuNow(): Cpu {
  const u = process.cpuUsage();
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the command name; cutime and cstime are fields 16 and 17 of stat(5).
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const children = ((Number(f[13]) + Number(f[14])) / ticksPerSecond()) * 1e6;
  return { node: u.user + u.system, children };
}

export const cpuSince = (a: Cpu, b: Cpu = cpuNow()): Cpu => ({ node: b.node - a.node, children: b.children - a.children });
export const cpuAdd = (a: Cpu, b: Cpu): Cpu => ({ node: a.node + b.node, children: a.children + b.children });
