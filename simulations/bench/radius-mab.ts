/**
 * RADIUS MAB: Kenneki's RADIUS server answering from its live policy store, against FreeRADIUS 3.2
 * answering from a users file, with the same load, in one run.
 *
 * 1. Kenneki (`kenneki serve` in a child process, RADIUS on 127.0.0.1, NAS client 127.0.0.1,
 *    VLANs production "10" / quarantine "99") gets MACS endpoints through the admin API, each
 *    with a MAC. Mix: 80 % report healthy posture (verdict allow → VLAN 10), 10 % report posture
 *    with the firewall off (isolate → VLAN 99), 10 % never report (the registration verdict,
 *    isolate → VLAN 99). Then Kenneki is restarted on the same store so that its admission cache
 *    starts empty (the registrations and reports filled it through the verdict bus).
 * 2. FreeRADIUS (radius/freeradius-mab.ts: the reference MAB site, `files` + `pap`) gets a users
 *    file with the same MACs replying the same attributes; it requires Message-Authenticator from
 *    the NAS and signs its replies with one, as Kenneki does.
 * 3. The same load against each, one server at a time: PROCS radclient processes, `-p PARALLEL`
 *    each, each over its half of the MACs. Per server and round: a warm-up pass over all MACs
 *    (radclient checks every reply against a filter: code, VLAN, all attributes), then the
 *    measured pass (`-c COUNT`: every MAC COUNT times, no filter, as in the anchor figure) with a
 *    Node UDP probe sending PROBE_RATE timed MAB requests per second alongside for latency.
 *    Throughput = radclient requests / wall time (spawn to last exit); server CPU = utime + stime
 *    of the server process from /proc around the pass, divided by all requests it answered
 *    (radclient's + the probe's). ROUNDS rounds, the order of the servers alternating.
 * 4. Kenneki's cold pass: the first pass after the restart, each MAC's first lookup reading the
 *    store (reported apart). Idle latency: the probe alone at 200/s for 2 s. A 300-MAC sample is
 *    checked with `radclient -x` (FreeRADIUS's decoder). "Wrong" counts Rejects, replies failing
 *    radclient's filter and probe answers that do not verify or carry the wrong VLAN; "unanswered"
 *    counts radclient's Lost (3 s, no retry), the probe's (5 s) and Kenneki's /metrics drops and
 *    duplicate-cache answers (radclient -c sends each repeat with a fresh authenticator, so any
 *    duplicate would be a retransmission).
 *
 * Reading the figures: everything shares the machine's two cores. The radclient processes burn
 * about one core whatever the server's speed (their CPU per request is printed), so each server
 * gets roughly what is left; "server CPU µs/req" is the figure least moved by that and by other
 * load on the host. FreeRADIUS runs a thread pool; Kenneki runs `radius.workers` processes (one per
 * core by default here, BENCH_RADIUS_WORKERS=0 for the main process alone), and its server CPU
 * counts the main process and its workers.
 *
 * `npm run bench -- radius-mab`, or alone: `npm run build && node dist/simulations/bench/radius-mab.js`.
 * BENCH_RADIUS_MACS (10000), BENCH_RADIUS_PROCS (2), BENCH_RADIUS_PARALLEL (64), BENCH_RADIUS_COUNT
 * (10), BENCH_RADIUS_ROUNDS (2), BENCH_RADIUS_PROBE_RATE (200/s) size the run. BENCH_SERVER_NODE_ARGS
 * (server-process.ts) passes node flags to `kenneki serve`, e.g. to profile it, and
 * KENNEKI_RADIUS_WORKER_NODE_ARGS to its RADIUS workers.
 */
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { requireRadclient } from '../peers/radclient.js';
import { fmt, header, machineBusySeconds, printFigures, processMemoryMb, printTable, referenceWorkMs, runIfMain, summarize, tempDir, type Bench, type BenchResult, type Figure } from './common.js';
import { startFreeradiusMab, usersFile, type FreeradiusMab } from './radius/freeradius-mab.js';
import { radclientLoad, radclientSample, startProbe, writeLoadFiles, type LoadRun, type MabDevice, type ProbeResult, type SampleCheck } from './radius/mab-load.js';
import { HttpClient, login, spawnServer, writeConfig, type ServerProcess } from './server-process.js';
import { freeUdpPorts } from '../peers/free-ports.js';
import { firewallOffFacts, healthyReport, okFact } from '../posture-report.js';
import { radiusYaml } from '../radius-yaml.js';

