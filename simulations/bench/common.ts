/**
 * Shared plumbing for the benchmarks: machine description, statistics, tables, /proc readers and
 * a cleanup registry so that temp dirs and child servers go away even when a benchmark throws.
 */
import { pathToFileURL } from 'node:url';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

export interface Figure {
  label: string;
  value: string;
  /** Human-readable target, e.g. "≥ 5,000/s". Absent: informational. */
  target?: string;
  met?: boolean;
}

export interface BenchResult {
  name: string;
  figures: Figure[];
}

export interface Bench {
  name: string;
  /** One line: what is measured. */
  description: string;
  run(): Promise<BenchResult>;
}

// ---------------------------------------------------------------------------------------------
// Machine

export function machine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  return `${model}, ${cpus.length} core${cpus.length === 1 ? '' : 's'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
}

// ---------------------------------------------------------------------------------------------
// Statistics

export interface Summary {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array. */
function rank(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarize(samples: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (const x of sorted) sum += x;
  return {
    n: sorted.length,
    mean: sorted.length ? sum / sorted.length : NaN,
    p50: rank(sorted, 50),
    p95: rank(sorted, 95),
    p99: rank(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
  };
}

export const fmt = {
  int: (x: number) => Math.round(x).toLocaleString('en-US'),
  n: (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a'),
};

export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(headers));
  console.log('  ' + widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

export function header(title: string, what: string): void {
  console.log(`\n=== ${title} ===`);
  console.log(`measures: ${what}`);
  console.log(`machine:  ${machine()}`);
}

export function printFigures(figures: Figure[]): void {
  printTable(
    ['figure', 'value', 'target', 'met'],
    figures.map((f) => [f.label, f.value, f.target ?? '', f.met === undefined ? '' : f.met ? 'yes' : 'NO']),
  );
}

// ---------------------------------------------------------------------------------------------
// Cleanup

/** 'bench': undone after the benchmark that made it; 'run': kept for later benchmarks (the 100k store). */
export type CleanupScope = 'bench' | 'run';
const cleanups: { fn: () => Promise<void>; scope: CleanupScope }[] = [];

/** Registers a cleanup; returns a function that runs it now (once) and unregisters it. */
export function onCleanup(fn: () => void | Promise<void>, scope: CleanupScope = 'bench'): () => Promise<void> {
  let done = false;
  const once = async () => {
    if (done) return;
    done = true;
    const i = cleanups.findIndex((c) => c.fn === once);
    if (i >= 0) cleanups.splice(i, 1);
    await fn();
  };
  cleanups.push({ fn: once, scope });
  return once;
}

/** Runs the cleanups of one benchmark ('bench'), or all of them at the end of the run ('run'). */
export async function runCleanups(scope: CleanupScope = 'run'): Promise<void> {
  // Newest first: child servers stop before their data dirs are removed.
  for (;;) {
    const c = [...cleanups].reverse().find((x) => scope === 'run' || x.scope === 'bench');
    if (!c) return;
    try {
      await c.fn();
    } catch (err) {
      console.error('cleanup failed:', err);
      const i = cleanups.indexOf(c);
      if (i >= 0) cleanups.splice(i, 1);
    }
  }
}

/**
 * Runs one benchmark when its module is the process's entry point (`node dist/simulations/bench/x.js`):
 * cleanups on success, failure and Ctrl-C alike, exit code 1 on failure.
 */
export function runIfMain(bench: Bench, moduleUrl: string): void {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void runCleanups().finally(() => process.exit(130)));
  bench.run().then(
    async () => {
      await runCleanups();
      process.exit(0);
    },
    async (err: unknown) => {
      console.error(err);
      await runCleanups();
      process.exit(1);
    },
  );
}

/** Synchronous last resort for process exit: kill children, remove dirs. */
const exitActions: (() => void)[] = [];
export function onExit(fn: () => void): void {
  exitActions.push(fn);
}
process.once('exit', () => {
  for (const fn of exitActions) {
    try {
      fn();
    } catch {
      /* exiting anyway */
    }
  }
});

/**
 * A child process the benchmark owns: SIGKILLed if the run exits, and stopped by `stop` (or by the
 * benchmark's cleanup) with `signal`, then SIGKILL if it is still there after `graceMs`.
 */
export function ownChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): { kill: () => void; exited: Promise<void>; stop: () => Promise<void> } {
  const running = () => child.exitCode === null && child.signalCode === null;
  const kill = () => {
    if (running()) child.kill('SIGKILL');
  };
  onExit(kill);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const stop = onCleanup(async () => {
    if (!running()) return;
    child.kill(signal);
    const timer = setTimeout(kill, graceMs);
    await exited;
    clearTimeout(timer);
  });
  return { kill, exited, stop };
}

export function tempDir(prefix: string, scope: CleanupScope = 'bench'): { dir: string; remove: () => Promise<void> } {
  const dir = mkdtempSync(join(os.tmpdir(), prefix));
  const rm = () => rmSync(dir, { recursive: true, force: true });
  onExit(rm);
  return { dir, remove: onCleanup(rm, scope) };
}

// ---------------------------------------------------------------------------------------------
// /proc

let clkTck: number | undefined;
/** Clock ticks per second (CLK_TCK), the unit of /proc's CPU times. */
export function ticksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/**
 * The fields of /proc/<pid>/stat from field 3 (state) on: the command name may contain spaces and
 * parentheses, so they are counted after the last ')'. fields[1] is the parent pid, fields[11]
 * and [12] utime and stime (14, 15), fields[13] and [14] the reaped children's (16, 17).
 */
function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User + system CPU seconds of a process, all threads. */
export function processCpuSeconds(pid: number): number {
  const f = statFields(pid);
  return (Number(f[11]) + Number(f[12])) / ticksPerSecond();
}

/**
 * CPU seconds of a process and its children (Kenneki's RADIUS workers): its own threads, the
 * children it has reaped and those still running, found by parent pid.
 */
export function processTreeCpuSeconds(pid: number): number {
  const f = statFields(pid);
  let total = (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / ticksPerSecond();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (Number(statFields(d)[1]) === pid) total += processCpuSeconds(Number(d));
    } catch {
      // ended while we looked; its time is in the parent's reaped figure once waited for
    }
  }
  return total;
}

/** CPU seconds the whole machine spent busy (all cores; /proc/stat), to spot competing load. */
export function machineBusySeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
  const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  return busy / ticksPerSecond();
}

/** VmRSS and VmHWM (peak RSS) in MiB, from /proc/<pid>/status. */
export function processMemoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * This machine's speed right now: CPU milliseconds for a fixed piece of work (integer loop, JSON,
 * SHA-256), the median of three. On this shared VM the same build measures up to a third slower
 * when the host is busy, and that shows here too (about 150–170 ms when it is not), so a figure can be
 * read against the state of the machine it was taken on.
 */
export function referenceWorkMs(): number {
  const buf = Buffer.alloc(1 << 20, 7);
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = process.cpuUsage();
    let x = 0;
    for (let i = 0; i < 2e7; i++) x = (x + i * 7) % 1000003;
    const objs: { a: number; b: string }[] = [];
    for (let i = 0; i < 2e5; i++) objs.push({ a: i + x, b: `s${i}` });
    JSON.stringify(objs);
    for (let i = 0; i < 50; i++) createHash('sha256').update(buf).digest();
    const u = process.cpuUsage(t0);
    runs.push((u.user + u.system) / 1000);
  }
  return runs.sort((a, b) => a - b)[1]!;
}
