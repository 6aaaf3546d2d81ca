/**
 * On-CPU profile of a server process with Linux perf (Debian package linux-perf): `perf record
 * -e cpu-clock -g -p PID` for the duration of one measured pass, then `perf report` by DSO and by
 * symbol. Unlike node --cpu-prof, which samples wall time and so charges the time the thread sat
 * preempted (e.g. right after a sendto woke a supplicant) to whatever JS frame was on top, perf
 * only counts samples where the thread was on a CPU, native frames (OpenSSL inside node) included.
 * Kenneki runs with --perf-basic-prof so that JIT frames have names (/tmp/perf-PID.map, removed
 * afterwards).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { ownChild } from '../common.js';
import { runCommand } from '../../peers/run-command.js';

export const PERF = '/usr/bin/perf';

export function requirePerf(): void {
  if (!existsSync(PERF)) throw new Error(`${PERF} not found: install the Debian package linux-perf`);
}

export interface PerfRecording {
  stop(): Promise<void>;
}

export function perfRecord(pid: number, out: string): PerfRecording {
  const child: ChildProcess = spawn(PERF, ['record', '-e', 'cpu-clock', '-F', '999', '-g', '-p', String(pid), '-o', out, '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  const owned = ownChild(child, 'SIGINT', 10_000);
  return {
    async stop() {
      const recording = child.exitCode === null && child.signalCode === null;
      await owned.stop();
      if (recording && err.trim()) console.log(`perf record: ${err.trim().slice(-500)}`);
    },
  };
}

/** `perf report` tables, trimmed: by DSO, and by symbol (self). */
export async function perfReport(file: string, symbolLimitPct = 0.8, inclusiveLimitPct = 3): Promise<string> {
  const common = ['report', '-i', file, '--stdio', '--no-children', '-g', 'none', '--percent-limit'];
  const byDso = await runCommand(PERF, [...common, '1', '--sort', 'dso'], { timeoutMs: 120_000 });
  const bySym = await runCommand(PERF, [...common, String(symbolLimitPct), '--sort', 'dso,sym'], { timeoutMs: 120_000 });
  const clean = (s: string) =>
    s
      .split('\n')
      .filter((l) => (l.trim() && !l.startsWith('#')) || /Samples|Event count/.test(l))
      .map((l) => (l.length > 150 ? `${l.slice(0, 147)}...` : l))
      .join('\n');
  const inclusive = await runCommand(PERF, ['report', '-i', file, '--stdio', '--children', '-g', 'none', '--percent-limit', String(inclusiveLimitPct), '--sort', 'sym'], { timeoutMs: 120_000 });
  return `self, by DSO:\n${clean(byDso.stdout)}\n\nself, by symbol:\n${clean(bySym.stdout)}\n\ninclusive (children), by symbol:\n${clean(inclusive.stdout)}`;
}

export function removePerfMap(pid: number): void {
  rmSync(`/tmp/perf-${pid}.map`, { force: true });
}