const MACS = Number(process.env['BENCH_RADIUS_MACS']) || 10_000;
const PROCS = Number(process.env['BENCH_RADIUS_PROCS']) || 2;
const PARALLEL = Number(process.env['BENCH_RADIUS_PARALLEL']) || 64;
const COUNT = Number(process.env['BENCH_RADIUS_COUNT']) || 10;
const ROUNDS = Number(process.env['BENCH_RADIUS_ROUNDS']) || 2;
const PROBE_RATE = Number(process.env['BENCH_RADIUS_PROBE_RATE']) || 200;
/** radius.workers for Kenneki: one per core, as the README advises for high MAB rates. */
const WORKERS = Number(process.env['BENCH_RADIUS_WORKERS'] ?? availableParallelism());
const SAMPLE = 300;
const SECRET = 'bench-mab-secret-0123456789abcdef';
const VLAN = { production: '10', quarantine: '99' };
/** Kenneki's default radius.quarantine_session_timeout_seconds, mirrored in the users file. */
const QUARANTINE_TIMEOUT = 300;
const API_CONNECTIONS = 16;

type Mix = 'allow' | 'isolate-report' | 'isolate-registered';

interface Device extends MabDevice {
  mix: Mix;
}

function devices(n: number): Device[] {
  return Array.from({ length: n }, (_, i) => {
    const bytes = [0x02, 0x4b, (i >> 24) & 0xff, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff].map((b) => b.toString(16).padStart(2, '0'));
    const mix: Mix = i % 10 < 8 ? 'allow' : i % 10 === 8 ? 'isolate-report' : 'isolate-registered';
    const quarantine = mix !== 'allow';
    return { mac: bytes.join(':'), bare: bytes.join(''), station: bytes.join('-').toUpperCase(), vlan: quarantine ? VLAN.quarantine : VLAN.production, quarantine, mix };
  });
}

/** A healthy Debian 12 laptop with its own device id; with the firewall off, isolated. */
function postureReport(at: Date, deviceId: string, firewallOn: boolean): unknown {
  return healthyReport(at, { deviceId: okFact(deviceId, at), ...(firewallOn ? {} : firewallOffFacts(at)) });
}

async function pool<T>(items: T[], concurrency: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}

/** Registers every device through the API and reports posture for those that report; returns verdict counts. */
async function populate(url: string, devs: Device[]): Promise<{ seconds: number; verdicts: Record<string, number> }> {
  const client = new HttpClient(url, API_CONNECTIONS);
  const t0 = Date.now();
  try {
    const token = await login(client);
    const verdicts: Record<string, number> = {};
    const now = new Date();
    await pool(devs, API_CONNECTIONS, async (d, i) => {
      const reg = await client.json('POST', '/api/v1/endpoints', { token, body: { mac: d.mac, hostname: `mab-${d.bare}` }, expect: 201 });
      let verdict = reg.endpoint.verdict as string;
      if (d.mix !== 'isolate-registered') {
        const res = await client.request('POST', '/api/v1/posture', { token: reg.deviceCredential as string, body: JSON.stringify(postureReport(now, `bench-mab-${String(i).padStart(8, '0')}`, d.mix === 'allow')) });
        if (res.status !== 200) throw new Error(`posture for ${d.mac}: ${res.status} ${res.body.slice(0, 300)}`);
        verdict = (JSON.parse(res.body) as { verdict: string }).verdict;
      }
      const want = d.mix === 'allow' ? 'allow' : 'isolate';
      if (verdict !== want) throw new Error(`${d.mac} (${d.mix}): verdict ${verdict}, expected ${want}`);
      verdicts[`${d.mix}:${verdict}`] = (verdicts[`${d.mix}:${verdict}`] ?? 0) + 1;
    });
    return { seconds: (Date.now() - t0) / 1000, verdicts };
  } finally {
    client.close();
  }
}

