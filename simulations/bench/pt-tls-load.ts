/**
 * The load generator of the PT-TLS benchmark, forked by pt-tls.ts so that the server's CPU
 * (read from /proc) and the client's (process.cpuUsage here) are measured apart. It speaks PT-TLS
 * as strongSwan's pt-tls-client with its OS IMC does, over a fresh TLS connection per assessment
 * (no `session` is passed, so nothing is resumed): version exchange, SASL PLAIN when offered, the
 * first CDATA with the OS attributes of one of a pool of machines, Installed Packages when the
 * server's SDATA asks, RESULT, CLOSE.
 */
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { BatchType } from '../../policy/tnc/pb/batch.js';
import { serverBatchOf } from '../../policy/tnc/broker/test-client.js';
import { decodePtBody, SASL_RESULT } from '../../policy/tnc/pt/bodies.js';
import { PtFramer } from '../../policy/tnc/pt/framer.js';
import { CLOSE_BATCH as CLOSE, VERSION_REQUEST as VERSION, machineWires, saslPlain, type MachineWire } from './pt-tls-wires.js';

export interface LoadInit {
  kind: 'init';
  /** Distinct machine ids (ITA-HSR device id attribute) the load cycles through. */
  devices: number;
  /** Installed Packages inventories; device i answers with inventories[i % length]. */
  inventories: { name: string; version: string }[][];
}

export interface LoadJob {
  kind: 'job';
  /** closed: `concurrency` loops back to back; open: `rate` arrivals/s on a fixed schedule;
   *  sweep: every device once (registers the pool); handshake: TCP + TLS handshake only. */
  mode: 'closed' | 'open' | 'sweep' | 'handshake';
  port: number;
  caPem: string;
  auth?: { user: string; password: string };
  /** SASL PLAIN with each machine's own device credential (index = machine), instead of `auth`. */
  deviceCredentials?: string[];
  concurrency: number;
  rate?: number;
  durationMs: number;
}

export interface LoadResult {
  done: number;
  errors: number;
  errorSamples: string[];
  /** closed/sweep/handshake: TCP connect → RESULT (or → handshake done); open: scheduled start → RESULT. */
  latenciesMs: number[];
  /** open only: arrivals that started more than 5 ms late (the generator could not keep up). */
  lateStarts: number;
  wallS: number;
  clientCpuS: number;
  /** How many SDATA round trips the assessments took: count → assessments. */
  sdataRoundTrips: Record<number, number>;
  /** Access recommendation codes (1 allow, 2 no access, 3 isolate) → assessments. */
  recommendations: Record<number, number>;
}

const TIMEOUT_MS = 30_000;

/** Pre-encoded per machine (pt-tls-wires.ts): the client spends its CPU on TLS, not on encoding. */
let wires: MachineWire[] = [];

const contexts = new Map<string, tls.SecureContext>();
function contextFor(caPem: string): tls.SecureContext {
  let c = contexts.get(caPem);
  if (c === undefined) contexts.set(caPem, (c = tls.createSecureContext({ ca: [caPem] })));
  return c;
}

function init(msg: LoadInit): void {
  wires = machineWires(msg.devices, msg.inventories);
}

interface Outcome {
  /** performance.now() when RESULT (or, for handshake-only, the handshake) completed. */
  doneAt: number;
  sdata: number;
  recommendation: number;
}

