/**
 * DHCP (issue 7): Kenneki's DHCP server against Kea 2.2, both relayed, under the same perfdhcp
 * load, in the same namespaces, one server after the other.
 *
 * 1. Namespaces (dhcp/netns.ts): perfdhcp as the relay in one (giaddr 10.200.0.1), the server in
 *    the other, a veth pair between them. Nothing else runs in them.
 * 2. Kea (dhcp/kea.ts): shared/bench/peers/kea-dhcp4-memfile.json as it is (memfile,
 *    persist=true, single-threaded, one /16 pool, WARN log), a fresh folder per run.
 * 3. Kenneki (dhcp/kenneki.ts): `kenneki serve`, log level warn, a `dhcp` scope matching the
 *    giaddr with a production and a quarantine pool in the same /16, the same lease time as Kea,
 *    `unknown_mac: quarantine`, leases in its SQLite store (the default). Its store holds
 *    perfdhcp's clients beforehand (80 % healthy → allow → production, 10 % firewall off →
 *    isolate → quarantine, 10 % unknown → quarantine), filled once through the API and copied
 *    per run, so every DISCOVER and REQUEST takes a steering decision and every ACK is durable.
 * 4. Per server and round: a readiness probe, a warm-up step at the start rate, then a ramp
 *    (doubling from BENCH_DHCP_START_RATE) and a bisection over perfdhcp `-r`, each step
 *    `-p BENCH_DHCP_STEP_SECONDS` with `-R CLIENTS` MACs. A step passes when both DISCOVER-OFFER
 *    and REQUEST-ACK drop ratios are ≤ 2.5 % and neither leg's average delay is above
 *    BENCH_DHCP_MAX_AVG_DELAY_MS (100; 0 turns this guard off). The guard is there because a
 *    server with a deep socket buffer (Kenneki asks for 4 MB) that falls a little behind the
 *    offered rate answers later and later through a step, and a step of a few seconds ends before
 *    perfdhcp's 1 s drop time turns that into drops: the average delay shows it instead (a
 *    server keeping up answers in milliseconds). The sustained rate is the passing step with the
 *    highest `-r`, reported as DORA/s = ACKs received / step seconds. perfdhcp runs without -D
 *    (it aborts short runs at random) and with -W 1 s for late answers; its exit code 3 (some
 *    exchanges failed) is a complete run.
 *    Server CPU = utime + stime of the server process (all threads, and any children) from
 *    /proc/<pid>/stat over the step (perfdhcp's spawn to its exit), per ACK received.
 *    Latency: perfdhcp prints min / avg / max delay and the standard deviation per exchange, no
 *    percentiles, so those are what is reported.
 * 5. ROUNDS rounds, the order alternating; each server's figure is the mean over rounds, and the
 *    ratio Kenneki / Kea is that of the means (per-round ratios in parentheses).
 *
 * Reading the figures: perfdhcp shares the machine's two cores with the server and needs CPU of
 * its own at high rates; if it cannot send at the asked rate (DISCOVERs sent / s well below -r)
 * the ramp stops there and says so, and the figure is perfdhcp's limit, not the server's.
 * "server CPU µs/DORA" is the figure least moved by that and by other load on the host. Kea's
 * raw socket keeps the system's default receive buffer (net.core.rmem_default, 208 KiB here)
 * while Kenneki's UDP socket asks for 4 MB: when other work on the host deschedules the server
 * for a few tens of ms, Kea drops where Kenneki queues, so a busy host lowers Kea's figure first.
 *
 * `npm run bench -- dhcp`, or alone: `npm run build && node dist/simulations/bench/dhcp.js`.
 * Needs root (namespaces) and the Debian packages iproute2, util-linux, kea-admin (perfdhcp),
 * kea-dhcp4-server. BENCH_DHCP_CLIENTS (10000), BENCH_DHCP_STEP_SECONDS (5),
 * BENCH_DHCP_START_RATE (1000), BENCH_DHCP_MAX_RATE (64000), BENCH_DHCP_BISECT (3),
 * BENCH_DHCP_ROUNDS (2), BENCH_DHCP_SERVERS (kea,kenneki) size the run; BENCH_SERVER_NODE_ARGS
 * passes node flags to `kenneki serve` (e.g. --cpu-prof), BENCH_KEA_CONFIG names another copy of
 * the Kea reference config.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, header, printFigures, printTable, processTreeCpuSeconds, referenceWorkMs, runIfMain, sleep, tempDir, type Bench, type BenchResult, type Figure } from './common.js';
import { keaLog, keaReference, startKea } from './dhcp/kea.js';
import { KENNEKI_POOLS, populateStore, startKenneki, type KennekiRun } from './dhcp/kenneki.js';
import { createBenchNetns, NET, rangeSize, requireBinary, type BenchNetns, type NsProcess } from './dhcp/netns.js';
import { perfdhcpStep, type PerfdhcpExchange, type Step } from './dhcp/perfdhcp.js';

const CLIENTS = Number(process.env['BENCH_DHCP_CLIENTS']) || 10_000;
const STEP_S = Number(process.env['BENCH_DHCP_STEP_SECONDS']) || 5;
const START_RATE = Number(process.env['BENCH_DHCP_START_RATE']) || 1_000;
const MAX_RATE = Number(process.env['BENCH_DHCP_MAX_RATE']) || 64_000;
const BISECT = Number(process.env['BENCH_DHCP_BISECT'] ?? 3);
const ROUNDS = Number(process.env['BENCH_DHCP_ROUNDS']) || 2;
const SERVERS = (process.env['BENCH_DHCP_SERVERS'] ?? 'kea,kenneki').split(',').map((s) => s.trim()) as ServerName[];
const MAX_DROPS_PERCENT = 2.5;
/** 0 turns the queueing guard off (drops alone decide). */
const MAX_AVG_DELAY_MS = Number(process.env['BENCH_DHCP_MAX_AVG_DELAY_MS'] ?? 100);
/** perfdhcp sending below this share of the asked rate is its own limit: the ramp stops. */
const SEND_SHORTFALL = 0.9;
const TARGET_RATIO = 1.0;

