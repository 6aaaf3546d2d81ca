/** Spawning the real `kenneki` CLI and waiting for what it prints (never fixed sleeps). */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { settled } from '../../simulations/peers/child-settled.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const KENNEKI_BIN = join(ROOT, 'bin', 'kenneki.js');
export const AGENT_BIN = join(ROOT, 'bin', 'kenneki-agent.js');

export interface Spawned {
  child: ChildProcess;
  output(): string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

export function spawnKenneki(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Spawned {
  return spawnBin(KENNEKI_BIN, args, opts);
}

/** `kenneki-agent` (or any of our bins, or a bundle) with `node`. */
export function spawnBin(bin: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; wrap?: string[] } = {}): Spawned {
  const argv = [...(opts.wrap ?? []), process.execPath, bin, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = settled(child).then((s) => s.code);
  return {
    child,
    output: () => out,
    exited,
    waitFor(re, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(re);
          if (m) {
            cleanup();
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${re} in output:\n${out}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        exited.then(() => {
          check();
          if (waiters.has(check)) {
            cleanup();
            reject(new Error(`process exited before ${re}; output:\n${out}`));
          }
        });
        check();
      });
    },
  };
}
