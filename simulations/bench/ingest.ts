/**
 * HTTP ingestion: POST /api/v1/posture against a real `kenneki serve` child process (real SQLite
 * store on disk, definitions imported through the API, exceptions and identity groups set), with
 * full 1,500-package reports, as fast as 32 concurrent clients can push them.
 *
 * The server's CPU time comes from /proc/<pid>/stat of the child, so it excludes the client; the
 * client and the server still share the same cores, so the throughput is a floor, not a ceiling.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, header, machineBusySeconds, printTable, processCpuSeconds, summarize, tempDir, type Bench, type BenchResult } from './common.js';
import { buildUniverse, endpointPosture, exceptionInputs, groupsOfOwner, INVENTORY_SIZE, kennekiFeedText, ownerName, profileOf } from './dataset.js';
import { closedLoop, HttpClient, login, spawnServer, writeConfig } from './server-process.js';

const ENDPOINTS = 2_000;
/** Endpoints that report during the run: each reports once (warm-up), then again and again. */
const REPORTERS = 600;
const OWNERS = 1_000;
const CONCURRENCY = 32;
const MEASURE_MS = 10_000;
/** Distinct report bodies (each ~70 KB); endpoint i sends variant i % VARIANTS, keeping the mix. */
const VARIANTS = 100;

