/**
 * RADIUS EAP-TLS, full handshakes: Kenneki's RADIUS/EAP server against FreeRADIUS 3.2, with the
 * same supplicants (wpa_supplicant's eapol_test) and the same load, in one run.
 *
 * 1. PKI (radius-eap/certs.ts): a test CA, a server certificate and PROCS client certificates
 *    (one per eapol_test slot), all ECDSA P-256. Both servers send the same chain (leaf + CA),
 *    trust the same CA, speak TLS 1.2 only, fragment at 1000 bytes and resume nothing.
 * 2. Kenneki: `kenneki serve` in a child process (server-process.ts), RADIUS on free ports,
 *    `radius.eap` = { methods: [tls], cert_file/key_file = the bench's server chain and key,
 *    client_ca_files = [the test CA], resumption_seconds: 0 }, `radius.workers` one per core, each
 *    holding its own EAP conversations (BENCH_EAP_WORKERS=0: the main process alone, with
 *    `threads` one per core, BENCH_EAP_THREADS; 0 keeps EAP on its main thread), the NAS client 127.0.0.1 with a
 *    32-char secret (Message-Authenticator required), no endpoints registered: the certificates
 *    come from a CA that is not Kenneki's, so no device id decides, and each slot's unknown
 *    Calling-Station-Id follows `unknown_mac: quarantine` → Access-Accept with VLAN 99,
 *    Session-Timeout 300 and Termination-Action, plus User-Name and the MS-MPPE keys.
 * 3. FreeRADIUS (radius-eap/freeradius-eap.ts): `freeradius -f -l stdout` from a minimal raddb,
 *    the eap module with tls only (cache off), answering the same attributes.
 * 4. Load (radius-eap/eapol-load.ts): PROCS eapol_test slots in parallel, each `-r REAUTHS`
 *    (REAUTHS + 1 authentications per process, ~100 ms apart), restarted until SECONDS have
 *    passed; runs under way finish. Throughput = authentications with MPPE keys OK / wall time
 *    (first spawn to last exit); server CPU = utime + stime of the server process and its child
 *    processes (RADIUS workers, if configured) from /proc/<pid>/stat over the pass / those
 *    authentications. Latency: the mean authentication
 *    time of each eapol_test run (its wall time less the 100 ms pauses between re-authentications,
 *    / REAUTHS + 1), p50/p99 over the runs. Each server is warmed up first by one run per slot
 *    (`-r 1`, 2 × PROCS authentications), then by BENCH_EAP_WARMUP_SECONDS (10) of the measured
 *    load, unmeasured (steady state: see WARMUP_SECONDS). Every run of the warm-up and of the measured passes is
 *    checked from eapol_test's output: each authentication must succeed with MPPE keys OK
 *    (eapol_test compares them with the MSK it derived), over a full handshake ("resumed=0"),
 *    and each Access-Accept must carry VLAN 99; RADIUS retransmissions (answers later than 3 s)
 *    are counted apart. ROUNDS rounds, the server order alternating.
 *
 * `npm run bench -- radius-eap-tls`, or alone: `npm run build && node dist/simulations/bench/radius-eap-tls.js`.
 * BENCH_EAP_PROCS (64), BENCH_EAP_SECONDS (20), BENCH_EAP_REAUTHS (9), BENCH_EAP_ROUNDS (2) size the
 * run; BENCH_EAP_LATENCY_EVERY=n times every n-th slot live (off by default: it slows those
 * supplicants down, see radius-eap/eapol-load.ts). BENCH_EAP_PROFILE=1 runs Kenneki under
 * `node --cpu-prof` and prints where its time went (self and inclusive time by function; wall-time
 * samples: time spent preempted counts too; one profile per thread). BENCH_EAP_PERF=1 records each server's first measured
 * pass with `perf record -e cpu-clock -g` (on-CPU samples only, OpenSSL frames included) and
 * prints `perf report` by DSO and symbol (radius-eap/perf.ts; Debian package linux-perf).
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { freeUdpPorts } from '../peers/free-ports.js';
import { fmt, header, onExit, printFigures, printTable, processMemoryMb, referenceWorkMs, runIfMain, summarize, tempDir, type Bench, type BenchResult, type Figure } from './common.js';
import { makePki, writeEapolConfs } from './radius-eap/certs.js';
import { printProfile, profiles, summarizeProfile } from './radius-eap/cpuprofile.js';
import { eapolLoad, requireLoadTools, udpDrops, type EapolLoadResult } from './radius-eap/eapol-load.js';
import { requireFreeradius, startFreeradiusEap } from './radius-eap/freeradius-eap.js';
import { perfRecord, perfReport, removePerfMap, requirePerf } from './radius-eap/perf.js';
import { spawnServer, writeConfig } from './server-process.js';
import { radiusYaml } from '../radius-yaml.js';

const PROCS = Number(process.env['BENCH_EAP_PROCS']) || 64;
const SECONDS = Number(process.env['BENCH_EAP_SECONDS']) || 20;
const REAUTHS = Number(process.env['BENCH_EAP_REAUTHS']) || 9;
const ROUNDS = Number(process.env['BENCH_EAP_ROUNDS']) || 2;
const LATENCY_EVERY = Number(process.env['BENCH_EAP_LATENCY_EVERY']) || 0;
/**
 * Seconds of the measured load, unmeasured, before the first round, for each server. A server is
 * judged at steady state: Kenneki's JIT and heap sizing took longer than the check pass, so its
 * first measured round used to run 10–25 % slower than its second. FreeRADIUS gets the same.
 */
