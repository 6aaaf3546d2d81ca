/**
 * Engine only: `evaluate()` on stored posture, no store, no HTTP. This is the cost every report,
 * every re-evaluation and every what-if pays per endpoint, so it bounds everything else.
 *
 * Runs on the main thread (one core for the JavaScript; V8's GC helpers may use a little of the
 * other), over a ring of distinct endpoints so that caches see realistic variety.
 */
import { evaluate, type EvaluationInput } from '../../policy/decide/evaluate.js';
import type { Verdict } from '../../policy/decide/policy.js';
import { createDefinitionsView } from '../../policy/definitions/memory-view.js';
import { fmt, header, printTable, summarize, type Bench, type BenchResult } from './common.js';
import { ADVISORY_COUNT, baselinePolicy, buildUniverse, endpointPosture, exceptionsFor, INVENTORY_SIZE, PROFILE_MIX, profileOf, subjectOf } from './dataset.js';

const DISTINCT_ENDPOINTS = 128;
const WARMUP_MS = 1_500;
const MEASURE_MS = 5_000;
const TARGET_PER_SECOND = 5_000;

export const engineBench: Bench = {
  name: 'engine',
  description: `engine-only evaluations per second on one core (baseline policy, ${INVENTORY_SIZE}-package inventories vs ${ADVISORY_COUNT.toLocaleString('en-US')} advisories)`,
  async run(): Promise<BenchResult> {
    header('engine', this.description);
    const now = new Date();
    const u = buildUniverse(now);
    // Through JSON, as the server gets them (definitions from the store, posture from the HTTP body
    // or the store): flat strings, not the concatenations the generator builds.
    const definitions = createDefinitionsView(JSON.parse(JSON.stringify({ advisories: u.advisories, forbidden: u.forbidden })));
    const policies = [baselinePolicy('default', now)];
    const exceptions = exceptionsFor('default', now);
    const reportedAt = new Date(now.getTime() - 20 * 60_000);

    const inputs: EvaluationInput[] = [];
    for (let i = 0; i < DISTINCT_ENDPOINTS; i++) {
      const p = endpointPosture(u, profileOf(i), i + 1, INVENTORY_SIZE, reportedAt);
      p.facts = JSON.parse(JSON.stringify(p.facts));
      // Updates first reported some days ago, as the store would remember them.
      const firstReported = new Map(p.pendingUpdates.map((x) => [x.id, new Date(now.getTime() - 3 * 86_400_000)]));
      inputs.push({
        subject: subjectOf(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, i),
        posture: { reportedAt: reportedAt.toISOString(), facts: p.facts, lastKnown: p.facts },
        policies,
        exceptions,
        definitions,
        firstReported,
        failingSince: new Map(),
        now,
        defaults: { unknownEndpointVerdict: 'isolate', staleAfterHours: 24 },
      });
    }
    const verdicts: Record<Verdict, number> = { allow: 0, isolate: 0, deny: 0 };
    for (const input of inputs) verdicts[evaluate(input).verdict]++;
    console.log(`dataset:  ${DISTINCT_ENDPOINTS} distinct endpoints, mix ${PROFILE_MIX.map(([p, n]) => `${p} ${n}%`).join(', ')}`);
    console.log(`          ${u.advisories.length} advisories over ${u.packages.filter((p) => p.advisories.length).length} packages, ${u.forbidden.length} forbidden rules, 3 exceptions (1 expired)`);
    console.log(`          verdicts of the ring: allow ${verdicts.allow}, isolate ${verdicts.isolate}, deny ${verdicts.deny}`);

    // Warm-up: let V8 optimise the hot paths before measuring.
    let i = 0;
    for (const end = Date.now() + WARMUP_MS; Date.now() < end; ) evaluate(inputs[i++ % DISTINCT_ENDPOINTS]!);

    const samples = new Float64Array(200_000);
    let n = 0;
    let sink = 0;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const deadline = t0 + BigInt(MEASURE_MS) * 1_000_000n;
    for (let now = t0; now < deadline && n < samples.length; ) {
      const d = evaluate(inputs[i++ % DISTINCT_ENDPOINTS]!);
      const after = process.hrtime.bigint();
      samples[n++] = Number(after - now) / 1e3;
      sink += d.reasons.length;
      now = after;
    }
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    if (sink < 0) console.log(sink); // keeps the results alive

    const s = summarize(samples.subarray(0, n));
    const perSecond = n / wallS;
    printTable(
      ['evaluations', 'wall s', 'evals/s', 'evals per CPU-s', 'p50 µs', 'p99 µs', 'max µs'],
      [[fmt.int(n), fmt.n(wallS, 2), fmt.int(perSecond), fmt.int(n / cpuS), fmt.n(s.p50), fmt.n(s.p99), fmt.n(s.max)]],
    );
    console.log(`process CPU during the run: ${fmt.n(cpuS / wallS, 2)} cores (above 1.00 = GC helper threads)`);
    return {
      name: 'engine',
      figures: [
        { label: 'engine evaluations/s (1 core)', value: fmt.int(perSecond), target: `≥ ${fmt.int(TARGET_PER_SECOND)}`, met: perSecond >= TARGET_PER_SECOND },
        { label: 'engine evaluations per CPU-second', value: fmt.int(n / cpuS) },
        { label: 'engine p50 per evaluation', value: `${fmt.n(s.p50)} µs` },
        { label: 'engine p99 per evaluation', value: `${fmt.n(s.p99)} µs` },
      ],
    };
  },
};
