/**
 * The DHCP benchmark's namespaces: perfdhcp acting as the relay in one, the server under test (Kea
 * or Kenneki, one after the other) in the other, a veth pair between them. A trimmed copy of the
 * relay topology in test/helpers/dhcp-peers.ts (which the build does not compile): no client
 * namespace, because relayed perfdhcp is the relay and the clients at once.
 *
 *   relay ns "kkbd<pid>r"                          server ns "kkbd<pid>s"
 *   vkea-r 10.201.0.2/24 + 10.200.0.1/32 (giaddr) ── vkea-s 10.201.0.1/24, route 10.200.0.0/16 via 10.201.0.2
 *
 * The client side is shared/bench/peers/kea-dhcp4-memfile.json's subnet (10.200.0.0/16, router
 * 10.200.0.1) and the server interface carries the name that file gives it (`vkea-s`), so the
 * reference config runs unchanged but for its KEA_DIR placeholder. perfdhcp sends from the
 * interface holding its -l address, so the giaddr sits on the server-side interface as a /32
 * (perfdhcp quirk, see dhcp-peers.ts). Only the relay namespace forwards; nothing is routed to or
 * from the root namespace. Names carry the pid: other runs may share the kernel.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { onCleanup, onExit } from '../common.js';
import { execInNamespace } from '../../peers/ns-exec.js';
import { settled } from '../../peers/child-settled.js';

const SEARCH_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];

/** Debian package of each binary the benchmark runs, for the failure message. */
export const DHCP_BENCH_PACKAGES = { ip: 'iproute2', setpriv: 'util-linux', perfdhcp: 'kea-admin', 'kea-dhcp4': 'kea-dhcp4-server' } as const;

const located = new Map<string, string>();
/** Absolute path of one of the binaries, or an Error naming the Debian package (never a skip). */
export function requireBinary(name: keyof typeof DHCP_BENCH_PACKAGES): string {
  const known = located.get(name);
  if (known) return known;
  for (const dir of SEARCH_DIRS) {
    const p = join(dir, name);
    if (existsSync(p)) {
      located.set(name, p);
      return p;
    }
  }
  const pkg = DHCP_BENCH_PACKAGES[name];
  throw new Error(`\`${name}\` not found in ${SEARCH_DIRS.join(':')}: install the Debian package ${pkg} (apt-get install ${pkg})`);
}

export const NET = {
  /** The clients' subnet (the reference config's), and the relay's address in it: the giaddr. */
  clientSubnet: '10.200.0.0/16',
  giaddr: '10.200.0.1',
  server: '10.201.0.1',
  relayUp: '10.201.0.2',
  serverIf: 'vkea-s',
  relayIf: 'vkea-r',
} as const;

/** Addresses in `a.b.c.d-e.f.g.h` or `a.b.c.d - e.f.g.h`. */
export function rangeSize(range: string): number {
  const [lo, hi] = range.split('-').map((s) => s.trim().split('.').reduce((n, o) => n * 256 + Number(o), 0)) as [number, number];
  return hi - lo + 1;
}

export type Role = 'relay' | 'server';

export interface NsProcess {
  name: string;
  child: ChildProcess;
  /** The program's own pid: setpriv and `ip netns exec` both exec. */
  pid: number;
  output(): string;
  waitFor(re: RegExp, timeoutMs: number): Promise<void>;
  exited: Promise<number | null>;
  /** `signal` (SIGTERM), SIGKILL after graceMs; resolves once it is gone. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface BenchNetns {
  namespaces: Record<Role, string>;
  wrap(role: Role, argv: readonly string[]): string[];
  exec(role: Role, argv: readonly string[]): string;
  /** Runs argv in the namespace under `setpriv --pdeathsig KILL`: it dies with the benchmark. */
  spawn(role: Role, name: string, argv: readonly string[], env?: NodeJS.ProcessEnv): NsProcess;
  /**
   * Resolves once both veth ends are up with carrier. Kea (reference config: no socket retries)
   * opens no socket at all on an interface that is not running yet, and says so only at WARN.
   */
  waitUp(timeoutMs?: number): Promise<void>;
  remove(): void;
}

