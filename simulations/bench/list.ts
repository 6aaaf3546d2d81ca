/**
 * The admin endpoint list at 100k endpoints: every filter the API offers, alone and combined,
 * both straight through the Store API (`store.endpoints.list`, the SQL cost) and over HTTP
 * (GET /api/v1/endpoints against a `kenneki serve` child process: validation, auth, JSON).
 * One request at a time, so the figures are latencies, not throughput.
 */
import type { EndpointQuery, EndpointSortField, Store } from '../../policy/store/repository.js';
import { createSqliteStore } from '../../policy/store/sqlite/store.js';
import { fmt, header, printTable, summarize, type Bench, type BenchResult } from './common.js';
import { HttpClient, spawnServer } from './server-process.js';
import { fleet, FLEET_SIZE, type Fleet } from './store-100k.js';

const ITERATIONS = 200;
/**
 * A slow combo gets fewer iterations (at least MIN_ITERATIONS) rather than stalling the run: the
 * `n` column says how many ran. A combo that stops early is far above the target anyway.
 */
const MAX_MS_PER_COMBO = 2_500;
const MIN_ITERATIONS = 5;
const TARGET_P95_MS = 50;
const HOUR_MS = 3_600_000;

export interface Combo {
  label: string;
  qs: Record<string, string>;
}

export function combos(f: Fleet): Combo[] {
  const ago = (h: number) => new Date(f.now.getTime() - h * HOUR_MS).toISOString();
  return [
    { label: 'default (-last_seen)', qs: {} },
    { label: 'verdict=isolate', qs: { verdict: 'isolate' } },
    { label: 'verdict=allow, sort=hostname', qs: { verdict: 'allow', sort: 'hostname' } },
    { label: 'failing_check=firewall', qs: { failing_check: 'firewall' } },
    { label: 'failing_check=pending-updates, verdict=isolate', qs: { failing_check: 'pending-updates', verdict: 'isolate' } },
    { label: `missing_patch=${f.commonPatch}`, qs: { missing_patch: f.commonPatch } },
    { label: `package=${f.commonVulnerablePackage}`, qs: { package: f.commonVulnerablePackage } },
    { label: 'group=dept-07', qs: { group: 'dept-07' } },
    { label: 'group=lab-exempt, verdict=isolate', qs: { group: 'lab-exempt', verdict: 'isolate' } },
    { label: 'last_seen_after=-1h', qs: { last_seen_after: ago(1) } },
    { label: 'last_seen_before=-7d', qs: { last_seen_before: ago(24 * 7) } },
    { label: 'last_seen -72h..-24h, sort=hostname', qs: { last_seen_after: ago(72), last_seen_before: ago(24), sort: 'hostname' } },
    { label: 'q=osk-nb-01 (hostname prefix)', qs: { q: 'osk-nb-01' } },
    { label: 'q=u0123 (owner prefix)', qs: { q: 'u0123' } },
    { label: 'q=02:00:00:01:23 (MAC prefix)', qs: { q: '02:00:00:01:23' } },
    { label: 'sort=hostname', qs: { sort: 'hostname' } },
    { label: 'sort=-last_seen, offset=90000', qs: { offset: '90000' } },
    { label: 'sort=hostname, offset=50000', qs: { sort: 'hostname', offset: '50000' } },
    { label: 'isolate+failing antivirus+seen<24h, sort=owner', qs: { verdict: 'isolate', failing_check: 'antivirus', last_seen_after: ago(24), sort: 'owner' } },
  ];
}

/** The same translation the route does. */
function storeQuery(qs: Record<string, string>): EndpointQuery {
  const sort = qs['sort'] ?? '-last_seen';
  return {
    ...(qs['verdict'] ? { verdict: qs['verdict'] as EndpointQuery['verdict'] } : {}),
    ...(qs['failing_check'] ? { failingCheck: qs['failing_check'] as EndpointQuery['failingCheck'] } : {}),
    ...(qs['missing_patch'] ? { missingPatch: qs['missing_patch'] } : {}),
    ...(qs['package'] ? { packageName: qs['package'] } : {}),
    ...(qs['group'] ? { group: qs['group'] } : {}),
    ...(qs['last_seen_before'] ? { lastSeenBefore: qs['last_seen_before'] } : {}),
    ...(qs['last_seen_after'] ? { lastSeenAfter: qs['last_seen_after'] } : {}),
    ...(qs['q'] ? { search: qs['q'] } : {}),
    sort: { field: sort.replace(/^-/, '') as EndpointSortField, dir: sort.startsWith('-') ? 'desc' : 'asc' },
    limit: Number(qs['limit'] ?? 50),
    offset: Number(qs['offset'] ?? 0),
  };
}

