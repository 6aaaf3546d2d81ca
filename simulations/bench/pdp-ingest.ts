/**
 * The store side of one posture assessment, without HTTP, TLS or PT-TLS framing: what the PT-TLS
 * posture service does per report (endpoint lookup by device id, then `pdp.ingest`) against a real
 * SQLite store on disk, on the main thread, with the split between lookup, state load, engine and
 * the assessment write.
 *
 * The reports are what a strongSwan OS IMC sends over PT-TLS (OS, a 300-package dpkg list, IP
 * forwarding, factory default password, machine id), judged by the same policy as the pt-tls
 * benchmark, against the 5,000-advisory bench feed. Every endpoint reports once first (the
 * warm-up: registration verdict → decided), then the same endpoints report again, round robin.
 *
 * Alone: `npm run build && node dist/simulations/bench/pdp-ingest.js` (add `--cpu-prof` to Node
 * for a profile).
 */
import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { Policy } from '../../policy/decide/policy.js';
import type { PostureFacts } from '../../policy/posture/facts.js';
import { ManualClock } from '../../policy/service/clock.js';
import { DecisionInputs } from '../../policy/service/decision-inputs.js';
import { PolicyDecisionPoint } from '../../policy/service/pdp.js';
import { VerdictBus } from '../../policy/service/verdict-bus.js';
import type { Store } from '../../policy/store/repository.js';
import { createSqliteStore } from '../../policy/store/sqlite/store.js';
import { fmt, header, printTable, runIfMain, tempDir, type Bench, type BenchResult } from './common.js';
import { buildUniverse, endpointPosture, profileOf } from './dataset.js';
import { NEA_POLICY } from './nea-policy.js';

const ENDPOINTS = 2_000;
const PACKAGES = 300;
const INVENTORY_VARIANTS = 20;
const MEASURE_MS = Number(process.env['BENCH_PDP_INGEST_MS']) || 8_000;
const SYSTEM = { actor: 'bench', actorKind: 'system', action: 'bench.populate', targetType: 'bench' } as const;

/** The shared NEA bench policy as a stored policy row. */
function neaPolicy(tenantId: string, now: Date): Policy {
  const at = now.toISOString();
  return { ...NEA_POLICY, id: '00000000-0000-4000-8000-000000000010', tenantId, revision: 1, createdAt: at, updatedAt: at };
}

/** Bytes this process has written through write(2)/pwrite(2) so far (SQLite's WAL and checkpoints). */
function writtenBytes(): number {
  if (!existsSync('/proc/self/io')) return NaN;
  return Number(/^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? NaN);
}

/**
 * CPU ms of the calling thread (utime + stime of /proc/thread-self/stat, 10 ms ticks): the main
 * thread's share, apart from the store's writer thread.
 */