export function createBenchNetns(): BenchNetns {
  const ip = requireBinary('ip');
  const setpriv = requireBinary('setpriv');
  const namespaces: Record<Role, string> = { relay: `kkbd${process.pid}r`, server: `kkbd${process.pid}s` };
  const run = (args: string[]) => {
    try {
      execFileSync(ip, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      throw new Error(`ip ${args.join(' ')}: ${(e as { stderr?: Buffer }).stderr?.toString().trim() ?? String(e)}`);
    }
  };
  const del = () => {
    for (const ns of Object.values(namespaces)) {
      try {
        execFileSync(ip, ['netns', 'del', ns], { stdio: 'ignore' }); // takes its veth end, and so the pair
      } catch {
        /* not there */
      }
    }
  };
  const wrap = (role: Role, argv: readonly string[]) => [ip, 'netns', 'exec', namespaces[role], ...argv];
  del(); // leftovers of a killed run with this pid
  onExit(del);
  const remove = onCleanup(del);
  try {
    for (const ns of Object.values(namespaces)) {
      run(['netns', 'add', ns]);
      run(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    const { relay: r, server: s } = namespaces;
    run(['link', 'add', NET.relayIf, 'netns', r, 'type', 'veth', 'peer', 'name', NET.serverIf, 'netns', s]);
    run(['-n', r, 'addr', 'add', `${NET.relayUp}/24`, 'dev', NET.relayIf]);
    run(['-n', r, 'addr', 'add', `${NET.giaddr}/32`, 'dev', NET.relayIf]);
    run(['-n', s, 'addr', 'add', `${NET.server}/24`, 'dev', NET.serverIf]);
    run(['-n', r, 'link', 'set', NET.relayIf, 'up']);
    run(['-n', s, 'link', 'set', NET.serverIf, 'up']);
    // Replies go to the giaddr (port 67) through the relay.
    run(['-n', s, 'route', 'add', NET.clientSubnet, 'via', NET.relayUp]);
    execFileSync(ip, ['netns', 'exec', r, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    void remove();
    throw e;
  }
  return {
    namespaces,
    wrap,
    exec(role, argv) {
      return execInNamespace(wrap(role, argv), argv, namespaces[role]);
    },
    spawn(role, name, argv, env) {
      const child = spawn(setpriv, ['--pdeathsig', 'KILL', '--', ...wrap(role, argv)], { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
      if (child.pid === undefined) throw new Error(`${name}: spawn failed`);
      const running = () => child.exitCode === null && child.signalCode === null;
      const kill = () => {
        if (running()) child.kill('SIGKILL');
      };
      onExit(kill);
      let out = '';
      const waiters = new Set<() => void>();
      const onData = (d: Buffer) => {
        out = (out + d.toString('utf8')).slice(-200_000);
        for (const w of waiters) w();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      const exited = settled(child).then(({ code, signal }) => code ?? (signal === null ? null : -1));
      const stopNow = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) => {
        if (!running()) return;
        child.kill(signal);
        const timer = setTimeout(kill, graceMs);
        await exited;
        clearTimeout(timer);
      };
      const cleanup = onCleanup(() => stopNow());
      return {
        name,
        child,
        pid: child.pid,
        output: () => out,
        exited,
        waitFor(re, timeoutMs) {
          return new Promise<void>((resolve, reject) => {
            const done = (err?: Error) => {
              clearTimeout(timer);
              waiters.delete(check);
              if (err) reject(err);
              else resolve();
            };
            const check = () => {
              if (re.test(out)) done();
            };
            const timer = setTimeout(() => done(new Error(`${name}: nothing matched ${re} in ${timeoutMs / 1000} s:\n${out.slice(-3000)}`)), timeoutMs);
            waiters.add(check);
            void exited.then(() => {
              check();
              if (waiters.has(check)) done(new Error(`${name} exited (${String(child.exitCode ?? child.signalCode)}) before ${re}:\n${out.slice(-3000)}`));
            });
            check();
          });
        },
        async stop(signal, graceMs) {
          await stopNow(signal, graceMs);
          await cleanup();
        },
      };
    },
    async waitUp(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      const up = (role: Role, dev: string) => /state UP/.test(execFileSync(ip, ['-n', namespaces[role], '-o', 'link', 'show', 'dev', dev], { encoding: 'utf8' }));
      while (!(up('relay', NET.relayIf) && up('server', NET.serverIf))) {
        if (Date.now() > deadline) throw new Error(`veth ${NET.relayIf}/${NET.serverIf} not up after ${timeoutMs / 1000} s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    remove: () => void remove(),
  };
}
