/**
 * Gateway allow-list (nft): time from a verdict change to the nft rule being in force, for one,
 * 1,000 and 10,000 endpoints at once, against the naive approach of other NAC products (one nft
 * process per endpoint change, as PacketFence runs one ipset call per change) on the same table.
 *
 * 1. A network namespace of the benchmark's own (`kkbench<pid>`, removed on exit); every nft
 *    process, Kenneki's and the reference's, runs as `ip netns exec kkbench<pid> nft ...` (the
 *    NftRunner's `wrap`), so both pay the same wrapper.
 * 2. Kenneki as it runs in the policy server (allowlist-adapter.ts): a real AddressView, told by
 *    `noteAgent` that endpoint ep-i holds 10.64.x.y (an agent-reported address, no MAC, so an
 *    allowed entry is one element in `allowed` as in the reference), each endpoint first isolated;
 *    then a GatewayEnforcer subscribed to the view and started with the view's snapshot: 10,000
 *    quarantined addresses in table `inet kk_bench`.
 * 3. A change is handed over as `view.onVerdict(VerdictChange)` (allow ↔ isolate); the clock
 *    starts there and stops when the promise `enforcer.changes()` returned for the view's batch
 *    resolves, i.e. nft exited 0 and the elements are in the kernel. That covers the view's
 *    recompute and its per-turn batch, the applier's per-turn coalescing, the nft script and the
 *    nft process. A burst is N onVerdict calls in one turn: one batch, one nft run.
 * 4. The reference does the same element moves, one `nft add element inet kk_bench <to> { ip } ;
 *    delete element inet kk_bench <from> { ip }` process per endpoint, sequentially, each awaited
 *    until it exited 0.
 * 5. Scenarios, each ending where it started (every address quarantined, so the applier's view of
 *    the table stays true after the reference's edits, which a reconcile at the end confirms):
 *    - single: BENCH_ALLOWLIST_SINGLES changes one at a time, allow and isolate alternating over
 *      spread endpoints; every 20th is checked in the kernel (`nft -j list set` of both sets,
 *      compared with the model exactly), outside the timing and CPU windows;
 *    - burst 1k: 1,000 endpoints allowed in one turn, then isolated again, BENCH_ALLOWLIST_BURSTS
 *      runs; every run checked in the kernel;
 *    - batch 10k: all 10,000 likewise, BENCH_ALLOWLIST_BATCHES runs.
 *    The reference runs single and burst 1k (2 runs); its 10k figure is 10 × its 1k time unless
 *    BENCH_ALLOWLIST_NAIVE_10K=1 runs it (two runs of about 200 s each here).
 * 6. CPU per change: this process's CPU (process.cpuUsage: the view, the applier, spawning) plus
 *    the nft children's (cutime + cstime of /proc/self/stat: children this process has waited
 *    for, in clock ticks, so a single change's figure is the sum over the run's windows).
 *
 * Reading the figures: a single change is one nft process either way, so Kenneki and the
 * reference are close there; on this VM one `nft` transaction against this table takes about
 * 15–20 ms of wall time (a few ms of it CPU; the same from a shell), which is most of the
 * single-change latency. Coalescing is what separates them from 1k changes on.
 *
 * `npm run bench -- allowlist`, or alone: `npm run build && node dist/simulations/bench/allowlist.js`.
 * Needs root (a network namespace) and the Debian packages nftables and iproute2.
 */
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Decision } from '../../policy/decide/decision.js';
import type { Verdict } from '../../policy/decide/policy.js';
import { AddressView, type AddressChange, type AddressViewOptions } from '../../policy/addresses/address-view.js';
import { systemClock } from '../../policy/service/clock.js';
import type { VerdictChange } from '../../policy/service/verdict-bus.js';
import type { GatewayLocal, GatewayPolicy } from '../../gateway/allowlist/contract.js';
import { GatewayEnforcer } from '../../gateway/allowlist/gateway-enforcer.js';
import { ipToNumber, numberToIp } from '../../gateway/allowlist/nft/ruleset.js';
import { fmt, header, onCleanup, printFigures, printTable, referenceWorkMs, runIfMain, summarize, type Bench, type BenchResult, type Figure } from './common.js';
import { cpuAdd, cpuNow, cpuSince, createNamespace, naiveChange, requireBinary, type BenchNamespace, type Cpu } from './allowlist/kernel.js';

