/**
 * PT-TLS assessments: full NEA assessments against a real `kenneki serve` child process, each over
 * a fresh TCP connection and a full TLS handshake (no resumption): version exchange, SASL PLAIN,
 * the first CDATA with a strongSwan OS IMC's Debian 12 attributes (one of DEVICES machine ids),
 * the server's SDATA Attribute Request answered with 300 installed packages, RESULT, CLOSE.
 *
 * Per server key (ECDSA P-256, RSA-2048): closed-loop maximum throughput at CONCURRENCY
 * connections, then an open loop at half that rate with latency counted from each scheduled start.
 * The same runs with `client_auth: none` and a handshake-only loop show where the time goes.
 *
 * The load runs in its own process so the server's CPU is read alone from /proc/<pid>/stat; both
 * still share the machine's cores. It is the C generator (ptload/ptload.c via pt-tls-cload.ts,
 * about 0.7 ms of CPU per assessment) when cc and libssl-dev can build it, else the Node one
 * (pt-tls-load.ts, about 1.3 ms); BENCH_PT_TLS_LOAD=node|c forces one. Runnable alone:
 * `npm run build && node dist/simulations/bench/pt-tls.js` (or `npm run bench -- pt-tls`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../policy/util/package-root.js';
import { fmt, header, machineBusySeconds, onCleanup, onExit, printFigures, printTable, processCpuSeconds, referenceWorkMs, runIfMain, summarize, tempDir, type Bench, type BenchResult, type Figure } from './common.js';
import { buildUniverse, endpointPosture, kennekiFeedText, profileOf } from './dataset.js';
import { CLoad, buildPtload } from './pt-tls-cload.js';
import type { LoadJob, LoadResult } from './pt-tls-load.js';
import { machineId } from './pt-tls-machines.js';
import { NEA_POLICY } from './nea-policy.js';
import { BENCH_PASSWORD, HttpClient, login, spawnServer, writeConfig, type BenchPtTls, type ServerProcess } from './server-process.js';

const DEVICES = 2_000;
const PACKAGES = 300;
const INVENTORY_VARIANTS = 20;
const CONCURRENCY = 16;
const WARMUP_MS = 2_000;
const MEASURE_MS = 10_000;
const HANDSHAKE_MS = 5_000;
const TARGET_PER_SECOND = 500;
const TARGET_P99_MS = 50;
/** BENCH_PT_TLS_KEYS / BENCH_PT_TLS_AUTH (comma-separated) narrow the run, e.g. for profiling. */
const only = <T extends string>(env: string, all: readonly T[]): T[] => {
  const wanted = process.env[env]?.split(',').filter(Boolean);
  return wanted?.length ? all.filter((x) => wanted.includes(x)) : [...all];
};
const KEYS = only<BenchPtTls['serverKey']>('BENCH_PT_TLS_KEYS', ['ecdsa-p256', 'rsa-2048']);
/**
 * How clients authenticate: none; SASL PLAIN with each machine's device credential (the agent's
 * way: a hash lookup); SASL PLAIN with one user's password (scrypt once, then the success cache).
 */
type AuthVariant = 'none' | 'sasl-device' | 'sasl-password';
const AUTHS = only<AuthVariant>('BENCH_PT_TLS_AUTH', ['none', 'sasl-device', 'sasl-password']);
const CLIENT_AUTH: Record<AuthVariant, BenchPtTls['clientAuth']> = { none: 'none', 'sasl-device': 'sasl-plain', 'sasl-password': 'sasl-plain' };

/**
 * BENCH_PT_TLS_LOAD=node|c picks the load generator; by default the C one (ptload/ptload.c,
 * needs cc and libssl-dev) when it builds, else the Node one.
 */
const LOAD_CHOICE = process.env.BENCH_PT_TLS_LOAD || 'auto';
if (!['auto', 'node', 'c'].includes(LOAD_CHOICE)) throw new Error(`BENCH_PT_TLS_LOAD must be node or c, got ${LOAD_CHOICE}`);