const WARMUP_SECONDS = Number(process.env['BENCH_EAP_WARMUP_SECONDS'] ?? 10);
const PROFILE = process.env['BENCH_EAP_PROFILE'] === '1';
const PERF_PROFILE = process.env['BENCH_EAP_PERF'] === '1';
/**
 * radius.workers for Kenneki: one per core, as the README advises for EAP at scale (each worker
 * holds its own conversations). BENCH_EAP_WORKERS=0 measures the main process with
 * radius.eap.threads (one per core by default, BENCH_EAP_THREADS) instead.
 */
const WORKERS = Number(process.env['BENCH_EAP_WORKERS'] ?? os.availableParallelism());
const THREADS = Number(process.env['BENCH_EAP_THREADS'] ?? (WORKERS > 0 ? 0 : os.availableParallelism()));
const SECRET = 'bench-eap-secret-0123456789abcdef';
const VLAN = '99';
const SESSION_TIMEOUT = 300;
const FRAGMENT = 1000;

type Name = 'Kenneki' | 'FreeRADIUS';

interface Target {
  name: Name;
  pid: number;
  port: number;
  /** Kenneki: drops + duplicates from /metrics. */
  anomalies?: () => Promise<number>;
}

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const rate = (r: EapolLoadResult) => r.succeeded / r.wallS;
const cpuMs = (r: EapolLoadResult) => (r.serverCpuS / Math.max(1, r.succeeded)) * 1000;
/** Anything that is not a clean, full, keyed, VLAN-carrying success. */
const problems = (r: EapolLoadResult) =>
  r.attempted - r.succeeded + r.mppeMismatch + r.rejects + r.resumedHandshakes + Math.abs(r.fullHandshakes - r.succeeded) + (r.accepts - r.acceptsWithVlan) + r.runsFailed;

/** Two passes' counts as one (the check pass and the warm-up load): numbers add, lists join. */
function addLoads(a: EapolLoadResult, b: EapolLoadResult): EapolLoadResult {
  const sum: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const mine = sum[k];
    if (typeof v === 'number' && typeof mine === 'number') sum[k] = mine + v;
    else if (Array.isArray(v) && Array.isArray(mine)) sum[k] = [...(mine as unknown[]), ...(v as unknown[])];
  }
  return sum as unknown as EapolLoadResult;
}

async function counter(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name) && (line[name.length] === '{' || line[name.length] === ' ')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