type ServerName = 'kea' | 'kenneki';
const LABEL: Record<ServerName, string> = { kea: 'Kea', kenneki: 'Kenneki' };

interface Running {
  pid: number;
  process: NsProcess;
  /** Anything odd the server itself reports (Kea's WARN log, Kenneki's drop counters). */
  notes(): Promise<string[]>;
  stop(): Promise<void>;
}

interface ServerRun {
  server: ServerName;
  round: number;
  warmup: Step;
  steps: Step[];
  /** The passing step with the highest -r; undefined if none passed. */
  best: Step | undefined;
  /** Why the ramp stopped going up. */
  stopped: string;
  notes: string[];
  /** Kenneki: ACKs by pool over the whole run. */
  acksByPool?: Record<string, number>;
}

/** perfdhcp exits 3 when some exchanges failed (drops): a complete run all the same. */
const completed = (s: Step) => s.exitCode === 0 || s.exitCode === 3;
const avgDelayMs = (s: Step) => Math.max(s.discoverOffer.avgDelayMs ?? Infinity, s.requestAck.avgDelayMs ?? Infinity);
const queueing = (s: Step) => MAX_AVG_DELAY_MS > 0 && avgDelayMs(s) > MAX_AVG_DELAY_MS;
const passes = (s: Step) => completed(s) && s.dropsPercent <= MAX_DROPS_PERCENT && !queueing(s);
const cpuUs = (s: Step) => (s.dora > 0 ? (s.serverCpuS / s.dora) * 1e6 : NaN);
const delays = (e: PerfdhcpExchange) => `${fmt.n(e.avgDelayMs ?? NaN, 2)} / ${fmt.n(e.maxDelayMs ?? NaN, 1)} / ${fmt.n(e.stdDevMs ?? NaN, 2)}`;