const ENDPOINTS = 10_000;
const BURST = 1_000;
const SINGLES = Number(process.env['BENCH_ALLOWLIST_SINGLES']) || 400;
/** Runs of each burst; rounded up to even, so the table ends as it started. */
const BURSTS = evenUp(Number(process.env['BENCH_ALLOWLIST_BURSTS']) || 6);
const BATCHES = evenUp(Number(process.env['BENCH_ALLOWLIST_BATCHES']) || 4);
const NAIVE_BURSTS = 2;
const NAIVE_10K = process.env['BENCH_ALLOWLIST_NAIVE_10K'] === '1';
const VERIFY_EVERY = 20;
const WARMUP = 10;

const TENANT = 'bench';
const TABLE = 'kk_bench';
const FIRST = ipToNumber('10.64.0.0') + 1;
const LOCAL: GatewayLocal = { table: TABLE, clientNetworks: ['10.64.0.0/16'], directInterfaces: [] };
const POLICY: GatewayPolicy = {
  remediation: ['10.9.0.5'],
  services: [
    { ip: '10.0.0.10', proto: 'tcp', port: 271 },
    { ip: '10.0.0.53', proto: 'udp', port: 53 },
  ],
};
const TARGET_SINGLE_P99_MS = 50;
const TARGET_10K_MS = 1000;

type Access = 'allowed' | 'quarantined';
type Approach = 'Kenneki' | 'naive';

function evenUp(n: number): number {
  return Math.max(2, n + (n % 2));
}

const ipOf = (i: number): string => numberToIp(FIRST + i);
const endpointOf = (i: number): string => `ep-${i}`;
const flip = (a: Access): Access => (a === 'allowed' ? 'quarantined' : 'allowed');
const verdictOf = (a: Access): Verdict => (a === 'allowed' ? 'allow' : 'isolate');

function verdictChange(i: number, to: Access): VerdictChange {
  const verdict = verdictOf(to);
  const now = new Date().toISOString();
  // The view reads tenantId, endpointId, mac and verdict; the decision is a placeholder.
  const decision: Decision = { verdict, monitoredVerdict: verdict, reasons: [], remediation: [], trace: { evaluatedAt: now, defaulted: 'benchmark', checks: [], exceptions: [] } };
  return { tenantId: TENANT, endpointId: endpointOf(i), previous: verdictOf(flip(to)), verdict, cause: 'posture', decidedAt: now, decision };
}

/** What the table must hold: every endpoint's address in `allowed` or `quarantined`. */
class Model {
  readonly access: Access[] = Array.from({ length: ENDPOINTS }, () => 'quarantined');
  set(i: number, a: Access): void {
    this.access[i] = a;
  }
  members(a: Access): Set<string> {
    const out = new Set<string>();
    this.access.forEach((x, i) => x === a && out.add(ipOf(i)));
    return out;
  }
}

interface Sample {
  ms: number;
  cpu: Cpu;
}

/** Kenneki's path: AddressView → GatewayEnforcer, wired as allowlist-adapter.ts wires them. */
class KennekiPath {
  private waiting: ((p: Promise<void>, n: number) => void) | undefined;

  constructor(
    readonly view: AddressView,
    readonly enforcer: GatewayEnforcer,
  ) {
    view.subscribe((changes: readonly AddressChange[]) => {
      const p = enforcer.changes(changes.map((c) => ({ tenantId: c.tenantId, ip: c.ip, ...(c.entry ? { entry: c.entry } : {}) })));
      const w = this.waiting;
      this.waiting = undefined;
      if (w) w(p, changes.length);
      else p.catch(() => {});
    });
  }

  /** Hands the changes over in one turn; resolves when the view's batch is in force. */
  async handOver(changes: readonly { i: number; to: Access }[], model: Model): Promise<Sample & { batch: number; runs: number; nftMs: number }> {
    let timer: NodeJS.Timeout | undefined;
    const got = new Promise<{ p: Promise<void>; n: number }>((resolve, reject) => {
      this.waiting = (p, n) => resolve({ p, n });
      timer = setTimeout(() => reject(new Error('the address view sent no batch within 30 s')), 30_000);
    });
    const runs0 = this.enforcer.applier.stats().runs;
    const c0 = cpuNow();
    const t0 = performance.now();
    for (const c of changes) this.view.onVerdict(verdictChange(c.i, c.to));
    try {
      const { p, n } = await got;
      await p;
      const ms = performance.now() - t0;
      const cpu = cpuSince(c0);
      for (const c of changes) model.set(c.i, c.to);
      const st = this.enforcer.applier.stats();
      return { ms, cpu, batch: n, runs: st.runs - runs0, nftMs: st.lastRunMs };
    } finally {
      clearTimeout(timer);
      this.waiting = undefined;
    }
  }
}