function threadCpuMs(): number {
  if (!existsSync('/proc/thread-self/stat')) return NaN;
  const fields = readFileSync('/proc/thread-self/stat', 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Times each store call the assessment makes, by wrapping the repository methods. */
function timed(store: Store, spent: Map<string, number>): Store {
  const wrap = <A extends unknown[], R>(name: string, f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      const t0 = process.hrtime.bigint();
      try {
        return await f(...a);
      } finally {
        spent.set(name, (spent.get(name) ?? 0) + Number(process.hrtime.bigint() - t0) / 1e6);
      }
    };
  return {
    ...store,
    endpoints: { ...store.endpoints, findByDeviceId: wrap('findByDeviceId', store.endpoints.findByDeviceId.bind(store.endpoints)) },
    assessments: { loadState: wrap('loadState', store.assessments.loadState.bind(store.assessments)), record: wrap('record', store.assessments.record.bind(store.assessments)) },
  };
}

export const pdpIngestBench: Bench = {
  name: 'pdp-ingest',
  description: `store path of a PT-TLS assessment: findByDeviceId + pdp.ingest of ${PACKAGES}-package OS IMC reports, ${ENDPOINTS.toLocaleString('en-US')} endpoints, real SQLite on disk, main thread, ${MEASURE_MS / 1000} s`,
  async run(): Promise<BenchResult> {
    header('pdp-ingest', this.description);
    const tmp = tempDir('kenneki-bench-pdp-ingest-');
    const spent = new Map<string, number>();
    // BENCH_WRITER_THREAD=0: assessments written on the main thread (store.writer_thread: false).
    const raw = createSqliteStore(join(tmp.dir, 'kenneki.db'), { writerThread: process.env['BENCH_WRITER_THREAD'] !== '0' });
    const store = timed(raw, spent);
    try {
      const tenantId = 'default';
      const now = new Date();
      const clock = new ManualClock(now);
      const u = buildUniverse(now);
      await store.tenants.ensure({ id: tenantId, name: 'Default' });
      await store.definitions.replaceFeed(
        tenantId,
        { name: 'bench-debian', format: 'kenneki', importedAt: now.toISOString(), advisories: u.advisories.length, forbidden: u.forbidden.length },
        { advisories: u.advisories, forbidden: u.forbidden, platforms: [] },
        SYSTEM,
      );
      await store.policies.create(neaPolicy(tenantId, now), { ...SYSTEM, action: 'policy.create', targetType: 'policy' });
      const pdp = new PolicyDecisionPoint({
        store,
        inputs: new DecisionInputs(store),
        bus: new VerdictBus(),
        clock,
        defaults: { unknownEndpointVerdict: 'isolate', staleAfterHours: 24 },
        log: pino({ level: 'silent' }),
      });

      // Reports arrive as JSON over the wire: each assessment parses its own copy.
      const variants = Array.from({ length: INVENTORY_VARIANTS }, (_, v) => {
        const f = endpointPosture(u, profileOf(v), v + 1, PACKAGES, now).facts;
        return JSON.stringify({ os: f.os, packages: f.packages, ipForwarding: f.ipForwarding, factoryDefaultPassword: f.factoryDefaultPassword });
      });
      const deviceIdOf = (i: number) => `machine-${String(i).padStart(6, '0')}`;
      for (let i = 0; i < ENDPOINTS; i++) await store.endpoints.create(tenantId, { deviceId: deviceIdOf(i) }, now.toISOString(), undefined);

      const verdicts = new Map<string, number>();
      const assess = async (i: number) => {
        clock.advance(1);
        const deviceId = deviceIdOf(i % ENDPOINTS);
        const facts = JSON.parse(variants[i % INVENTORY_VARIANTS]!) as PostureFacts;
        facts.deviceId = { status: 'ok', value: deviceId, collectedAt: clock.now().toISOString(), source: 'nea-ietf' };
        const endpoint = await store.endpoints.findByDeviceId(tenantId, deviceId);
        if (!endpoint) throw new Error(`no endpoint for ${deviceId}`);
        const { decision } = await pdp.ingest(tenantId, endpoint.id, { reportedAt: clock.now().toISOString(), facts }, 'nea-ietf');
        verdicts.set(decision.verdict, (verdicts.get(decision.verdict) ?? 0) + 1);
      };

      const w0 = Date.now();
      for (let i = 0; i < ENDPOINTS; i++) await assess(i);
      const warmS = (Date.now() - w0) / 1000;
      verdicts.clear();
      spent.clear();

      const written0 = writtenBytes();
      const cpu0 = process.cpuUsage();
      const main0 = threadCpuMs();
      const t0 = Date.now();
      let n = 0;
      while (Date.now() - t0 < MEASURE_MS) await assess(n++);
      const wallS = (Date.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      const mainMs = threadCpuMs() - main0;
      const writtenKb = (writtenBytes() - written0) / 1024 / n;
      const per = (name: string) => fmt.n((spent.get(name) ?? 0) / n, 3);

      console.log(`warm-up:  first report of ${ENDPOINTS} endpoints in ${fmt.n(warmS)} s; verdicts of the measured reports: ${[...verdicts].map(([k, v]) => `${k} ${v}`).join(', ')}`);
      printTable(
        ['assessments', 'per s', 'CPU ms/assessment', 'main thread', 'KB written/assessment', 'findByDeviceId ms', 'loadState ms', 'record ms', 'rest (engine, ingest) ms'],
        [[fmt.int(n), fmt.int(n / wallS), fmt.n(cpuMs / n, 3), fmt.n(mainMs / n, 3), fmt.n(writtenKb), per('findByDeviceId'), per('loadState'), per('record'), fmt.n((wallS * 1000 - [...spent.values()].reduce((s, x) => s + x, 0)) / n, 3)]],
      );
      console.log('note:     one process, one assessment at a time, no HTTP or TLS; CPU (all threads) includes the report JSON.parse; main thread: without the writer thread.');
      console.log('          Split times are wall time per call.');
      console.log('          KB written: write(2)/pwrite(2) bytes of this process (WAL frames and checkpoints), /proc/self/io wchar.');
      // What one assessment stores, row by row (average JSON length of the stored columns).
      const db = new Database(join(tmp.dir, 'kenneki.db'), { readonly: true });
      try {
        const avg = (table: string, column: string) => (db.prepare(`SELECT avg(length(${column})) AS n FROM ${table}`).get() as { n: number | null }).n ?? 0;
        const sizes = [
          ['endpoint_posture.facts', avg('endpoint_posture', 'facts')],
          ['endpoint_posture.last_known', avg('endpoint_posture', 'last_known')],
          ['posture_snapshots.facts', avg('posture_snapshots', 'facts')],
          ['endpoint_decisions.decision', avg('endpoint_decisions', 'decision')],
          ['check_results.result', avg('check_results', 'result')],
        ] as const;
        console.log(`stored:   average bytes per row: ${sizes.map(([k, v]) => `${k} ${fmt.int(v)}`).join(', ')}`);
      } finally {
        db.close();
      }
      return {
        name: 'pdp-ingest',
        figures: [
          { label: `pdp.ingest store path per assessment (${PACKAGES} pkgs)`, value: `${fmt.n(cpuMs / n, 3)} ms CPU` },
          { label: `pdp.ingest store path per assessment, main thread (${PACKAGES} pkgs)`, value: `${fmt.n(mainMs / n, 3)} ms CPU` },
          { label: 'pdp.ingest store path assessments/s (one thread)', value: fmt.int(n / wallS) },
          { label: 'pdp.ingest store bytes written per assessment', value: `${fmt.n(writtenKb)} KB` },
        ],
      };
    } finally {
      await raw.close();
      await tmp.remove();
    }
  },
};

// Alone: `node dist/simulations/bench/pdp-ingest.js`.
runIfMain(pdpIngestBench, import.meta.url);