export const ingestBench: Bench = {
  name: 'ingest',
  description: `HTTP posture ingestion: ${ENDPOINTS.toLocaleString('en-US')} enrolled endpoints, ${REPORTERS} of them re-reporting ${INVENTORY_SIZE.toLocaleString('en-US')}-package posture, concurrency ${CONCURRENCY}, ${MEASURE_MS / 1000} s, server in a child process`,
  async run(): Promise<BenchResult> {
    header('ingest', this.description);
    const tmp = tempDir('kenneki-bench-ingest-');
    const server = await spawnServer(writeConfig(tmp.dir));
    const client = new HttpClient(server.url, CONCURRENCY);
    try {
      const token = await login(client);
      const now = new Date();
      const u = buildUniverse(now);
      await client.json('POST', '/api/v1/definitions', { token, body: { format: 'kenneki', content: kennekiFeedText(u) }, expect: 201 });
      // Groups before endpoints: every identity change re-evaluates the tenant, cheap while empty.
      let owner = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = owner++; i < OWNERS; i = owner++) {
            await client.json('PUT', `/api/v1/identities/user/${ownerName(i)}`, { token, body: { groups: groupsOfOwner(i) } });
          }
        }),
      );
      for (const e of exceptionInputs(now).filter((x) => Date.parse(x.expiresAt) > Date.now())) {
        await client.json('POST', '/api/v1/exceptions', { token, body: e, expect: 201 });
      }

      const credentials: string[] = new Array(ENDPOINTS);
      const enrollStart = Date.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = next++; i < ENDPOINTS; i = next++) {
            const mac = `02:00:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
            const r = await client.json('POST', '/api/v1/endpoints', { token, body: { mac, hostname: `bench-pc-${String(i).padStart(5, '0')}`, owner: ownerName(i % OWNERS), tags: ['laptop'] }, expect: 201 });
            credentials[i] = r.deviceCredential as string;
          }
        }),
      );
      const enrollS = (Date.now() - enrollStart) / 1000;

      // Facts are serialised once per variant; each request only splices in a fresh reportedAt.
      const collectedAt = new Date();
      const facts = Array.from({ length: VARIANTS }, (_, v) => JSON.stringify(endpointPosture(u, profileOf(v), v + 1, INVENTORY_SIZE, collectedAt).facts));
      const bodyOf = (i: number) => `{"reportedAt":"${new Date().toISOString()}","facts":${facts[i % VARIANTS]}}`;
      const avgBodyKb = facts.reduce((s, f) => s + f.length, 0) / VARIANTS / 1024;
      const verdicts = new Map<string, number>();
      let errors = 0;
      const post = async (i: number, latencies?: number[]) => {
        const t0 = process.hrtime.bigint();
        const res = await client.request('POST', '/api/v1/posture', { token: credentials[i % REPORTERS]!, body: bodyOf(i % REPORTERS) });
        latencies?.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (res.status !== 200) {
          if (errors++ < 3) console.error(`posture: ${res.status} ${res.body.slice(0, 200)}`);
          return;
        }
        const v = /"verdict":"(\w+)"/.exec(res.body)?.[1] ?? '?';
        verdicts.set(v, (verdicts.get(v) ?? 0) + 1);
      };

      // First report of each reporting endpoint (isolate → decided, a history row): the warm-up.
      let first = 0;
      const firstStart = Date.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let i = first++; i < REPORTERS; i = first++) await post(i);
        }),
      );
      const firstS = (Date.now() - firstStart) / 1000;
      verdicts.clear();

      // Steady state: the same endpoints report again, round robin, as agents do on a timer.
      const latencies: number[] = [];
      const serverCpu0 = processCpuSeconds(server.pid);
      const clientCpu0 = process.cpuUsage();
      const busy0 = machineBusySeconds();
      const t0 = Date.now();
      const done = await closedLoop(CONCURRENCY, t0 + MEASURE_MS, (_, i) => post(i, latencies));
      const wallS = (Date.now() - t0) / 1000;
      const serverCpuS = processCpuSeconds(server.pid) - serverCpu0;
      const clientCpu = process.cpuUsage(clientCpu0);
      const clientCpuS = (clientCpu.user + clientCpu.system) / 1e6;
      const otherCores = Math.max(0, (machineBusySeconds() - busy0 - serverCpuS - clientCpuS) / wallS);
      const ok = done - errors;
      const s = summarize(latencies);
      const perSecond = ok / wallS;
      const dbMb = ['kenneki.db', 'kenneki.db-wal'].reduce((sum, f) => sum + (statSync(join(tmp.dir, f), { throwIfNoEntry: false })?.size ?? 0), 0) / 2 ** 20;

      console.log(`setup:    ${ENDPOINTS} endpoints enrolled over HTTP in ${fmt.n(enrollS)} s (${fmt.int(ENDPOINTS / enrollS)}/s); ${OWNERS} owners in groups; 2 live exceptions`);
      console.log(`          first report of ${REPORTERS} endpoints (warm-up): ${fmt.n(firstS)} s (${fmt.int(REPORTERS / firstS)}/s); report body ≈ ${fmt.n(avgBodyKb)} KB`);
      console.log(`steady:   verdicts returned: ${[...verdicts].map(([k, v]) => `${k} ${v}`).join(', ')}; errors ${errors}; store now ${fmt.int(dbMb)} MB`);
      printTable(
        ['reports', 'wall s', 'reports/s', 'p50 ms', 'p99 ms', 'server CPU ms/report', 'server cores busy', 'client CPU ms/report', 'other load (cores)'],
        [[fmt.int(ok), fmt.n(wallS, 2), fmt.int(perSecond), fmt.n(s.p50), fmt.n(s.p99), fmt.n((serverCpuS * 1000) / ok, 2), fmt.n(serverCpuS / wallS, 2), fmt.n((clientCpuS * 1000) / ok, 2), fmt.n(otherCores, 2)]],
      );
      console.log('note:     client and server share the same cores; server CPU is the child process only (/proc/<pid>/stat), client CPU is this process.');
      if (errors > 0) throw new Error(`${errors} posture reports failed`);
      return {
        name: 'ingest',
        figures: [
          { label: 'ingest reports/s (HTTP, c=32, 1,500 pkgs)', value: fmt.int(perSecond) },
          { label: 'ingest latency p50 / p99', value: `${fmt.n(s.p50)} / ${fmt.n(s.p99)} ms` },
          { label: 'ingest server CPU per report', value: `${fmt.n((serverCpuS * 1000) / ok, 2)} ms` },
        ],
      };
    } finally {
      client.close();
      await server.stop();
      await tmp.remove();
    }
  },
};
