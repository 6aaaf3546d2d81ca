/**
 * radiusd in the foreground for a benchmark, from a raddb the caller wrote into `dir` (and
 * removes): threaded, logging to stdout, ready when it says so. Shared by the MAB and EAP-TLS
 * benchmarks; tests use simulations/peers/freeradius-nas.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { onCleanup, onExit } from '../common.js';

const FREERADIUS = '/usr/sbin/freeradius';
const SETPRIV = '/usr/bin/setpriv';
const READY = /Ready to process requests/;

export function requireFreeradius(): void {
  const missing = [
    { path: FREERADIUS, pkg: 'freeradius' },
    { path: SETPRIV, pkg: 'util-linux' },
  ].filter((b) => !existsSync(b.path));
  if (missing.length > 0) throw new Error(`${missing.map((b) => b.path).join(', ')} not found: install the Debian package(s) ${missing.map((b) => b.pkg).join(' ')}`);
}

export interface Radiusd {
  pid: number;
  port: number;
  output(): string;
  stop(): Promise<void>;
}

export async function startRadiusd(o: { dir: string; port: number }): Promise<Radiusd> {
  requireFreeradius();
  // setpriv --pdeathsig: radiusd goes when we die hard; setpriv execs, so the PID is radiusd's.
  const child: ChildProcess = spawn(SETPRIV, ['--pdeathsig', 'TERM', '--', FREERADIUS, '-f', '-d', o.dir, '-n', 'radiusd', '-l', 'stdout'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  onExit(kill);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const stop = onCleanup(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(kill, 5_000);
    await exited;
    clearTimeout(timer);
  });
  let out = '';
  let notify: (() => void) | undefined;
  const onData = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
    notify?.();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`freeradius did not print "Ready to process requests" in 20 s:\n${out.slice(-3000)}`)), 20_000);
      notify = () => {
        if (READY.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`freeradius exited (code ${child.exitCode}) before it was ready:\n${out.slice(-3000)}`));
      });
      notify();
    });
  } catch (e) {
    await stop();
    throw e;
  }
  notify = undefined;
  return { pid: child.pid!, port: o.port, output: () => out, stop };
}
