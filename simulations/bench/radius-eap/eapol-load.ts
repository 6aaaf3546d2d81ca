/**
 * EAP-TLS load from real supplicants: PROCS slots, each running eapol_test (Debian eapoltest)
 * again and again until the deadline, `-r REAUTHS` so that one process does REAUTHS + 1
 * authentications (eapol_test waits ~100 ms between them, so one process does ~10 auths/s and the
 * load is a closed loop of PROCS supplicants). Every slot has its own client certificate and
 * Calling-Station-Id (-M).
 *
 * Per run, from eapol_test's own output (its debug log, kept in a file per slot, or read live for
 * the latency slots):
 * - authentications that succeeded with MS-MPPE keys equal to the MSK the supplicant derived
 *   ("MPPE keys OK: n  mismatch: m"), and whether the run ended in SUCCESS;
 * - TLS handshakes full or resumed ("OpenSSL: Handshake finished - resumed=0|1"): the benchmark
 *   wants full handshakes only;
 * - Access-Accept / Access-Reject / Access-Challenge counts, and Accepts that carry the quarantine
 *   VLAN (Tunnel-Private-Group-Id "99" in eapol_test's attribute dump).
 * Latency, without disturbing the load: per run, (wall time − REAUTHS × the 100 ms pause) /
 * (REAUTHS + 1), the mean authentication time in that run. Optionally (latencyEvery > 0) every
 * n-th slot runs eapol_test under `stdbuf -oL` and is read as it runs, each authentication timed
 * from "Sending fake EAP-Request-Identity" to the Access-Accept line; but ~550 line writes per
 * authentication, each waking the reader, slow those supplicants down on a busy 2-core machine
 * (against FreeRADIUS they ran into eapol_test's -t limit), so it is off by default.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EAPOL_TEST, requireEapolTest } from '../../peers/eapol-test.js';
import { machineBusySeconds, processTreeCpuSeconds } from '../common.js';

const STDBUF = '/usr/bin/stdbuf';
const START = 'Sending fake EAP-Request-Identity';
const ACCEPT = 'RADIUS message: code=2 (Access-Accept)';
const REJECT = 'RADIUS message: code=3 (Access-Reject)';
const CHALLENGE = 'RADIUS message: code=11 (Access-Challenge)';
const FULL = 'Handshake finished - resumed=0';
const RESUMED = 'Handshake finished - resumed=1';
const RESEND = 'Resending RADIUS message';
/** eapol_test waits this long after a success before it starts the next re-authentication. */
const REAUTH_PAUSE_MS = 100;

/** The kernel's drop counter of the UDP socket bound to 127.0.0.1:port (receive buffer full), from /proc/net/udp. */
export function udpDrops(port: number): number | undefined {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local) return Number(f[f.length - 1]);
  }
  return undefined;
}

export function requireLoadTools(): void {
  requireEapolTest();
  if (!existsSync(STDBUF)) throw new Error(`${STDBUF} not found: install the Debian package coreutils`);
}

export interface EapolLoadOptions {
  port: number;
  secret: string;
  /** One eapol_test network block per slot (slot i uses confs[i % confs.length]). */
  confs: string[];
  procs: number;
  reauths: number;
  /** No new eapol_test run starts after this long; runs under way finish. */
  durationMs: number;
  /** Runs each slot makes at least, whatever the time (the warm-up: 1). */
  minRunsPerSlot?: number;
  /** Per-slot output files go here. */
  outDir: string;
  serverPid: number;
  /** Every n-th slot is timed per authentication (0: none). */
  latencyEvery: number;
  /** The quarantine VLAN every Accept must carry. */
  vlan: string;
}

export interface EapolLoadResult {
  runs: number;
  runsFailed: number;
  /** Authentications the runs asked for: runs × (reauths + 1). */
  attempted: number;
  /** Authentications with MPPE keys OK (eapol_test's own count). */
  succeeded: number;
  mppeMismatch: number;
  accepts: number;
  acceptsWithVlan: number;
  rejects: number;
  challenges: number;
  /** "Resending RADIUS message": the supplicant's NAS side timed out waiting for an answer. */
  retransmits: number;
  /** Runs that hit eapol_test's -t limit ("EAPOL test timed out"); eapol_test counts the authentication under way as an MPPE mismatch. */
  timedOut: number;
  fullHandshakes: number;
  resumedHandshakes: number;
  /** From the first spawn to the last exit. */
  wallS: number;
  /** The server process and its children (RADIUS worker processes). */
  serverCpuS: number;
  /** eapol_test + stdbuf CPU (reaped children of this process). */
  clientCpuS: number;
  machineBusyS: number;
  latencyMs: number[];
  /**
   * Per successful run without live reading: (run wall time − REAUTHS × 100 ms reauth pause) /
   * (REAUTHS + 1), the mean time one authentication took in that run, process start included.
   */
  runMeanMs: number[];
  /** The end of a few failed runs' output. */
  failures: string[];
  /** One run's whole output, to look at. */
  sample: string;
}

/** utime+stime of this process's reaped children, seconds (fields 16 and 17 of /proc/self/stat). */
function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / clkTck();
}

let ticks: number | undefined;
function clkTck(): number {
  try {
    ticks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    ticks = 100;
  }
  return ticks;
}