function describe(s: Step): string {
  return (
    `-r ${String(s.rate).padStart(6)}: ${fmt.int(s.doraPerSecond).padStart(6)} DORA/s (${fmt.int(s.dora)} ACKs, DISCOVERs sent ${fmt.int(s.discoverSentPerSecond)}/s), ` +
    `drops D-O ${fmt.n(s.discoverOffer.dropsPercent, 2)} % R-A ${fmt.n(s.requestAck.dropsPercent, 2)} %, ` +
    `server CPU ${fmt.n(cpuUs(s))} µs/DORA (${fmt.n((s.serverCpuS / s.wallS) * 100, 0)} % of a core), machine busy ${fmt.n((s.machineBusyS / s.wallS) * 50, 0)} %, ` +
    `delay avg/max/sd ms D-O ${delays(s.discoverOffer)}, R-A ${delays(s.requestAck)}` +
    (s.requestAck.rejectedLeases || s.requestAck.nonUniqueAddresses || s.discoverOffer.nonUniqueAddresses ? `, rejected ${s.requestAck.rejectedLeases}, non-unique ${s.requestAck.nonUniqueAddresses + s.discoverOffer.nonUniqueAddresses}` : '') +
    (!completed(s) ? `, perfdhcp exit ${String(s.exitCode)}` : '') +
    ` ${passes(s) ? 'pass' : `FAIL${s.dropsPercent > MAX_DROPS_PERCENT ? ' (drops)' : ''}${queueing(s) ? ' (queueing)' : ''}`}`
  );
}

/** Until the server has drained what a failed step left queued: CPU below 20 % of a core over 250 ms. */
async function settle(pid: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const c0 = processTreeCpuSeconds(pid);
    await sleep(250);
    if (processTreeCpuSeconds(pid) - c0 < 0.05 || Date.now() > deadline) return;
  }
}

/** Until something holds UDP port 67 in the server namespace for `pid`. */
async function waitForPort67(netns: BenchNetns, proc: NsProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!netns.exec('server', ['ss', '-H', '-u', '-l', '-n', '-p', 'sport = :67']).includes(`pid=${proc.pid},`)) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`${proc.name} exited:\n${proc.output().slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`${proc.name}: nothing on UDP port 67 after ${timeoutMs / 1000} s:\n${proc.output().slice(-3000)}`);
    await sleep(50);
  }
}

/** A few slow perfdhcp runs until one completes a DORA: the server answers. */
async function probe(netns: BenchNetns, r: Running, name: string): Promise<void> {
  let last: Step | undefined;
  for (let i = 0; i < 5; i++) {
    last = await perfdhcpStep(netns, { rate: 50, clients: CLIENTS, seconds: 1, serverPid: r.pid });
    if (last.dora > 0) return;
  }
  throw new Error(`${name} completed no DORA in 5 probes: ${last ? describe(last) : ''}\n${(await r.notes()).join('\n')}\n${r.process.output().slice(-2000)}`);
}

async function ramp(netns: BenchNetns, r: Running): Promise<{ steps: Step[]; best: Step | undefined; stopped: string }> {
  const steps: Step[] = [];
  const run = async (rate: number) => {
    await settle(r.pid);
    const s = await perfdhcpStep(netns, { rate, clients: CLIENTS, seconds: STEP_S, serverPid: r.pid });
    steps.push(s);
    console.log(`    ${describe(s)}`);
    return s;
  };
  let best: Step | undefined;
  let rate = START_RATE;
  let failedAt: number | undefined;
  let stopped = '';
  for (;;) {
    const s = await run(rate);
    if (!passes(s)) {
      failedAt = rate;
      stopped = !completed(s) ? `perfdhcp failed (exit ${String(s.exitCode)}) at -r ${rate}` : s.dropsPercent > MAX_DROPS_PERCENT ? `drops above ${MAX_DROPS_PERCENT} % at -r ${rate}` : `avg delay above ${MAX_AVG_DELAY_MS} ms at -r ${rate}`;
      break;
    }
    best = s;
    if (s.discoverSentPerSecond < rate * SEND_SHORTFALL) {
      stopped = `perfdhcp sent only ${fmt.int(s.discoverSentPerSecond)} DISCOVERs/s at -r ${rate}: the load generator's limit`;
      break;
    }
    if (rate * 2 > MAX_RATE) {
      stopped = `BENCH_DHCP_MAX_RATE ${MAX_RATE} reached`;
      break;
    }
    rate *= 2;
  }
  if (failedAt !== undefined) {
    let lo = best?.rate ?? 0;
    let hi = failedAt;
    for (let i = 0; i < BISECT && hi - lo > Math.max(50, lo * 0.05); i++) {
      const mid = Math.max(50, Math.round((lo + hi) / 2 / 50) * 50);
      if (mid <= lo || mid >= hi) break;
      const s = await run(mid);
      if (passes(s)) {
        lo = mid;
        best = s;
      } else hi = mid;
    }
    stopped += best ? `; bisected to -r ${best.rate}` : '; no rate passed';
  }
  return { steps, best, stopped };
}