/** Sums a counter family from Kenneki's /metrics (every label set). */
async function counter(url: string, name: string): Promise<number> {
  const res = await fetch(`${url}/metrics`);
  const text = await res.text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name) && (line[name.length] === '{' || line[name.length] === ' ')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

interface Target {
  name: 'Kenneki' | 'FreeRADIUS';
  pid: () => number;
  port: number;
  /** Kenneki only: its /metrics. */
  url?: string;
}

interface Measured {
  round: number;
  warm: LoadRun;
  load: LoadRun;
  probe: ProbeResult;
  /** Kenneki: drops + duplicate answers during warm-up and load (must stay 0). */
  anomalies?: number;
}

const rate = (r: LoadRun) => r.sent / r.wallS;
const cpuUs = (r: LoadRun, extra = 0) => (r.serverCpuS / (r.accepted + r.rejected + extra)) * 1e6;
/** Wrong answers: a Reject, or a reply that failed radclient's filter. */
const loadWrong = (r: LoadRun) => r.rejected + r.failedFilter;
/** radclient's own counts: accepted / rejected / lost of sent (they need not add up when answers come after its timeout). */
const counts = (r: LoadRun) => `radclient ${fmt.int(r.accepted)} accepted, ${fmt.int(r.rejected)} rejected, ${fmt.int(r.lost)} lost of ${fmt.int(r.sent)}`;

async function measure(t: Target, files: ReturnType<typeof writeLoadFiles>, devs: Device[], round: number): Promise<Measured> {
  const server = `127.0.0.1:${t.port}`;
  const anomalies0 = t.url ? (await counter(t.url, 'kenneki_radius_dropped_total')) + (await counter(t.url, 'kenneki_radius_duplicates_total')) : 0;
  const perFile = Math.ceil(devs.length / PROCS);
  const warm = await radclientLoad({ server, secret: SECRET, files, perFile, count: 1, parallel: PARALLEL, filter: true, serverPid: t.pid() });
  const probe = startProbe({ port: t.port, secret: SECRET, devices: devs, rate: PROBE_RATE, quarantineSessionTimeout: QUARANTINE_TIMEOUT });
  let load: LoadRun;
  let p: ProbeResult;
  try {
    load = await radclientLoad({ server, secret: SECRET, files, perFile, count: COUNT, parallel: PARALLEL, filter: false, serverPid: t.pid() });
  } finally {
    // Stopped on failure too: its timer would keep sending into the next benchmark.
    p = await probe.stop();
  }
  const anomalies = t.url ? (await counter(t.url, 'kenneki_radius_dropped_total')) + (await counter(t.url, 'kenneki_radius_duplicates_total')) - anomalies0 : undefined;
  const l = summarize(p.latencyMs);
  console.log(
    `  round ${round} ${t.name.padEnd(10)}: ${fmt.int(rate(load))} req/s (${fmt.int(load.sent)} in ${fmt.n(load.wallS, 2)} s), server CPU ${fmt.n(cpuUs(load, p.sent))} µs/req (${fmt.n((load.serverCpuS / load.wallS) * 100, 0)} % of a core), radclient CPU ${fmt.n((load.clientCpuS / load.sent) * 1e6)} µs/req, machine busy ${fmt.n((load.machineBusyS / load.wallS) * 50, 0)} %, ` +
      `probe p50/p99 ${fmt.n(l.p50, 2)}/${fmt.n(l.p99, 2)} ms (${p.latencyMs.length} ok, ${p.wrong} wrong, ${p.lost} lost${p.late ? `, ${p.late} of them answered late` : ''}); ${counts(load)}; warm-up ${fmt.int(rate(warm))} req/s, filter ${warm.passedFilter}/${warm.sent} passed, ${warm.lost} lost` +
      (anomalies !== undefined ? `; drops+duplicates ${anomalies}` : ''),
  );
  for (const e of [...warm.errors, ...load.errors].slice(0, 3)) console.log(`    radclient: ${e}`);
  return { round, warm, load, probe: p, ...(anomalies !== undefined ? { anomalies } : {}) };
}