interface LoadGenerator {
  readonly name: string;
  run(job: Omit<LoadJob, 'kind'>): Promise<LoadResult>;
  stop(): void;
}

async function startLoad(dir: string, inventories: { name: string; version: string }[][]): Promise<LoadGenerator> {
  if (LOAD_CHOICE !== 'node') {
    const built = buildPtload();
    if ('path' in built) return new CLoad(built.path, dir, DEVICES, inventories);
    if (LOAD_CHOICE === 'c') throw new Error(`BENCH_PT_TLS_LOAD=c: ${built.reason}`);
    console.log(`load:     C generator unavailable (${built.reason}); using the Node one`);
  }
  return LoadProcess.start(inventories);
}

/** The forked Node load generator: one job at a time over IPC. */
class LoadProcess implements LoadGenerator {
  readonly name = 'Node (forked pt-tls-load.ts)';

  private constructor(private readonly child: ChildProcess) {}

  static async start(inventories: { name: string; version: string }[][]): Promise<LoadProcess> {
    const child = fork(join(packageRoot(), 'dist/simulations/bench/pt-tls-load.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    onExit(kill);
    onCleanup(kill);
    const load = new LoadProcess(child);
    await load.call({ kind: 'init', devices: DEVICES, inventories });
    return load;
  }

  private call(msg: unknown): Promise<any> {
    return new Promise((resolve, reject) => {
      const onExitEarly = (code: number | null) => reject(new Error(`load generator exited (${code})`));
      this.child.once('exit', onExitEarly);
      this.child.once('message', (reply: any) => {
        this.child.off('exit', onExitEarly);
        if (reply.kind === 'failed') reject(new Error(`load generator: ${reply.error}`));
        else resolve(reply);
      });
      this.child.send(msg as object);
    });
  }

  async run(job: Omit<LoadJob, 'kind'>): Promise<LoadResult> {
    return ((await this.call({ kind: 'job', ...job })) as { result: LoadResult }).result;
  }

  stop(): void {
    this.child.disconnect();
  }
}

interface Phase {
  key: string;
  auth: string;
  phase: string;
  result: LoadResult;
  serverCpuS: number;
  /** CPU used by neither the server nor the load generator (this process, other programs). */
  otherCores: number;
  /** referenceWorkMs() just before the phase: how fast the machine was. */
  refMs: number;
}

async function measured(server: ServerProcess, load: LoadGenerator, job: Omit<LoadJob, 'kind'>): Promise<Omit<Phase, 'key' | 'auth' | 'phase'>> {
  const refMs = referenceWorkMs();
  const cpu0 = processCpuSeconds(server.pid);
  const busy0 = machineBusySeconds();
  const result = await load.run(job);
  const serverCpuS = processCpuSeconds(server.pid) - cpu0;
  const otherCores = Math.max(0, (machineBusySeconds() - busy0 - serverCpuS - result.clientCpuS) / result.wallS);
  if (result.errors > 0) console.error(`  ${job.mode}: ${result.errors} errors, e.g. ${result.errorSamples.join(' | ')}`);
  return { result, serverCpuS, otherCores, refMs };
}

function row(p: Phase): string[] {
  const s = summarize(p.result.latenciesMs);
  const n = p.result.done;
  return [
    `${p.key} ${p.auth}`,
    p.phase,
    fmt.int(n),
    fmt.n(n / p.result.wallS),
    fmt.n(s.p50),
    fmt.n(s.p99),
    fmt.n((p.serverCpuS * 1000) / n, 2),
    fmt.n(p.serverCpuS / p.result.wallS, 2),
    fmt.n((p.result.clientCpuS * 1000) / n, 2),
    fmt.n(p.otherCores, 2),
    fmt.int(p.refMs),
    String(p.result.errors),
  ];
}

export const ptTlsBench: Bench = {
  name: 'pt-tls',
  description: `PT-TLS full assessments (fresh TLS handshake each, SASL PLAIN, OS attributes + ${PACKAGES}-package SDATA answer, ${DEVICES.toLocaleString('en-US')} machine ids), ECDSA P-256 and RSA-2048 server keys; closed loop c=${CONCURRENCY} then open loop at half the max, ${MEASURE_MS / 1000} s each; server in a child process, load in another`,
  async run(): Promise<BenchResult> {
    header('pt-tls', this.description);
    const tmp = tempDir('kenneki-bench-pt-tls-');
    const u = buildUniverse(new Date());
    const collectedAt = new Date();
    const inventories = Array.from({ length: INVENTORY_VARIANTS }, (_, v) => {
      const fact = endpointPosture(u, profileOf(v), v + 1, PACKAGES, collectedAt).facts.packages;
      if (fact?.status !== 'ok') throw new Error('dataset: no package inventory');
      return fact.value.packages.map((p) => ({ name: p.name, version: p.version }));
    });
    const load = await startLoad(tmp.dir, inventories);
    console.log(`load:     ${load.name}`);
    const phases: Phase[] = [];
    const ptTlsFigures: Figure[] = [];
    try {
      let credentials: string[] | undefined;
      for (const serverKey of KEYS) {
        // client_auth none first: it registers the machine pool quickly, and separates the cost of
        // SASL PLAIN (one scrypt verification per connection) from TLS and the assessment.
        for (const variant of AUTHS) {
          const clientAuth = CLIENT_AUTH[variant];
          // Same data_dir each time: the CA, definitions, policy and endpoints carry over.
          const server = await spawnServer(writeConfig(tmp.dir, { logLevel: 'info', file: `kenneki-${serverKey}-${variant}.yaml`, ptTls: { serverKey, clientAuth } }));
          try {
            if (server.ptTlsPort === undefined) throw new Error('no PT_TLS_LISTENING log line');
            credentials ??= await prepare(server);
            const caPem = readFileSync(join(tmp.dir, 'ca', 'ca.crt'), 'utf8');
            const base = {
              port: server.ptTlsPort,
              caPem,
              concurrency: CONCURRENCY,
              ...(variant === 'sasl-password' ? { auth: { user: 'admin', password: BENCH_PASSWORD } } : {}),
              ...(variant === 'sasl-device' ? { deviceCredentials: credentials } : {}),
            };
            const tag = { key: serverKey, auth: variant };
            if (phases.length === 0) {
              const sweep = await measured(server, load, { ...base, mode: 'sweep', durationMs: 0 });
              console.log(`setup:    ${DEVICES} machines registered over PT-TLS in ${fmt.n(sweep.result.wallS)} s (${fmt.int(sweep.result.done / sweep.result.wallS)}/s, ${sweep.result.errors} errors)`);
              console.log(`          SDATA round trips → assessments: ${JSON.stringify(sweep.result.sdataRoundTrips)}; access recommendations (1 allow, 3 isolate): ${JSON.stringify(sweep.result.recommendations)}`);
            }
            await load.run({ ...base, mode: 'closed', durationMs: WARMUP_MS });
            const closed = { ...tag, phase: `closed c=${CONCURRENCY}`, ...(await measured(server, load, { ...base, mode: 'closed', durationMs: MEASURE_MS })) };
            phases.push(closed);
            const max = closed.result.done / closed.result.wallS;
            const rate = Math.max(1, max / 2);
            const open = { ...tag, phase: `open ${fmt.n(rate)}/s`, ...(await measured(server, load, { ...base, mode: 'open', rate, durationMs: MEASURE_MS })) };
            phases.push(open);
            if (open.result.lateStarts > 0) console.log(`  note: ${open.result.lateStarts} open-loop arrivals started > 5 ms late (counted in their latency)`);
            if (clientAuth === 'none') {
              phases.push({ ...tag, auth: '-', phase: `TLS handshake only c=${CONCURRENCY}`, ...(await measured(server, load, { ...base, mode: 'handshake', durationMs: HANDSHAKE_MS })) });
            }
            const label = `pt-tls ${serverKey} ${variant === 'sasl-device' ? 'SASL PLAIN device credential' : variant === 'sasl-password' ? 'SASL PLAIN user password (cached)' : 'no auth'}`;
            // The targets are judged on the agent's path: SASL PLAIN with device credentials.
            const sasl = variant === 'sasl-device';
            const p99 = summarize(open.result.latenciesMs).p99;
            ptTlsFigures.push(
              { label: `${label} assessments/s`, value: fmt.n(max), ...(sasl ? { target: `≥ ${TARGET_PER_SECOND}/s`, met: max >= TARGET_PER_SECOND } : {}) },
              { label: `${label} p50 / p99 at max (c=${CONCURRENCY})`, value: `${fmt.n(summarize(closed.result.latenciesMs).p50)} / ${fmt.n(summarize(closed.result.latenciesMs).p99)} ms` },
              {
                label: `${label} p99 at half load (${fmt.n(rate)}/s)`,
                value: `${fmt.n(p99)} ms (p50 ${fmt.n(summarize(open.result.latenciesMs).p50)})`,
                ...(sasl ? { target: `< ${TARGET_P99_MS} ms at ${TARGET_PER_SECOND / 2}/s`, met: p99 < TARGET_P99_MS && rate >= TARGET_PER_SECOND / 2 } : {}),
              },
              { label: `${label} server CPU per assessment`, value: `${fmt.n((closed.serverCpuS * 1000) / closed.result.done, 2)} ms` },
            );
          } finally {
            await server.stop();
          }
        }
      }
    } finally {
      load.stop();
      await tmp.remove();
    }

    console.log('');
    printTable(['server key / auth', 'phase', 'done', 'per s', 'p50 ms', 'p99 ms', 'server CPU ms/op', 'server cores', 'client CPU ms/op', 'other cores', 'machine ref ms', 'errors'], phases.map(row));
    const closedRow = phases.find((p) => p.phase.startsWith('closed'));
    if (closedRow) console.log(`SDATA round trips → assessments (last closed run): ${JSON.stringify(phases.filter((p) => p.phase.startsWith('closed')).at(-1)!.result.sdataRoundTrips)}`);
    console.log('latency: closed loop and handshake-only from TCP connect to RESULT (handshake done); open loop from the scheduled start, so queueing counts.');
    console.log(`load:     ${load.name}`);
    console.log('machine:  "machine ref ms" is the CPU time of a fixed piece of work run just before the phase (common.ts referenceWorkMs; about 150–170 ms on this VM when the host is quiet, more when it is busy).');
    console.log('note:     the load generator (a separate process) and the server share the same cores; server CPU is the child only (/proc/<pid>/stat).');
    console.log('          No reference peer: there is no Debian PT-TLS server to compare against (strongSwan ships the client side only).');
    printFigures(ptTlsFigures);
    return { name: 'pt-tls', figures: ptTlsFigures };
  },
};

/**
 * Definitions (the bench Debian feed), a policy the NEA OS IMC can satisfy (incl. packages), and
 * one enrolled endpoint per machine; returns their device credentials, index = machine.
 */
async function prepare(server: ServerProcess): Promise<string[]> {
  const client = new HttpClient(server.url, 2);
  try {
    const token = await login(client);
    const credentials: string[] = [];
    for (let i = 0; i < DEVICES; i++) {
      const r = await client.json('POST', '/api/v1/endpoints', { token, body: { deviceId: machineId(i) }, expect: 201 });
      credentials.push((r as { deviceCredential: string }).deviceCredential);
    }
    await client.json('POST', '/api/v1/definitions', { token, body: { format: 'kenneki', content: kennekiFeedText(buildUniverse(new Date())) }, expect: 201 });
    await client.json('POST', '/api/v1/policies', { token, expect: 201, body: NEA_POLICY });
    return credentials;
  } finally {
    client.close();
  }
}

// Alone: `node dist/simulations/bench/pt-tls.js`.
runIfMain(ptTlsBench, import.meta.url);