function startServer(netns: BenchNetns, name: ServerName, dir: string, ctx: { template: string; leaseSeconds: number; kea: ReturnType<typeof keaReference> }): Promise<Running & { kenneki?: KennekiRun }> {
  if (name === 'kea') {
    const kea = startKea(netns, ctx.kea, dir);
    return Promise.resolve({
      pid: kea.process.pid,
      process: kea.process,
      async notes() {
        // Kea at WARN logs one line at start (multi-threading off); anything else is worth showing.
        return keaLog(dir)
          .split('\n')
          .filter((l) => l && !l.includes('DHCP4_MULTI_THREADING_INFO'))
          .slice(0, 5);
      },
      stop: () => kea.stop(),
    });
  }
  return startKenneki(netns, ctx.template, dir, ctx.leaseSeconds).then((k) => ({
    pid: k.process.pid,
    process: k.process,
    kenneki: k,
    async notes() {
      const drops = await k.counters('kenneki_dhcp_dropped_total', 'reason');
      const nonZero = Object.entries(drops).filter(([, v]) => v > 0);
      const logged = k.process
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .slice(0, 5);
      return [...(nonZero.length ? [`drops by reason: ${nonZero.map(([r, v]) => `${r} ${fmt.int(v)}`).join(', ')}`] : []), ...logged];
    },
    stop: () => k.stop(),
  }));
}