function assess(job: LoadJob, device: number, plain: Buffer | undefined): Promise<Outcome> {
  const wire = wires[device % wires.length]!;
  return new Promise((resolve, reject) => {
    // No Nagle, as a real NEA client should: otherwise each small message waits for a delayed ACK.
    // One secure context per job: building it parses the CA, which a real client does once too.
    const sock = tls.connect({ host: '127.0.0.1', port: job.port, secureContext: contextFor(job.caPem), servername: 'localhost' });
    sock.setNoDelay(true);
    const framer = new PtFramer();
    let outcome: Outcome | undefined;
    let sdata = 0;
    let failure: Error | undefined;
    const fail = (e: Error) => {
      failure ??= e;
      sock.destroy();
    };
    const timer = setTimeout(() => fail(new Error('timeout')), TIMEOUT_MS);
    sock.on('error', (e) => fail(e));
    sock.once('close', () => {
      clearTimeout(timer);
      if (outcome) resolve(outcome);
      else reject(failure ?? new Error('closed before RESULT'));
    });
    if (job.mode === 'handshake') {
      sock.once('secureConnect', () => {
        outcome = { doneAt: performance.now(), sdata: 0, recommendation: 0 };
        sock.end();
      });
      return;
    }
    // Queued by the TLS socket until the handshake completes.
    sock.write(VERSION);
    sock.on('data', (d: Buffer) => {
      try {
        for (const m of framer.push(d)) {
          const body = decodePtBody(m);
          if (body.type === 3) {
            // SASL Mechanisms: ['PLAIN'] before authentication, [] once done (or when none is needed).
            if (body.names.length === 0) sock.write(wire.cdata);
            else if (plain && body.names.includes('PLAIN')) sock.write(plain);
            else throw new Error(`server offers ${body.names.join(',')}, no credentials`);
          } else if (body.type === 6) {
            if (body.code !== SASL_RESULT.SUCCESS) throw new Error(`SASL result ${body.code}`);
          } else if (body.type === 7) {
            const batch = serverBatchOf(m);
            if (batch.type === BatchType.SDATA) {
              sdata++;
              sock.write(wire.packages);
            } else if (batch.type === BatchType.RESULT) {
              const rec = batch.messages.map((x) => x.decoded).find((x) => x?.kind === 'access-recommendation');
              outcome = { doneAt: performance.now(), sdata, recommendation: rec?.kind === 'access-recommendation' ? rec.code : 0 };
              sock.write(CLOSE);
            } else if (batch.type === BatchType.CLOSE) {
              sock.end();
            }
          } else if (body.type !== 2) {
            throw new Error(`unexpected PT message type ${body.type}`);
          }
        }
      } catch (e) {
        fail(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

async function run(job: LoadJob): Promise<LoadResult> {
  const plain = job.auth ? saslPlain(job.auth.user, job.auth.password) : undefined;
  const perDevice = job.deviceCredentials?.map((c) => saslPlain('device', c));
  const plainFor = (device: number) => (perDevice ? perDevice[device % perDevice.length] : plain);
  const r: LoadResult = { done: 0, errors: 0, errorSamples: [], latenciesMs: [], lateStarts: 0, wallS: 0, clientCpuS: 0, sdataRoundTrips: {}, recommendations: {} };
  const record = (o: Outcome, from: number) => {
    r.done++;
    r.latenciesMs.push(o.doneAt - from);
    r.sdataRoundTrips[o.sdata] = (r.sdataRoundTrips[o.sdata] ?? 0) + 1;
    r.recommendations[o.recommendation] = (r.recommendations[o.recommendation] ?? 0) + 1;
  };
  const error = (e: unknown) => {
    r.errors++;
    if (r.errorSamples.length < 5) r.errorSamples.push(e instanceof Error ? e.message : String(e));
  };
  // Stride through the pool so consecutive assessments come from unrelated machines.
  const deviceOf = (i: number) => (i * 7919) % wires.length;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + job.durationMs;

  if (job.mode === 'open') {
    const rate = job.rate!;
    const inflight = new Set<Promise<void>>();
    let i = 0;
    await new Promise<void>((finished) => {
      const tick = () => {
        const now = performance.now();
        for (let at = t0 + (i * 1000) / rate; at <= now && at < deadline; at = t0 + (++i * 1000) / rate) {
          // Latency counts from the scheduled start, so a late start (server or generator
          // backed up) is charged to the latency rather than hidden (no coordinated omission).
          if (now - at > 5) r.lateStarts++;
          const scheduled = at;
          const p = assess(job, deviceOf(i), plainFor(deviceOf(i))).then((o) => record(o, scheduled), error);
          inflight.add(p);
          void p.finally(() => inflight.delete(p));
        }
        const next = t0 + (i * 1000) / rate;
        if (next >= deadline) return finished();
        setTimeout(tick, Math.max(0, next - performance.now()));
      };
      tick();
    });
    await Promise.all(inflight);
  } else {
    let next = 0;
    const total = job.mode === 'sweep' ? wires.length : Infinity;
    await Promise.all(
      Array.from({ length: job.concurrency }, async () => {
        for (let i = next++; i < total && (job.mode === 'sweep' || performance.now() < deadline); i = next++) {
          const start = performance.now();
          await assess(job, job.mode === 'sweep' ? i : deviceOf(i), plainFor(job.mode === 'sweep' ? i : deviceOf(i))).then((o) => record(o, start), error);
        }
      }),
    );
  }
  r.wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  r.clientCpuS = (cpu.user + cpu.system) / 1e6;
  return r;
}

process.on('message', (msg: LoadInit | LoadJob) => {
  if (msg.kind === 'init') {
    init(msg);
    process.send!({ kind: 'ready' });
    return;
  }
  run(msg).then(
    (result) => process.send!({ kind: 'result', result }),
    (err: unknown) => process.send!({ kind: 'failed', error: err instanceof Error ? err.stack : String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