function count(buf: Buffer, needle: string): number {
  const n = Buffer.from(needle);
  let c = 0;
  for (let i = buf.indexOf(n); i >= 0; i = buf.indexOf(n, i + n.length)) c++;
  return c;
}

export async function eapolLoad(o: EapolLoadOptions): Promise<EapolLoadResult> {
  requireLoadTools();
  const r: EapolLoadResult = {
    runs: 0,
    runsFailed: 0,
    attempted: 0,
    succeeded: 0,
    mppeMismatch: 0,
    accepts: 0,
    acceptsWithVlan: 0,
    rejects: 0,
    challenges: 0,
    retransmits: 0,
    timedOut: 0,
    fullHandshakes: 0,
    resumedHandshakes: 0,
    wallS: 0,
    serverCpuS: 0,
    clientCpuS: 0,
    machineBusyS: 0,
    latencyMs: [],
    runMeanMs: [],
    failures: [],
    sample: '',
  };
  const vlanHex = Buffer.from(o.vlan).toString('hex');
  const vlanMark = `(Tunnel-Private-Group-Id) length=${2 + o.vlan.length}\n      Value: ${vlanHex}\n`;
  const timeoutS = Math.max(10, Math.ceil((o.reauths + 1) * 1.5));

  const tally = (out: Buffer, code: number | null, signal: NodeJS.Signals | null, wallMs?: number) => {
    r.runs++;
    r.attempted += o.reauths + 1;
    const tail = out.subarray(Math.max(0, out.length - 400)).toString();
    const keys = /MPPE keys OK: (\d+)\s+mismatch: (\d+)/.exec(tail);
    const ok = code === 0 && /\nSUCCESS\s*$/.test(tail);
    r.succeeded += keys ? Number(keys[1]) : 0;
    r.mppeMismatch += keys ? Number(keys[2]) : 0;
    r.accepts += count(out, ACCEPT);
    r.acceptsWithVlan += count(out, vlanMark);
    r.rejects += count(out, REJECT);
    r.challenges += count(out, CHALLENGE);
    r.retransmits += count(out, RESEND);
    r.timedOut += count(out, 'EAPOL test timed out');
    r.fullHandshakes += count(out, FULL);
    r.resumedHandshakes += count(out, RESUMED);
    if (!ok) {
      r.runsFailed++;
      if (r.failures.length < 3) r.failures.push(`exit ${code ?? signal}: …${out.subarray(Math.max(0, out.length - 1500)).toString()}`);
    }
    if (!r.sample && ok) r.sample = out.toString();
    if (ok && wallMs !== undefined) r.runMeanMs.push((wallMs - o.reauths * REAUTH_PAUSE_MS) / (o.reauths + 1));
  };

  const args = (slot: number) => {
    const mac = `02:00:00:00:${((slot >> 8) & 0xff).toString(16).padStart(2, '0')}:${(slot & 0xff).toString(16).padStart(2, '0')}`;
    return ['-c', o.confs[slot % o.confs.length]!, '-a', '127.0.0.1', '-p', String(o.port), '-s', o.secret, '-r', String(o.reauths), '-t', String(timeoutS), '-M', mac];
  };

  /** A run whose output goes to a file (no work for this process while it runs). */
  const quietRun = (slot: number) =>
    new Promise<void>((resolve, reject) => {
      const file = join(o.outDir, `slot-${slot}.log`);
      const fd = openSync(file, 'w');
      const t0 = performance.now();
      const child = spawn(EAPOL_TEST, args(slot), { stdio: ['ignore', fd, fd] });
      closeSync(fd);
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        tally(readFileSync(file), code, signal, performance.now() - t0);
        rmSync(file, { force: true });
        resolve();
      });
    });

  /** A line-buffered run read live: each authentication timed. */
  const timedRun = (slot: number) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn(STDBUF, ['-oL', '-eL', EAPOL_TEST, ...args(slot)], { stdio: ['ignore', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      let carry = '';
      let started: number | undefined;
      const onData = (d: Buffer) => {
        const now = performance.now();
        chunks.push(d);
        const lines = (carry + d.toString('latin1')).split('\n');
        carry = lines.pop() ?? '';
        for (const line of lines) {
          if (line.startsWith(START)) started = now;
          else if (started !== undefined && line.startsWith(ACCEPT)) {
            r.latencyMs.push(now - started);
            started = undefined;
          }
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (d: Buffer) => chunks.push(d));
      child.once('error', reject);
      child.once('close', (code, signal) => {
        tally(Buffer.concat(chunks), code, signal);
        resolve();
      });
    });

  const deadline = performance.now() + o.durationMs;
  const cpu0 = processTreeCpuSeconds(o.serverPid);
  const child0 = childrenCpuSeconds();
  const busy0 = machineBusySeconds();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: o.procs }, async (_, slot) => {
      const timed = o.latencyEvery > 0 && slot % o.latencyEvery === 0;
      for (let runs = 0; runs < (o.minRunsPerSlot ?? 0) || performance.now() < deadline; runs++) await (timed ? timedRun(slot) : quietRun(slot));
    }),
  );
  r.wallS = (performance.now() - t0) / 1000;
  r.serverCpuS = processTreeCpuSeconds(o.serverPid) - cpu0;
  r.clientCpuS = childrenCpuSeconds() - child0;
  r.machineBusyS = machineBusySeconds() - busy0;
  return r;
}