async function measure(netns: BenchNetns, name: ServerName, round: number, dir: string, ctx: Parameters<typeof startServer>[3]): Promise<ServerRun> {
  console.log(`  round ${round}, ${LABEL[name]}:`);
  const r = await startServer(netns, name, dir, ctx);
  try {
    await waitForPort67(netns, r.process);
    await probe(netns, r, LABEL[name]);
    await settle(r.pid);
    const warmup = await perfdhcpStep(netns, { rate: START_RATE, clients: CLIENTS, seconds: STEP_S, serverPid: r.pid });
    console.log(`    warm-up ${describe(warmup)}`);
    const { steps, best, stopped } = await ramp(netns, r);
    const notes = await r.notes();
    const acksByPool = r.kenneki ? await r.kenneki.counters('kenneki_dhcp_replies_total', 'pool', { type: 'ACK' }) : undefined;
    console.log(`    sustained: ${best ? `${fmt.int(best.doraPerSecond)} DORA/s at -r ${best.rate}, ${fmt.n(cpuUs(best))} µs server CPU per DORA` : 'none'} (${stopped})`);
    if (acksByPool) console.log(`    Kenneki ACKs by pool (whole run): ${Object.entries(acksByPool).map(([p, v]) => `${p} ${fmt.int(v)}`).join(', ')}`);
    for (const n of notes) console.log(`    ${LABEL[name]} says: ${n.slice(0, 300)}`);
    return { server: name, round, warmup, steps, best, stopped, notes, ...(acksByPool ? { acksByPool } : {}) };
  } finally {
    await r.stop();
    if (name === 'kea') {
      // persist=true: every ACKed lease is a line in the CSV (header first).
      try {
        const lines = readFileSync(join(dir, 'leases4.csv'), 'utf8').split('\n').length - 2;
        console.log(`    Kea lease file: ${fmt.int(lines)} lease records written`);
      } catch {
        /* none written */
      }
    }
  }
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

export const dhcpBench: Bench = {
  name: 'dhcp',
  description: 'DHCP relayed under perfdhcp: Kenneki (steering, SQLite leases) vs Kea 2.2 (memfile persist, single thread), sustained DORA/s at ≤ 2.5 % drops, CPU/DORA',
  async run(): Promise<BenchResult> {
    header('dhcp', `DHCPv4 relayed, perfdhcp -R ${fmt.int(CLIENTS)} -p ${STEP_S} ramp from -r ${fmt.int(START_RATE)}, pass = drops ≤ ${MAX_DROPS_PERCENT} % on both legs${MAX_AVG_DELAY_MS > 0 ? ` and avg delay ≤ ${MAX_AVG_DELAY_MS} ms` : ''}: Kenneki (steering on, durable SQLite leases) vs Kea 2.2 (memfile persist=true, single thread), same namespaces, one after the other`);
    for (const b of ['ip', 'setpriv', 'perfdhcp', 'kea-dhcp4'] as const) requireBinary(b);
    if (process.getuid?.() !== 0) throw new Error('the dhcp benchmark needs root (network namespaces)');
    const unknownServer = SERVERS.find((s) => !(s in LABEL));
    if (unknownServer) throw new Error(`BENCH_DHCP_SERVERS: unknown server ${unknownServer} (kea, kenneki)`);
    const refMs = referenceWorkMs();
    console.log(`reference work: ${fmt.int(refMs)} ms (about 150–170 ms on an idle host)`);
    const kea = keaReference();
    const prodSize = rangeSize(KENNEKI_POOLS.production);
    const quarSize = rangeSize(KENNEKI_POOLS.quarantine);
    if (CLIENTS > Math.min(kea.poolSize, quarSize, prodSize)) throw new Error(`BENCH_DHCP_CLIENTS ${CLIENTS} exceeds a pool (Kea ${kea.poolSize}, Kenneki production ${prodSize} / quarantine ${quarSize})`);
    console.log(`Kea config: ${kea.source} (pool ${fmt.int(kea.poolSize)} addresses, valid-lifetime ${kea.validLifetime} s)`);
    console.log(`Kenneki: scope "bench" for giaddr ${NET.giaddr}, production ${KENNEKI_POOLS.production} (${fmt.int(prodSize)}), quarantine ${KENNEKI_POOLS.quarantine} (${fmt.int(quarSize)}), lease ${kea.validLifetime} s, unknown_mac: quarantine, log warn`);
    let uptime = '';
    try {
      uptime = execFileSync('uptime', { encoding: 'utf8' }).trim();
    } catch {
      /* informational */
    }
    if (uptime) console.log(`uptime: ${uptime}`);

    const { dir } = tempDir('kenneki-bench-dhcp-');
    const template = join(dir, 'kenneki-template');
    mkdirSync(template);
    if (SERVERS.includes('kenneki')) {
      const pop = await populateStore(template, CLIENTS);
      console.log(`Kenneki store: ${fmt.int(CLIENTS)} perfdhcp clients, registered through the API in ${fmt.n(pop.seconds)} s: ${Object.entries(pop.verdicts).map(([k, v]) => `${k} ${fmt.int(v)}`).join(', ')}`);
    }

    const netns = createBenchNetns();
    await netns.waitUp();
    console.log(`namespaces: ${netns.namespaces.relay} (perfdhcp, giaddr ${NET.giaddr}) ↔ ${netns.namespaces.server} (server ${NET.server})`);
    const runs: ServerRun[] = [];
    const ctx = { template, leaseSeconds: kea.validLifetime, kea };
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? SERVERS : [...SERVERS].reverse();
      for (const s of order) runs.push(await measure(netns, s, round, join(dir, `${s}-round${round}`), ctx));
    }

    // Per server: the mean over rounds of the sustained step.
    const per = (s: ServerName) => {
      const rs = runs.filter((r) => r.server === s);
      const bests = rs.map((r) => r.best).filter((b): b is Step => b !== undefined);
      return {
        runs: rs,
        rate: rs.length ? mean(rs.map((r) => r.best?.doraPerSecond ?? 0)) : NaN,
        cpu: mean(bests.map(cpuUs)),
        bests,
      };
    };
    const k = per('kenneki');
    const f = per('kea');
    const ratio = k.rate / f.rate;
    const roundRatios = Array.from({ length: ROUNDS }, (_, i) => {
      const kr = k.runs.find((r) => r.round === i + 1)?.best?.doraPerSecond ?? 0;
      const fr = f.runs.find((r) => r.round === i + 1)?.best?.doraPerSecond ?? NaN;
      return kr / fr;
    });

    console.log('');
    printTable(
      ['server', 'round', '-r', 'DORA/s', 'drops D-O %', 'drops R-A %', 'CPU µs/DORA', 'core %', 'D-O avg/max/sd ms', 'R-A avg/max/sd ms', 'stopped because'],
      runs.map((r) => {
        const b = r.best;
        return [
          LABEL[r.server],
          String(r.round),
          b ? String(b.rate) : '-',
          b ? fmt.int(b.doraPerSecond) : '0',
          b ? fmt.n(b.discoverOffer.dropsPercent, 2) : '-',
          b ? fmt.n(b.requestAck.dropsPercent, 2) : '-',
          b ? fmt.n(cpuUs(b)) : '-',
          b ? fmt.n((b.serverCpuS / b.wallS) * 100, 0) : '-',
          b ? delays(b.discoverOffer) : '-',
          b ? delays(b.requestAck) : '-',
          r.stopped,
        ];
      }),
    );

    const lastB = (x: ReturnType<typeof per>) => x.bests.at(-1);
    const delayFig = (x: ReturnType<typeof per>) => {
      const b = lastB(x);
      return b ? `D-O ${delays(b.discoverOffer)}, R-A ${delays(b.requestAck)} ms` : 'n/a';
    };
    const pools = k.runs.map((r) => r.acksByPool ?? {});
    const prod = pools.reduce((n, p) => n + (p['production'] ?? 0), 0);
    const quar = pools.reduce((n, p) => n + (p['quarantine'] ?? 0), 0);
    const steeringOk = k.runs.length === 0 || (prod > 0 && quar > 0);
    const both = SERVERS.includes('kea') && SERVERS.includes('kenneki');
    const figures: Figure[] = [
      { label: 'dhcp reference work (this machine now)', value: `${fmt.int(refMs)} ms` },
      { label: `dhcp Kea DORA/s at ≤ ${MAX_DROPS_PERCENT} % drops${MAX_AVG_DELAY_MS > 0 ? ` (avg delay ≤ ${MAX_AVG_DELAY_MS} ms)` : ''}`, value: SERVERS.includes('kea') ? fmt.int(f.rate) : 'not run' },
      { label: `dhcp Kenneki DORA/s at ≤ ${MAX_DROPS_PERCENT} % drops${MAX_AVG_DELAY_MS > 0 ? ` (avg delay ≤ ${MAX_AVG_DELAY_MS} ms)` : ''}`, value: SERVERS.includes('kenneki') ? fmt.int(k.rate) : 'not run' },
      {
        label: 'dhcp ratio Kenneki / Kea',
        value: both ? `${fmt.n(ratio, 2)}${ROUNDS > 1 ? ` (${roundRatios.map((x) => fmt.n(x, 2)).join(', ')})` : ''}` : 'n/a',
        target: `≥ ${fmt.n(TARGET_RATIO)}`,
        met: both && ratio >= TARGET_RATIO,
      },
      { label: 'dhcp server CPU/DORA Kea / Kenneki', value: `${fmt.n(f.cpu)} / ${fmt.n(k.cpu)} µs` },
      { label: 'dhcp delay avg/max/sd at that rate, Kea (last round)', value: delayFig(f) },
      { label: 'dhcp delay avg/max/sd at that rate, Kenneki (last round)', value: delayFig(k) },
      { label: 'dhcp Kenneki ACKs production / quarantine', value: `${fmt.int(prod)} / ${fmt.int(quar)}${prod + quar > 0 ? ` (${fmt.n((prod / (prod + quar)) * 100, 0)} % production, 80 % of MACs allowed)` : ''}`, target: 'both pools', met: steeringOk },
    ];
    console.log('');
    printFigures(figures);
    return { name: 'dhcp', figures };
  },
};

runIfMain(dhcpBench, import.meta.url);