/** The reference: one nft process per change, one after the other. */
async function naive(ns: BenchNamespace, nft: string, changes: readonly { i: number; to: Access }[], model: Model): Promise<Sample> {
  const c0 = cpuNow();
  const t0 = performance.now();
  for (const c of changes) {
    await naiveChange(ns.wrap, nft, TABLE, ipOf(c.i), flip(c.to), c.to);
    model.set(c.i, c.to);
  }
  return { ms: performance.now() - t0, cpu: cpuSince(c0) };
}

/** Both sets in the kernel equal the model, or an Error saying how they differ. */
function verifyKernel(ns: BenchNamespace, model: Model, what: string): void {
  for (const set of ['allowed', 'quarantined'] as const) {
    const live = ns.listSet(TABLE, set);
    const want = model.members(set);
    const missing = [...want].filter((ip) => !live.has(ip));
    const extra = [...live].filter((ip) => !want.has(ip));
    if (missing.length || extra.length) {
      throw new Error(`${what}: kernel set ${set} holds ${live.size}, expected ${want.size} (missing ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? '…' : ''}; extra ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? '…' : ''})`);
    }
  }
}

interface Row {
  scenario: string;
  approach: Approach;
  changesPerRun: number;
  /** Per run (single: per change), ms. */
  runs: number[];
  cpu: Cpu;
  changes: number;
  note?: string;
}

const cpuPerChange = (r: Row): number => (r.cpu.node + r.cpu.children) / r.changes;
const msPerChange = (r: Row): number => r.runs.reduce((a, b) => a + b, 0) / (r.runs.length * r.changesPerRun);
const cpuText = (r: Row): string => `${fmt.n(cpuPerChange(r))} (${fmt.n(r.cpu.node / r.changes)} + ${fmt.n(r.cpu.children / r.changes)})`;

/** Single changes, allow and isolate alternating over endpoints spread across the /16; ends as it started. */
function singleSequence(n: number, offset: number): { i: number; to: Access }[] {
  const out: { i: number; to: Access }[] = [];
  for (let k = 0; k < n; k++) {
    const j = offset + (k >> 1);
    out.push({ i: (j * 7919) % ENDPOINTS, to: k % 2 === 0 ? 'allowed' : 'quarantined' });
  }
  return out;
}

async function singles(approach: Approach, seq: { i: number; to: Access }[], run: (c: { i: number; to: Access }) => Promise<Sample & { nftMs?: number }>, ns: BenchNamespace, model: Model): Promise<{ row: Row; nftMs: number[]; verified: number }> {
  const lat: number[] = [];
  const nftMs: number[] = [];
  let cpu: Cpu = { node: 0, children: 0 };
  let c0 = cpuNow();
  let verified = 0;
  for (let k = 0; k < seq.length; k++) {
    const s = await run(seq[k]!);
    lat.push(s.ms);
    if (s.nftMs !== undefined) nftMs.push(s.nftMs);
    if (k % VERIFY_EVERY === VERIFY_EVERY - 1) {
      // Paused: the listing's nft processes are not the change's CPU.
      cpu = cpuAdd(cpu, cpuSince(c0));
      verifyKernel(ns, model, `single change ${k + 1} (${approach}, ${ipOf(seq[k]!.i)} → ${seq[k]!.to})`);
      verified++;
      c0 = cpuNow();
    }
  }
  cpu = cpuAdd(cpu, cpuSince(c0));
  const s = summarize(lat);
  console.log(`  single, ${approach}: ${seq.length} changes, p50 ${fmt.n(s.p50, 2)} ms, p99 ${fmt.n(s.p99, 2)} ms, max ${fmt.n(s.max, 2)} ms${nftMs.length ? `, of which the nft process p50 ${fmt.n(summarize(nftMs).p50, 2)} ms` : ''}; ${verified} checked in the kernel`);
  return { row: { scenario: 'single', approach, changesPerRun: 1, runs: lat, cpu, changes: seq.length }, nftMs, verified };
}