async function idleLatency(port: number, devs: Device[]): Promise<ProbeResult> {
  const probe = startProbe({ port, secret: SECRET, devices: devs, rate: 200, quarantineSessionTimeout: QUARANTINE_TIMEOUT });
  await new Promise((r) => setTimeout(r, 2_000));
  return probe.stop();
}

export const radiusMabBench: Bench = {
  name: 'radius-mab',
  description: 'RADIUS MAB: Kenneki (live policy store) vs FreeRADIUS 3.2 (users file), same radclient load, req/s, latency, CPU/request',
  async run(): Promise<BenchResult> {
    header('radius-mab', `RADIUS MAB, ${fmt.int(MACS)} MACs, ${PROCS} × radclient -p ${PARALLEL}: Kenneki (live policy store, radius.workers: ${WORKERS}) vs FreeRADIUS 3.2 (users file), same load, one after the other`);
    requireRadclient();
    const refMs = referenceWorkMs();
    console.log(`reference work: ${fmt.int(refMs)} ms (about 150–170 ms on an idle host)`);
    const devs = devices(MACS);
    const { dir } = tempDir('kenneki-bench-radius-mab-');
    const dataDir = join(dir, 'kenneki');
    const raddb = join(dir, 'raddb');
    const loadDir = join(dir, 'load');
    for (const d of [dataDir, raddb, loadDir]) mkdirSync(d);
    const [authPort, acctPort, frPort] = (await freeUdpPorts(3)) as [number, number, number];

    // 1. Kenneki, its store filled through the API.
    const configFile = writeConfig(dataDir, {
      extraYaml: radiusYaml({
        ports: { auth: authPort, acct: acctPort },
        vlans: `{ production: "${VLAN.production}", quarantine: "${VLAN.quarantine}" }`,
        // MAB only, like the FreeRADIUS site (and no EAP server certificate needed without PT-TLS).
        lines: [`quarantine_session_timeout_seconds: ${QUARANTINE_TIMEOUT}`, 'eap: { methods: [] }', `workers: ${WORKERS}`],
        clients: [{ name: 'bench-nas', address: '127.0.0.1', secret: SECRET, extra: 'profile: cisco-ios' }],
      }),
    });
    let kenneki: ServerProcess = await spawnServer(configFile);
    const pop = await populate(kenneki.url, devs);
    console.log(`registered ${fmt.int(MACS)} endpoints through the API in ${fmt.n(pop.seconds)} s: ${Object.entries(pop.verdicts).map(([k, v]) => `${k} ${fmt.int(v)}`).join(', ')}`);
    // Restart on the same store: the admission cache starts empty for the cold pass.
    await kenneki.stop();
    kenneki = await spawnServer(configFile);
    const kTarget: Target = { name: 'Kenneki', pid: () => kenneki.pid, port: authPort, url: kenneki.url };

    // 2. FreeRADIUS with the same MACs in its users file.
    const fr: FreeradiusMab = await startFreeradiusMab({ dir: raddb, port: frPort, secret: SECRET, users: usersFile(devs.map((d) => ({ user: d.bare, vlan: d.vlan, quarantine: d.quarantine })), QUARANTINE_TIMEOUT) });
    const fTarget: Target = { name: 'FreeRADIUS', pid: () => fr.pid, port: frPort };
    const files = writeLoadFiles(loadDir, devs, PROCS, QUARANTINE_TIMEOUT);
    const perFile = Math.ceil(devs.length / PROCS);

    // Kenneki's cold pass: every MAC's first admission reads the store.
    const anomalies0 = (await counter(kenneki.url, 'kenneki_radius_dropped_total')) + (await counter(kenneki.url, 'kenneki_radius_duplicates_total'));
    const cold = await radclientLoad({ server: `127.0.0.1:${authPort}`, secret: SECRET, files, perFile, count: 1, parallel: PARALLEL, filter: true, serverPid: kenneki.pid });
    const coldAnomalies = (await counter(kenneki.url, 'kenneki_radius_dropped_total')) + (await counter(kenneki.url, 'kenneki_radius_duplicates_total')) - anomalies0;
    console.log(`Kenneki cold pass (empty admission cache): ${fmt.int(rate(cold))} req/s (${fmt.int(cold.sent)} in ${fmt.n(cold.wallS, 2)} s), server CPU ${fmt.n(cpuUs(cold))} µs/req, filter ${cold.passedFilter}/${cold.sent} passed, lost ${cold.lost}, drops+duplicates ${coldAnomalies}`);

    // Idle latency, both (Kenneki's cache is warm now).
    const idle = { Kenneki: await idleLatency(authPort, devs), FreeRADIUS: await idleLatency(frPort, devs) };

    // 3. Rounds, order alternating.
    const busy0 = machineBusySeconds();
    const results: Record<Target['name'], Measured[]> = { Kenneki: [], FreeRADIUS: [] };
    console.log(`\nload: ${PROCS} × radclient -p ${PARALLEL} -c ${COUNT} over ${fmt.int(MACS)} MACs (${fmt.int(perFile * PROCS * COUNT)} requests per pass), probe ${PROBE_RATE}/s alongside`);
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? [fTarget, kTarget] : [kTarget, fTarget];
      for (const t of order) results[t.name].push(await measure(t, files, devs, round));
    }
    const busyS = machineBusySeconds() - busy0;

    // 4. Independent check of a sample with radclient -x.
    const sample = devs.filter((_, i) => i % Math.max(1, Math.floor(MACS / SAMPLE)) === 0).slice(0, SAMPLE);
    const samples: Record<Target['name'], SampleCheck> = {
      Kenneki: await radclientSample(`127.0.0.1:${authPort}`, SECRET, sample, QUARANTINE_TIMEOUT),
      FreeRADIUS: await radclientSample(`127.0.0.1:${frPort}`, SECRET, sample, QUARANTINE_TIMEOUT),
    };
    const rss = (pid: number) => {
      try {
        return processMemoryMb(pid).peak;
      } catch {
        return NaN;
      }
    };
    const peak = { Kenneki: rss(kenneki.pid), FreeRADIUS: rss(fr.pid) };
    await fr.stop();
    await kenneki.stop();

    // Aggregates over the rounds.
    const agg = (name: Target['name']) => {
      const ms = results[name];
      const sent = ms.reduce((s, m) => s + m.load.sent, 0);
      const wall = ms.reduce((s, m) => s + m.load.wallS, 0);
      const cpu = ms.reduce((s, m) => s + m.load.serverCpuS, 0);
      const answered = ms.reduce((s, m) => s + m.load.accepted + m.load.rejected + m.probe.sent, 0);
      const lat = summarize(ms.flatMap((m) => m.probe.latencyMs));
      const wrong = ms.reduce((s, m) => s + loadWrong(m.load) + loadWrong(m.warm) + m.probe.wrong, 0);
      // radclient's Lost (no answer in 3 s, no retry), the probe's (none in 5 s), and Kenneki's drops.
      const unanswered = ms.reduce((s, m) => s + m.load.lost + m.warm.lost + m.probe.lost + (m.anomalies ?? 0), 0);
      const verified = ms.reduce((s, m) => s + m.warm.passedFilter + m.probe.latencyMs.length, 0);
      return { rate: sent / wall, cpuUs: (cpu / answered) * 1e6, lat, wrong, unanswered, verified, perRound: ms.map((m) => rate(m.load)) };
    };
    const k = agg('Kenneki');
    const f = agg('FreeRADIUS');
    const ratio = k.rate / f.rate;
    const ratios = results.Kenneki.map((m, i) => rate(m.load) / rate(results.FreeRADIUS[i]!.load));

    console.log('\nsummary (measured passes, all rounds):');
    printTable(
      ['server', 'req/s', 'per round', 'p50 ms', 'p99 ms', 'idle p50/p99 ms', 'CPU µs/req', 'peak RSS MiB', 'verified', 'wrong', 'unanswered'],
      (['Kenneki', 'FreeRADIUS'] as const).map((n) => {
        const a = n === 'Kenneki' ? k : f;
        const i = summarize(idle[n].latencyMs);
        return [n, fmt.int(a.rate), a.perRound.map((x) => fmt.int(x)).join(' / '), fmt.n(a.lat.p50, 2), fmt.n(a.lat.p99, 2), `${fmt.n(i.p50, 2)} / ${fmt.n(i.p99, 2)}`, fmt.n(a.cpuUs), fmt.n(peak[n], 0), fmt.int(a.verified + samples[n].checked - samples[n].wrong), String(a.wrong + samples[n].wrong + idle[n].wrong), String(a.unanswered + idle[n].lost)];
      }),
    );
    console.log(`  Kenneki / FreeRADIUS throughput: ${fmt.n(ratio, 2)} (per round ${ratios.map((r) => fmt.n(r, 2)).join(', ')}); machine busy ${fmt.n(busyS)} CPU-s over the rounds`);
    console.log(`  Kenneki cold pass: ${fmt.int(rate(cold))} req/s, ${fmt.n(cpuUs(cold))} µs/req`);
    console.log(`  radclient -x sample: Kenneki ${samples.Kenneki.checked - samples.Kenneki.wrong}/${samples.Kenneki.checked} right, FreeRADIUS ${samples.FreeRADIUS.checked - samples.FreeRADIUS.wrong}/${samples.FreeRADIUS.checked} right`);
    for (const n of ['Kenneki', 'FreeRADIUS'] as const) {
      for (const r of [...samples[n].reasons, ...results[n].flatMap((m) => m.probe.wrongReasons)].slice(0, 5)) console.log(`  ${n} wrong: ${r}`);
    }
    const wrongTotal = k.wrong + f.wrong + samples.Kenneki.wrong + samples.FreeRADIUS.wrong + idle.Kenneki.wrong + idle.FreeRADIUS.wrong + loadWrong(cold);
    const allRight = wrongTotal === 0;
    const unanswered = { Kenneki: k.unanswered + idle.Kenneki.lost + cold.lost + coldAnomalies, FreeRADIUS: f.unanswered + idle.FreeRADIUS.lost };

    const figures: Figure[] = [
      { label: 'radius-mab Kenneki / FreeRADIUS throughput', value: `${fmt.n(ratio, 2)} (rounds ${ratios.map((r) => fmt.n(r, 2)).join(', ')})`, target: 'ratio ≥ 1.0', met: ratio >= 1.0 },
      { label: `radius-mab FreeRADIUS req/s (${PROCS}×radclient -p ${PARALLEL})`, value: fmt.int(f.rate) },
      { label: 'radius-mab Kenneki req/s (warm admission cache)', value: fmt.int(k.rate) },
      { label: 'radius-mab Kenneki req/s, cold cache (first pass)', value: fmt.int(rate(cold)) },
      { label: 'radius-mab p50 / p99 under load, FreeRADIUS', value: `${fmt.n(f.lat.p50, 2)} / ${fmt.n(f.lat.p99, 2)} ms` },
      { label: 'radius-mab p50 / p99 under load, Kenneki', value: `${fmt.n(k.lat.p50, 2)} / ${fmt.n(k.lat.p99, 2)} ms` },
      { label: 'radius-mab server CPU/req FreeRADIUS / Kenneki', value: `${fmt.n(f.cpuUs)} / ${fmt.n(k.cpuUs)} µs` },
      { label: 'radius-mab Kenneki CPU/req, cold cache', value: `${fmt.n(cpuUs(cold))} µs` },
      { label: 'radius-mab replies right (filters, probe, -x sample)', value: allRight ? `all (${fmt.int(k.verified + f.verified + cold.passedFilter + 2 * SAMPLE)} checked)` : `${fmt.int(wrongTotal)} wrong: see above`, target: 'all', met: allRight },
      { label: 'radius-mab unanswered Kenneki / FreeRADIUS', value: `${fmt.int(unanswered.Kenneki)} / ${fmt.int(unanswered.FreeRADIUS)}` },
    ];
    console.log('');
    printFigures(figures);
    return { name: 'radius-mab', figures };
  },
};

runIfMain(radiusMabBench, import.meta.url);