function describe(r: EapolLoadResult): string {
  return (
    `${fmt.int(r.succeeded)}/${fmt.int(r.attempted)} auths OK in ${r.runs} runs (${r.runsFailed} failed), full/resumed handshakes ${r.fullHandshakes}/${r.resumedHandshakes}, ` +
    `Accepts ${r.accepts} (VLAN ${VLAN}: ${r.acceptsWithVlan}), Rejects ${r.rejects}, RADIUS retransmissions ${r.retransmits}, runs timed out ${r.timedOut}, MPPE mismatches ${r.mppeMismatch} (a timed-out auth counts as one), ${fmt.n(r.challenges / Math.max(1, r.accepts + r.rejects), 2)} challenges/auth`
  );
}

export const radiusEapTlsBench: Bench = {
  name: 'radius-eap-tls',
  description: 'RADIUS EAP-TLS full handshakes: Kenneki vs FreeRADIUS 3.2, same eapol_test load, auths/s, latency, server CPU/auth',
  async run(): Promise<BenchResult> {
    header('radius-eap-tls', `EAP-TLS full handshakes (ECDSA P-256, TLS 1.2, no resumption), ${PROCS} eapol_test processes × -r ${REAUTHS}, ${SECONDS} s per server and round, ${ROUNDS} round(s): Kenneki (radius.workers: ${WORKERS}, radius.eap.threads: ${THREADS}) vs FreeRADIUS 3.2`);
    requireLoadTools();
    requireFreeradius();
    const refMs = referenceWorkMs();
    console.log(`reference work: ${fmt.int(refMs)} ms (about 150–170 ms on an idle host); load average ${load()}`);
    const { dir } = tempDir('kenneki-bench-eap-tls-');
    const sub = (n: string) => {
      const d = join(dir, n);
      mkdirSync(d);
      return d;
    };
    const [pkiDir, dataDir, raddb, outDir, profDir] = ['pki', 'kenneki', 'raddb', 'out', 'prof'].map(sub) as [string, string, string, string, string];
    const pki = await makePki(pkiDir, PROCS);
    const confs = writeEapolConfs(pki, pkiDir);
    const [authPort, acctPort, frPort] = (await freeUdpPorts(3)) as [number, number, number];

    // Kenneki.
    const configFile = writeConfig(dataDir, {
      extraYaml: radiusYaml({
        ports: { auth: authPort, acct: acctPort },
        vlans: `{ quarantine: "${VLAN}" }`,
        lines: [
          'unknown_mac: quarantine',
          `quarantine_session_timeout_seconds: ${SESSION_TIMEOUT}`,
          'eap:',
          '  methods: [tls]',
          `  cert_file: ${pki.serverChain}`,
          `  key_file: ${pki.serverKey}`,
          `  client_ca_files: [${pki.caPem}]`,
          `  fragment_bytes: ${FRAGMENT}`,
          '  resumption_seconds: 0',
          `  threads: ${THREADS}`,
          `workers: ${WORKERS}`,
        ],
        clients: [{ name: 'bench-nas', address: '127.0.0.1', secret: SECRET, extra: 'profile: generic' }],
      }),
    });
    if (PERF_PROFILE) requirePerf();
    const savedArgs = process.env['BENCH_SERVER_NODE_ARGS'];
    const profArgs = [...(PROFILE ? [`--cpu-prof --cpu-prof-dir=${profDir}`] : []), ...(PERF_PROFILE ? ['--perf-basic-prof --interpreted-frames-native-stack'] : [])];
    if (profArgs.length > 0 && savedArgs === undefined) process.env['BENCH_SERVER_NODE_ARGS'] = profArgs.join(' ');
    const kenneki = await spawnServer(configFile);
    if (profArgs.length > 0 && savedArgs === undefined) delete process.env['BENCH_SERVER_NODE_ARGS'];
    if (PERF_PROFILE) onExit(() => removePerfMap(kenneki.pid));
    const perfData: Partial<Record<Name, string>> = {};
    const kTarget: Target = {
      name: 'Kenneki',
      pid: kenneki.pid,
      port: authPort,
      anomalies: async () => (await counter(kenneki.url, 'kenneki_radius_dropped_total')) + (await counter(kenneki.url, 'kenneki_radius_duplicates_total')),
    };

    // FreeRADIUS.
    const fr = await startFreeradiusEap({ dir: raddb, port: frPort, secret: SECRET, certChain: pki.serverChain, key: pki.serverKey, ca: pki.caPem, fragmentBytes: FRAGMENT, quarantineVlan: VLAN, quarantineSessionTimeout: SESSION_TIMEOUT });
    const fTarget: Target = { name: 'FreeRADIUS', pid: fr.pid, port: frPort };

    const base = { secret: SECRET, confs, procs: PROCS, outDir, vlan: VLAN };
    // Warm-up and correctness check: one `-r 1` run per slot.
    const warm: Record<Name, EapolLoadResult> = {} as Record<Name, EapolLoadResult>;
    for (const t of [fTarget, kTarget]) {
      warm[t.name] = await eapolLoad({ ...base, port: t.port, serverPid: t.pid, reauths: 1, durationMs: 0, minRunsPerSlot: 1, latencyEvery: 0 });
      console.log(`warm-up/check ${t.name.padEnd(10)}: ${describe(warm[t.name])}`);
      for (const f of warm[t.name].failures) console.log(`  failed run: ${f.slice(-600)}`);
    }
    if (WARMUP_SECONDS > 0) {
      for (const t of [fTarget, kTarget]) {
        const w = await eapolLoad({ ...base, port: t.port, serverPid: t.pid, reauths: REAUTHS, durationMs: WARMUP_SECONDS * 1000, latencyEvery: 0 });
        console.log(`warm-up load ${t.name.padEnd(10)}: ${WARMUP_SECONDS} s, ${describe(w)}`);
        for (const f of w.failures) console.log(`  failed run: ${f.slice(-600)}`);
        warm[t.name] = addLoads(warm[t.name], w);
      }
    }
    const sampleAccept = /RADIUS message: code=2 \(Access-Accept\)[\s\S]*?(?=\nSTA )/.exec(warm.Kenneki.sample)?.[0];
    if (sampleAccept) console.log(`a Kenneki Accept as eapol_test decoded it:\n${sampleAccept.split('\n').map((l) => `    ${l}`).join('\n')}`);
    const suite = (s: string) => /Server selected cipher suite (0x[0-9a-f]+)/.exec(s)?.[1] ?? '?';
    console.log(`cipher suite chosen: Kenneki ${suite(warm.Kenneki.sample)}, FreeRADIUS ${suite(warm.FreeRADIUS.sample)} (0xc02b/0xc02c: ECDHE-ECDSA-AES-GCM)`);

    // Measured rounds.
    const results: Record<Name, { r: EapolLoadResult; anomalies?: number; loadavg: string }[]> = { Kenneki: [], FreeRADIUS: [] };
    console.log(`\nload: ${PROCS} × eapol_test -r ${REAUTHS}, ${SECONDS} s per server and round${LATENCY_EVERY > 0 ? ` (every ${LATENCY_EVERY}th slot timed live)` : ''}`);
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? [fTarget, kTarget] : [kTarget, fTarget];
      for (const t of order) {
        const a0 = t.anomalies ? await t.anomalies() : 0;
        // BENCH_EAP_PERF: on-CPU samples of each server's first measured pass.
        const rec = PERF_PROFILE && perfData[t.name] === undefined ? perfRecord(t.pid, (perfData[t.name] = join(profDir, `${t.name}.perf.data`))) : undefined;
        const r = await eapolLoad({ ...base, port: t.port, serverPid: t.pid, reauths: REAUTHS, durationMs: SECONDS * 1000, latencyEvery: LATENCY_EVERY });
        await rec?.stop();
        const anomalies = t.anomalies ? (await t.anomalies()) - a0 : undefined;
        const l = summarize(LATENCY_EVERY > 0 ? r.latencyMs : r.runMeanMs);
        const loadavg = load();
        results[t.name].push({ r, ...(anomalies !== undefined ? { anomalies } : {}), loadavg });
        console.log(
          `  round ${round} ${t.name.padEnd(10)}: ${fmt.n(rate(r))} auth/s (${fmt.int(r.succeeded)} in ${fmt.n(r.wallS, 1)} s), server CPU ${fmt.n(cpuMs(r), 2)} ms/auth (${fmt.n((r.serverCpuS / r.wallS) * 100, 0)} % of a core), ` +
            `eapol_test CPU ${fmt.n((r.clientCpuS / Math.max(1, r.succeeded)) * 1000, 2)} ms/auth, machine busy ${fmt.n((r.machineBusyS / r.wallS) * 50, 0)} %, ${LATENCY_EVERY > 0 ? 'latency' : 'mean auth time per run'} p50/p99 ${fmt.n(l.p50, 1)}/${fmt.n(l.p99, 1)} ms (n=${l.n}); load avg ${loadavg}`,
        );
        console.log(`    ${describe(r)}${anomalies !== undefined ? `; drops+duplicates ${anomalies}` : ''}`);
        for (const f of r.failures) console.log(`    failed run: ${f.slice(-600)}`);
      }
    }

    const rss = (pid: number) => {
      try {
        return processMemoryMb(pid).peak;
      } catch {
        return NaN;
      }
    };
    const peak: Record<Name, number> = { Kenneki: rss(kenneki.pid), FreeRADIUS: rss(fr.pid) };
    // Requests lost before either server read them: the kernel's drop counter of each auth socket.
    console.log(`\nUDP receive-buffer drops (/proc/net/udp) over the whole run: Kenneki ${udpDrops(authPort) ?? '?'}, FreeRADIUS ${udpDrops(frPort) ?? '?'}`);
    const frLog = fr
      .output()
      .split('\n')
      .filter((l) => /error|warn|drop|discard|conflict|block|unresponsive|full/i.test(l));
    console.log(`FreeRADIUS log lines about errors/drops: ${frLog.length}${frLog.length ? `, e.g.\n${frLog.slice(-5).map((l) => `    ${l}`).join('\n')}` : ''}`);
    await fr.stop();
    await kenneki.stop();

    const agg = (n: Name) => {
      const ms = results[n];
      const ok = ms.reduce((s, m) => s + m.r.succeeded, 0);
      const wall = ms.reduce((s, m) => s + m.r.wallS, 0);
      const cpu = ms.reduce((s, m) => s + m.r.serverCpuS, 0);
      const client = ms.reduce((s, m) => s + m.r.clientCpuS, 0);
      return {
        rate: ok / wall,
        ok,
        cpuMs: (cpu / ok) * 1000,
        clientMs: (client / ok) * 1000,
        lat: summarize(ms.flatMap((m) => (LATENCY_EVERY > 0 ? m.r.latencyMs : m.r.runMeanMs))),
        problems: ms.reduce((s, m) => s + problems(m.r), 0) + problems(warm[n]),
        // Answers later than eapol_test's 3 s retransmission timer (Kenneki answers the resend from its duplicate cache).
        retransmits: ms.reduce((s, m) => s + m.r.retransmits, 0) + warm[n].retransmits,
        checked: ms.reduce((s, m) => s + m.r.attempted, 0) + warm[n].attempted,
        full: ms.reduce((s, m) => s + m.r.fullHandshakes, 0) + warm[n].fullHandshakes,
        resumed: ms.reduce((s, m) => s + m.r.resumedHandshakes, 0) + warm[n].resumedHandshakes,
        failed: ms.reduce((s, m) => s + (m.r.attempted - m.r.succeeded), 0) + warm[n].attempted - warm[n].succeeded,
        perRound: ms.map((m) => rate(m.r)),
      };
    };
    const k = agg('Kenneki');
    const f = agg('FreeRADIUS');
    const ratio = k.rate / f.rate;
    const ratios = results.Kenneki.map((m, i) => rate(m.r) / rate(results.FreeRADIUS[i]!.r));

    console.log('\nsummary (measured passes, all rounds):');
    printTable(
      ['server', 'auth/s', 'per round', 'p50 ms', 'p99 ms', 'CPU ms/auth', 'eapol_test CPU ms/auth', 'peak RSS MiB', 'full/resumed', 'failed auths', 'problems'],
      (['Kenneki', 'FreeRADIUS'] as const).map((n) => {
        const a = n === 'Kenneki' ? k : f;
        return [n, fmt.n(a.rate), a.perRound.map((x) => fmt.n(x)).join(' / '), fmt.n(a.lat.p50, 1), fmt.n(a.lat.p99, 1), fmt.n(a.cpuMs, 2), fmt.n(a.clientMs, 2), fmt.n(peak[n], 0), `${a.full}/${a.resumed}`, String(a.failed), String(a.problems)];
      }),
    );
    console.log(`  Kenneki / FreeRADIUS throughput: ${fmt.n(ratio, 2)} (per round ${ratios.map((r) => fmt.n(r, 2)).join(', ')}); load average now ${load()}`);
    const allRight = k.problems + f.problems === 0;

    const figures: Figure[] = [
      { label: 'radius-eap-tls Kenneki / FreeRADIUS auth/s', value: `${fmt.n(ratio, 2)} (rounds ${ratios.map((r) => fmt.n(r, 2)).join(', ')})`, target: 'ratio ≥ 1.0', met: ratio >= 1.0 },
      { label: `radius-eap-tls FreeRADIUS auth/s (${PROCS}×eapol_test)`, value: fmt.n(f.rate) },
      { label: 'radius-eap-tls Kenneki auth/s', value: fmt.n(k.rate) },
      { label: `radius-eap-tls p50 / p99 ${LATENCY_EVERY > 0 ? 'per auth' : 'auth time (run means)'}, FreeRADIUS`, value: `${fmt.n(f.lat.p50, 1)} / ${fmt.n(f.lat.p99, 1)} ms` },
      { label: `radius-eap-tls p50 / p99 ${LATENCY_EVERY > 0 ? 'per auth' : 'auth time (run means)'}, Kenneki`, value: `${fmt.n(k.lat.p50, 1)} / ${fmt.n(k.lat.p99, 1)} ms` },
      { label: 'radius-eap-tls server CPU/auth FreeRADIUS / Kenneki', value: `${fmt.n(f.cpuMs, 2)} / ${fmt.n(k.cpuMs, 2)} ms` },
      { label: 'radius-eap-tls requests answered after > 3 s (retransmitted) FreeRADIUS / Kenneki', value: `${f.retransmits} / ${k.retransmits}` },
      {
        label: 'radius-eap-tls auths right (keys, full handshake, VLAN)',
        value: allRight ? `all (${fmt.int(k.checked + f.checked)})` : `NO: Kenneki ${k.problems}, FreeRADIUS ${f.problems} problems (${k.failed}/${f.failed} failed auths)`,
        target: 'all',
        met: allRight,
      },
    ];
    console.log('');
    printFigures(figures);

    if (PROFILE) {
      const files = profiles(profDir);
      // The main thread (RADIUS) and each EAP thread write their own profile.
      for (const file of files) printProfile(summarizeProfile(file, 25), results.Kenneki.reduce((s, m) => s + m.r.succeeded, 0) + warm.Kenneki.succeeded);
      if (files.length === 0) console.log(`no .cpuprofile in ${profDir} (BENCH_SERVER_NODE_ARGS was set by the caller?)`);
    }
    for (const n of ['FreeRADIUS', 'Kenneki'] as const) {
      const file = perfData[n];
      if (!file) continue;
      const first = results[n][0]!.r;
      console.log(`\nperf (on-CPU samples, cpu-clock 999 Hz, all threads) of ${n}'s first measured pass, ${fmt.int(first.succeeded)} auths, ${fmt.n(cpuMs(first), 2)} ms CPU/auth:`);
      console.log(await perfReport(file, n === 'Kenneki' ? 0.8 : 1.5, n === 'Kenneki' ? 3 : 10));
    }
    if (PERF_PROFILE) removePerfMap(kenneki.pid);
    return { name: 'radius-eap-tls', figures };
  },
};

runIfMain(radiusEapTlsBench, import.meta.url);