export const allowlistBench: Bench = {
  name: 'allowlist',
  description: 'gateway allow-list: verdict change → nft element in force, 1 / 1k / 10k endpoints, Kenneki (view + coalescing applier) vs one nft process per change',
  async run(): Promise<BenchResult> {
    header(
      'allowlist',
      `verdict change (AddressView.onVerdict) → nft set element in force (nft exited 0), ${fmt.int(ENDPOINTS)} agent-reported addresses in 10.64.0.0/16: single changes, 1k and 10k in one turn; reference: one \`nft add element ; delete element\` process per change, same table, same namespace`,
    );
    const nft = requireBinary('nft');
    const ip = requireBinary('ip');
    if (process.getuid?.() !== 0) throw new Error('the allowlist benchmark needs root (a network namespace)');
    const refMs = referenceWorkMs();
    console.log(`reference work: ${fmt.int(refMs)} ms (about 150–170 ms on an idle host)`);

    const ns = createNamespace(ip, nft);
    console.log(`namespace ${ns.name}; every nft runs as \`${ns.wrap([nft]).join(' ')} ...\``);
    const log = pino({ level: 'silent' });
    const model = new Model();

    // The view: endpoint ep-i holds ipOf(i) (an agent's report; no MAC), verdict isolate.
    // Its store is only written by noteAgent; refresh (store reads) is never started.
    const store = { agentAddresses: { note: async () => {} } } as unknown as AddressViewOptions['store'];
    const view = new AddressView({ store, clock: systemClock, log, agentAddressTtlSeconds: 7 * 86400, refreshSeconds: 86400 });
    onCleanup(() => view.stop());
    for (let i = 0; i < ENDPOINTS; i++) await view.noteAgent(TENANT, ipOf(i), endpointOf(i));
    for (let i = 0; i < ENDPOINTS; i++) view.onVerdict(verdictChange(i, 'quarantined'));
    await new Promise<void>((r) => setImmediate(r));
    const snapshot = view.snapshot();
    if (snapshot.length !== ENDPOINTS || snapshot.some((e) => e.access !== 'quarantined')) throw new Error(`address view: ${snapshot.length} entries, expected ${ENDPOINTS} quarantined`);

    const enforcer = new GatewayEnforcer({ local: LOCAL, nft, wrap: ns.wrap, reconcileSeconds: 86400, log, registry: new Registry() });
    onCleanup(() => enforcer.stop());
    const k = new KennekiPath(view, enforcer);
    let t0 = performance.now();
    await enforcer.start(POLICY, snapshot);
    console.log(`table inet ${TABLE}: ${fmt.int(ENDPOINTS)} quarantined entries put in force by enforcer.start in ${fmt.n(performance.now() - t0)} ms`);
    verifyKernel(ns, model, 'after start');

    // Warm-up (not measured): JIT, the spawn path, nft's caches.
    for (const c of singleSequence(WARMUP, ENDPOINTS)) await k.handOver([c], model);
    for (const c of singleSequence(WARMUP, ENDPOINTS + WARMUP)) await naive(ns, nft, [c], model);
    verifyKernel(ns, model, 'after warm-up');

    const rows: Row[] = [];
    const batchesOk: string[] = [];

    // --- single
    console.log(`\nsingle changes (one at a time, handed over through AddressView.onVerdict; kernel checked every ${VERIFY_EVERY}th):`);
    const seq = singleSequence(SINGLES, 0);
    const ks = await singles('Kenneki', seq, (c) => k.handOver([c], model), ns, model);
    const ns1 = await singles('naive', seq, (c) => naive(ns, nft, [c], model), ns, model);
    rows.push(ks.row, ns1.row);
    verifyKernel(ns, model, 'after the single changes');

    // --- bursts
    const burst = async (size: number, label: string, runsK: number, runsN: number): Promise<void> => {
      // Endpoints spread over the /16 (all of them for 10k).
      const set = Array.from({ length: size }, (_, j) => (size === ENDPOINTS ? j : (j * 9973) % ENDPOINTS));
      console.log(`\n${label}: ${fmt.int(size)} changes handed over in one turn, allowed then isolated again, kernel checked after every run:`);
      const kRuns: number[] = [];
      let kCpu: Cpu = { node: 0, children: 0 };
      for (let r = 0; r < runsK; r++) {
        const to: Access = r % 2 === 0 ? 'allowed' : 'quarantined';
        const s = await k.handOver(
          set.map((i) => ({ i, to })),
          model,
        );
        verifyKernel(ns, model, `${label} run ${r + 1} (Kenneki)`);
        kRuns.push(s.ms);
        kCpu = cpuAdd(kCpu, s.cpu);
        if (s.batch !== size || s.runs !== 1) batchesOk.push(`${label} run ${r + 1}: ${s.batch} in the view's batch, ${s.runs} nft runs`);
        console.log(`  Kenneki run ${r + 1} (→ ${to}): ${fmt.n(s.ms, 1)} ms, ${fmt.int(s.batch)} changes in one view batch, ${s.runs} nft run${s.runs === 1 ? '' : 's'} (nft process ${fmt.n(s.nftMs, 1)} ms), CPU ${fmt.n((s.cpu.node + s.cpu.children) / size, 1)} µs/change`);
      }
      rows.push({ scenario: label, approach: 'Kenneki', changesPerRun: size, runs: kRuns, cpu: kCpu, changes: size * runsK });
      if (runsN === 0) return;
      const nRuns: number[] = [];
      let nCpu: Cpu = { node: 0, children: 0 };
      for (let r = 0; r < runsN; r++) {
        const to: Access = r % 2 === 0 ? 'allowed' : 'quarantined';
        const s = await naive(
          ns,
          nft,
          set.map((i) => ({ i, to })),
          model,
        );
        verifyKernel(ns, model, `${label} run ${r + 1} (naive)`);
        nRuns.push(s.ms);
        nCpu = cpuAdd(nCpu, s.cpu);
        console.log(`  naive run ${r + 1} (→ ${to}): ${fmt.n(s.ms, 1)} ms (${fmt.int(size)} nft processes, ${fmt.n(s.ms / size, 2)} ms each), CPU ${fmt.n((s.cpu.node + s.cpu.children) / size, 1)} µs/change`);
      }
      rows.push({ scenario: label, approach: 'naive', changesPerRun: size, runs: nRuns, cpu: nCpu, changes: size * runsN });
    };
    await burst(BURST, 'burst 1k', BURSTS, NAIVE_BURSTS);
    await burst(ENDPOINTS, 'batch 10k', BATCHES, NAIVE_10K ? 2 : 0);
    const naive1k = rows.find((r) => r.scenario === 'burst 1k' && r.approach === 'naive')!;
    if (!NAIVE_10K) {
      // 10 × the 1k runs: the reference's cost is linear (one process per change).
      rows.push({ scenario: 'batch 10k', approach: 'naive', changesPerRun: ENDPOINTS, runs: naive1k.runs.map((ms) => ms * (ENDPOINTS / BURST)), cpu: naive1k.cpu, changes: naive1k.changes, note: 'estimated: 10 × its 1k runs' });
      console.log(`  naive: not run (BENCH_ALLOWLIST_NAIVE_10K=1 runs it); estimated as 10 × its 1k runs: ${naive1k.runs.map((ms) => `${fmt.n((ms * ENDPOINTS) / BURST / 1000, 1)} s`).join(', ')}`);
    }

    // The applier's belief and the kernel agree after the reference's edits (ended where it started).
    t0 = performance.now();
    const drift = await enforcer.reconcile();
    console.log(`\nreconcile at the end: ${drift.length === 0 ? 'no drift' : `DRIFT ${drift.join('; ')}`} (${fmt.n(performance.now() - t0)} ms); applier stats ${JSON.stringify(enforcer.applier.stats())}`);

    // --- table
    const kOf = (scenario: string) => rows.find((r) => r.scenario === scenario && r.approach === 'Kenneki')!;
    const ratio = (r: Row) => msPerChange(r) / msPerChange(kOf(r.scenario));
    console.log('');
    printTable(
      ['scenario', 'approach', 'changes', 'p50 ms', 'p99 ms', 'max ms', 'total ms', 'changes/s', 'CPU µs/change (node + nft)', 'naive/Kenneki'],
      rows.map((r) => {
        const s = summarize(r.runs);
        const total = r.runs.reduce((a, b) => a + b, 0);
        return [
          r.scenario,
          r.approach + (r.note ? ' (est.)' : ''),
          r.changesPerRun === 1 ? `${r.runs.length} × 1` : `${r.runs.length} × ${fmt.int(r.changesPerRun)}`,
          fmt.n(s.p50, 2),
          r.changesPerRun === 1 ? fmt.n(s.p99, 2) : '-',
          fmt.n(s.max, 2),
          fmt.n(total, 0),
          fmt.int(1000 / msPerChange(r)),
          cpuText(r),
          r.approach === 'naive' ? `${fmt.n(ratio(r), 1)}×` : '',
        ];
      }),
    );
    console.log('  single: p50/p99/max per change; bursts: p50/max per run (one run = all its changes in force). CPU: this process + reaped nft children, per change.');
    if (!NAIVE_10K) console.log('  naive batch 10k (est.): 10 × the naive 1k runs, CPU per change from them.');

    const kSingle = summarize(ks.row.runs);
    const nSingle = summarize(ns1.row.runs);
    const k1k = kOf('burst 1k');
    const k10k = kOf('batch 10k');
    const n10k = rows.find((r) => r.scenario === 'batch 10k' && r.approach === 'naive')!;
    const s1k = summarize(k1k.runs);
    const s10k = summarize(k10k.runs);
    const n1k = summarize(naive1k.runs);
    const sn10k = summarize(n10k.runs);
    const figures: Figure[] = [
      { label: 'allowlist reference work (this machine now)', value: `${fmt.int(refMs)} ms` },
      {
        label: 'allowlist single change p99, Kenneki (view → nft)',
        value: `${fmt.n(kSingle.p99, 2)} ms (p50 ${fmt.n(kSingle.p50, 2)}, max ${fmt.n(kSingle.max, 2)}, n ${kSingle.n})`,
        target: `< ${TARGET_SINGLE_P99_MS} ms`,
        met: kSingle.p99 < TARGET_SINGLE_P99_MS,
      },
      { label: 'allowlist single change p99, naive (nft per change)', value: `${fmt.n(nSingle.p99, 2)} ms (p50 ${fmt.n(nSingle.p50, 2)}, max ${fmt.n(nSingle.max, 2)})` },
      { label: 'allowlist burst 1k, Kenneki / naive (p50 per run)', value: `${fmt.n(s1k.p50, 1)} ms (max ${fmt.n(s1k.max, 1)}) / ${fmt.n(n1k.p50, 0)} ms: ${fmt.n(ratio(naive1k), 1)}× throughput` },
      {
        label: 'allowlist batch 10k, Kenneki (max of runs)',
        value: `${fmt.n(s10k.max, 1)} ms (p50 ${fmt.n(s10k.p50, 1)}, n ${s10k.n})`,
        target: `< ${fmt.int(TARGET_10K_MS)} ms`,
        met: s10k.max < TARGET_10K_MS,
      },
      { label: `allowlist batch 10k, naive${n10k.note ? ' (est. 10 × 1k)' : ''}`, value: `${fmt.n(sn10k.p50 / 1000, 1)} s: ${fmt.n(ratio(n10k), 0)}× Kenneki's time` },
      { label: 'allowlist CPU µs/change single, Kenneki / naive', value: `${fmt.n(cpuPerChange(ks.row))} / ${fmt.n(cpuPerChange(ns1.row))}` },
      { label: 'allowlist CPU µs/change 1k, Kenneki / naive', value: `${fmt.n(cpuPerChange(k1k))} / ${fmt.n(cpuPerChange(naive1k))}` },
      { label: 'allowlist CPU µs/change 10k, Kenneki', value: fmt.n(cpuPerChange(k10k)) },
      {
        label: 'allowlist kernel checks, one view batch + one nft run per burst, no drift',
        value: `${ks.verified + ns1.verified} single samples + every burst ok${batchesOk.length ? `; ${batchesOk.join('; ')}` : ''}${drift.length ? `; drift ${drift.length}` : ''}`,
        target: 'all',
        met: batchesOk.length === 0 && drift.length === 0,
      },
    ];
    console.log('');
    printFigures(figures);
    await enforcer.stop();
    await ns.remove();
    return { name: 'allowlist', figures };
  },
};

runIfMain(allowlistBench, import.meta.url);