interface Row {
  label: string;
  total: number;
  store: ReturnType<typeof summarize>;
  http?: ReturnType<typeof summarize>;
}

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm: statement preparation, first page faults
  const samples: number[] = [];
  const deadline = Date.now() + MAX_MS_PER_COMBO;
  while (samples.length < ITERATIONS && (Date.now() < deadline || samples.length < MIN_ITERATIONS)) {
    const t0 = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return samples;
}

export const listBench: Bench = {
  name: 'list',
  description: `endpoint list at ${FLEET_SIZE.toLocaleString('en-US')} endpoints: ${ITERATIONS} sequential queries per filter combo, Store API and HTTP`,
  async run(): Promise<BenchResult> {
    header('list', this.description);
    const f = await fleet();
    const cs = combos(f);
    const rows: Row[] = [];

    const store: Store = createSqliteStore(f.dbPath);
    try {
      for (const c of cs) {
        const q = storeQuery(c.qs);
        let total = 0;
        const samples = await time(async () => (total = (await store.endpoints.list(f.tenantId, q)).total));
        rows.push({ label: c.label, total, store: summarize(samples) });
      }
    } finally {
      await store.close();
    }

    const server = await spawnServer(f.configFile);
    const client = new HttpClient(server.url, 1);
    try {
      for (const [i, c] of cs.entries()) {
        const path = `/api/v1/endpoints?${new URLSearchParams(c.qs).toString()}`;
        const samples = await time(async () => {
          const res = await client.request('GET', path, { token: f.adminToken });
          if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.body.slice(0, 200)}`);
        });
        rows[i]!.http = summarize(samples);
      }
    } finally {
      client.close();
      await server.stop();
    }

    console.log(`dataset:  ${fmt.int(FLEET_SIZE)} endpoints (store ${fmt.int(f.dbMb)} MB, built in ${fmt.n(f.buildSeconds)} s), page size 50; times in ms`);
    printTable(
      ['filter', 'matches', 'n', 'store p50', 'p95', 'max', 'HTTP p50', 'p95', 'max', 'p95 < 50'],
      rows.map((r) => [
        r.label,
        fmt.int(r.total),
        String(Math.min(r.store.n, r.http?.n ?? Infinity)),
        fmt.n(r.store.p50),
        fmt.n(r.store.p95),
        fmt.n(r.store.max),
        fmt.n(r.http?.p50 ?? NaN),
        fmt.n(r.http?.p95 ?? NaN),
        fmt.n(r.http?.max ?? NaN),
        Math.max(r.store.p95, r.http?.p95 ?? 0) < TARGET_P95_MS ? 'yes' : 'NO',
      ]),
    );
    const worstHttp = rows.reduce((a, b) => ((b.http?.p95 ?? 0) > (a.http?.p95 ?? 0) ? b : a));
    const worstStore = rows.reduce((a, b) => (b.store.p95 > a.store.p95 ? b : a));
    const misses = rows.filter((r) => Math.max(r.store.p95, r.http?.p95 ?? 0) >= TARGET_P95_MS);
    if (misses.length) console.log(`target missed by: ${misses.map((r) => r.label).join('; ')}`);
    return {
      name: 'list',
      figures: [
        { label: 'list worst p95, Store API (100k)', value: `${fmt.n(worstStore.store.p95)} ms (${worstStore.label})`, target: `< ${TARGET_P95_MS} ms`, met: worstStore.store.p95 < TARGET_P95_MS },
        { label: 'list worst p95, HTTP (100k)', value: `${fmt.n(worstHttp.http?.p95 ?? NaN)} ms (${worstHttp.label})`, target: `< ${TARGET_P95_MS} ms`, met: (worstHttp.http?.p95 ?? Infinity) < TARGET_P95_MS },
        { label: 'list combos within target', value: `${rows.length - misses.length} of ${rows.length}` },
      ],
    };
  },
};
