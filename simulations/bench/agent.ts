/**
 * The posture agent's "lightweight" figures (issue 4): the size of the single-file bundle that
 * devices get (`npm run build:agent`), the wall time of `kenneki-agent check` excluding collector
 * commands, and the RSS of the `run` daemon. Targets: bundle ≤ 2 MB, check < 500 ms, run < 80 MB.
 *
 * Everything runs for real: a `kenneki serve` child process with PT-TLS (ECDSA P-256, SASL PLAIN),
 * the bundle enrolled with a one-time token, then `check --no-firewall` as a fresh process each
 * time. `--host-fixture` makes the agent's collectors read a recorded host profile (the compliant
 * Debian laptop) so that no collector command runs: that is "excluding collector commands". Its
 * package list is replaced with this machine's own `dpkg-query` output, so the agent answers the
 * server's Attribute Request with the same inventory the reference peer sends.
 *
 * The reference peer, in the same run against the same server and policies: strongSwan's
 * `pt-tls-client` with its OS IMC (built by .ci/peers/strongswan-nea.sh; the bench fails without
 * it), SASL PLAIN with a device credential, one assessment per process, at its default log level
 * (it prints the recommendation and the CLOSE there; `--debug 2`, which the interop tests use to
 * read everything, costs it about 0.55 s of CPU per run and is not what a device runs). Its wall
 * time includes its own collection (os-release, ip_forward, dpkg-query), which the agent's does
 * not; the dpkg-query time is printed on its own line so the two can be read side by side.
 *
 * Runs are interleaved (node alone, bundle --version, agent check, peer) so that a change in the
 * shared VM's speed hits all of them alike. Server CPU per assessment is the server child's
 * /proc/<pid>/stat delta over each assessment (after a short settle); client CPU is this process's
 * cutime + cstime delta (the waited-for child's own CPU, from /proc/self/stat).
 *
 * Runnable alone: `npm run build && node dist/simulations/bench/agent.js` (or `npm run bench --
 * agent`). BENCH_AGENT_RUNS (default 30) and BENCH_AGENT_RUN_SECONDS (default 30) size the run;
 * BENCH_AGENT_NODE_ARGS passes node flags to every agent process (not to `node -e 0`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../policy/util/package-root.js';
import { elapsedMs, fmt, header, onCleanup, ownChild, printFigures, printTable, processCpuSeconds, processMemoryMb, referenceWorkMs, runIfMain, sleep, summarize, tempDir, type Bench, type BenchResult, type Figure } from './common.js';
import { HttpClient, login, spawnServer, writeConfig, type ServerProcess } from './server-process.js';

const RUNS = Number(process.env['BENCH_AGENT_RUNS']) || 30;
const RUN_SECONDS = Number(process.env['BENCH_AGENT_RUN_SECONDS']) || 30;
/** Node flags for every agent process, e.g. "--max-semi-space-size=2" to try a smaller young generation. */
const AGENT_NODE_ARGS = (process.env['BENCH_AGENT_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
const WARMUP_RUNS = 2;
const SAMPLE_MS = 250;
/** After each assessment, before the server's CPU is read: its last writes and log lines. */
const SETTLE_MS = 40;

const TARGET_BUNDLE_BYTES = 2_000_000; // 2 MB, decimal: the stricter reading
const TARGET_CHECK_MS = 500;
const TARGET_RSS_MB = 80;

const ROOT = packageRoot();
const BUNDLE = join(ROOT, 'dist', 'agent', 'kenneki-agent.mjs');
const LEGAL = `${BUNDLE}.LEGAL.txt`;
const PROFILE = join(ROOT, 'posture-agent', 'collect', 'linux', 'fixtures', 'profile-compliant.json');
/** The agent collector's own dpkg-query command (posture-agent/collect/linux/commands.ts). */
const DPKG_ARGS = ['-W', '-f', '${db:Status-Abbrev}\t${Package}\t${Version}\n'];

const STRONGSWAN_PREFIX = process.env['KENNEKI_STRONGSWAN_PREFIX'] ?? '/opt/kenneki-peers/strongswan';
const PT_TLS_CLIENT = join(STRONGSWAN_PREFIX, 'bin', 'pt-tls-client');
const IMC_OS = join(STRONGSWAN_PREFIX, 'lib', 'ipsec', 'imcvs', 'imc-os.so');

/** The issue's policy, as in test/agent-e2e.test.ts: the agent gets an Attribute Request for these. */
const AGENT_POLICY = {
  name: 'laptops',
  precedence: 10,
  enabled: true,
  mode: 'enforce',
  match: {},
  checks: [
    { check: 'firewall', action: 'isolate' },
    { check: 'disk-encryption', action: 'isolate' },
    { check: 'pending-updates', action: 'isolate', graceDays: 7 },
  ],
};

/** Fails (never skips) without the reference peer. */
function requirePeer(): void {
  if (!existsSync(PT_TLS_CLIENT) || !existsSync(IMC_OS)) {
    throw new Error(
      `strongSwan's pt-tls-client with the OS IMC is missing (${PT_TLS_CLIENT}, ${IMC_OS}): run .ci/peers/strongswan-nea.sh ` +
        '(or set KENNEKI_STRONGSWAN_PREFIX). The agent benchmark compares against it and does not run without it.',
    );
  }
}

/** CPU seconds of this process's waited-for children (cutime + cstime, fields 16 and 17). */
function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / ticks();
}
let clkTck: number | undefined;
function ticks(): number {
  clkTck ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return clkTck;
}

interface Timed {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawn to exit, wall time from just before spawn() to the 'exit' event. */
function timed(file: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000): Promise<Timed> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const t0 = process.hrtime.bigint();
    const child = spawn(file, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let ms = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.once('error', reject);
    child.once('exit', () => (ms = elapsedMs(t0)));
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ ms, code, stdout, stderr });
    });
  });
}

/** The strongSwan config, the approach of test/helpers/strongswan.ts. */
function writePeerConfig(dir: string, deviceId: string): string {
  const tncConfig = join(dir, 'tnc_config');
  writeFileSync(tncConfig, `IMC "OS" ${IMC_OS}\n`);
  const conf = join(dir, 'strongswan.conf');
  writeFileSync(
    conf,
    [
      'pt-tls-client {',
      '  load = x509 pem pkcs1 pkcs8 pubkey openssl nonce random sha1 sha2 constraints tnc-imc tnc-tnccs tnccs-20',
      '  plugins { tnc-imc { preferred_language = en } }',
      '  imcv { os_info { default_password_enabled = no } }',
      '}',
      `libtnccs { tnc_config = ${tncConfig} }`,
      `libimcv { plugins { imc-os { push_info = yes\n device_id = ${deviceId} } } }`,
      '',
    ].join('\n'),
  );
  return conf;
}

interface Series {
  wall: number[];
  serverCpuMs: number[];
  clientCpuMs: number[];
  errors: number;
  errorSamples: string[];
  outcomes: Map<string, number>;
}
const series = (): Series => ({ wall: [], serverCpuMs: [], clientCpuMs: [], errors: 0, errorSamples: [], outcomes: new Map() });

/** One measured process: wall time, server CPU (when it talks to the server), own CPU. */
async function measure(s: Series, server: ServerProcess | undefined, run: () => Promise<Timed>, judge: (r: Timed) => string | Error, record: boolean): Promise<void> {
  const server0 = server ? processCpuSeconds(server.pid) : 0;
  const client0 = childrenCpuSeconds();
  const r = await run();
  const clientCpuMs = (childrenCpuSeconds() - client0) * 1000;
  if (server) await sleep(SETTLE_MS);
  const serverCpuMs = server ? (processCpuSeconds(server.pid) - server0) * 1000 : 0;
  const verdict = judge(r);
  if (!record) {
    if (verdict instanceof Error) throw verdict;
    return;
  }
  s.wall.push(r.ms);
  s.clientCpuMs.push(clientCpuMs);
  s.serverCpuMs.push(serverCpuMs);
  if (verdict instanceof Error) {
    s.errors++;
    if (s.errorSamples.length < 3) s.errorSamples.push(verdict.message.slice(0, 300));
  } else {
    s.outcomes.set(verdict, (s.outcomes.get(verdict) ?? 0) + 1);
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const mb = (bytes: number) => bytes / 1e6;

export const agentBench: Bench = {
  name: 'agent',
  description: `kenneki-agent bundle size; \`check\` wall time (fresh process, --host-fixture: no collector command), ${RUNS} runs interleaved with strongSwan's pt-tls-client against the same server; RSS of \`run\` reassessing every second for ${RUN_SECONDS} s`,
  async run(): Promise<BenchResult> {
    header('agent', this.description);
    requirePeer();
    const figures: Figure[] = [];

    // 1. The bundle, built now from the working tree.
    const b0 = process.hrtime.bigint();
    execFileSync('npm', ['run', '--silent', 'build:agent'], { cwd: ROOT, stdio: 'inherit' });
    const buildMs = elapsedMs(b0);
    const bundleBytes = statSync(BUNDLE).size;
    const legalBytes = existsSync(LEGAL) ? statSync(LEGAL).size : 0;
    const version = execFileSync(process.execPath, [BUNDLE, '--version'], { encoding: 'utf8' }).trim();
    if (AGENT_NODE_ARGS.length) console.log(`agent:    node ${AGENT_NODE_ARGS.join(' ')} (BENCH_AGENT_NODE_ARGS)`);
    console.log(`bundle:   ${BUNDLE} (kenneki-agent ${version}), built in ${fmt.int(buildMs)} ms (npm run build:agent)`);
    console.log(`          ${fmt.int(bundleBytes)} bytes (${fmt.n(mb(bundleBytes), 2)} MB, ${fmt.n(bundleBytes / 2 ** 20, 2)} MiB); LEGAL file ${fmt.int(legalBytes)} bytes, shipped beside it`);
    figures.push(
      { label: 'agent bundle size (kenneki-agent.mjs)', value: `${fmt.n(mb(bundleBytes), 2)} MB (${fmt.int(bundleBytes)} B)`, target: '≤ 2 MB', met: bundleBytes <= TARGET_BUNDLE_BYTES },
      { label: 'agent bundle LEGAL file (licences)', value: `${fmt.n(legalBytes / 1000, 1)} kB (${fmt.int(legalBytes)} B)` },
    );

    // 2. Server, policy, an enrolled agent, a registered peer.
    const tmp = tempDir('kenneki-bench-agent-');
    const server = await spawnServer(writeConfig(tmp.dir, { logLevel: 'info', ptTls: { serverKey: 'ecdsa-p256', clientAuth: 'sasl-plain' } }));
    const client = new HttpClient(server.url, 2);
    onCleanup(() => client.close());
    if (server.ptTlsPort === undefined) throw new Error('no PT_TLS_LISTENING log line');
    const port = server.ptTlsPort;
    const admin = await login(client);
    await client.json('POST', '/api/v1/policies', { token: admin, body: AGENT_POLICY, expect: 201 });
    const policies = (await client.json('GET', '/api/v1/policies', { token: admin })) as { items?: { name: string; enabled: boolean }[] };
    console.log(`policies: ${(policies.items ?? []).filter((p) => p.enabled).map((p) => p.name).join(', ')} (the embedded baseline asks for packages, among others)`);

    // The agent's host: the recorded compliant laptop, with this machine's package list (what the
    // peer's OS IMC sends) and the real clock (so each report is newer than the last).
    const dpkg = execFileSync('dpkg-query', DPKG_ARGS, { encoding: 'utf8', maxBuffer: 64 << 20 });
    const packages = dpkg.split('\n').filter((l) => l.startsWith('ii')).length;
    const profile = JSON.parse(readFileSync(PROFILE, 'utf8')) as { now?: string; commands: Record<string, { stdout: string }> };
    const recordedPackages = profile.commands['linux.dpkg-query']!.stdout.split('\n').filter((l) => l.startsWith('ii')).length;
    delete profile.now;
    profile.commands['linux.dpkg-query'] = { stdout: dpkg };
    const hostFile = join(tmp.dir, 'host.json');
    writeFileSync(hostFile, JSON.stringify(profile));
    const recordedHostFile = join(tmp.dir, 'host-recorded.json');
    copyFileSync(PROFILE, recordedHostFile);
    const recorded = JSON.parse(readFileSync(recordedHostFile, 'utf8')) as { now?: string };
    delete recorded.now;
    writeFileSync(recordedHostFile, JSON.stringify(recorded));
    const stateDir = join(tmp.dir, 'agent-state');
    const agentEnv = { ...process.env, LANG: 'C', LC_ALL: '', LC_MESSAGES: '' };
    const agentArgs = (host: string, ...cmd: string[]) => [...AGENT_NODE_ARGS, BUNDLE, '--state-dir', stateDir, '--host-fixture', host, ...cmd];

    const { token } = (await client.json('POST', '/api/v1/enrollment-tokens', { token: admin, body: { label: 'bench-agent' }, expect: 201 })) as { token: string };
    const enrolled = await timed(process.execPath, agentArgs(hostFile, 'enroll', '--server', `localhost:${port}`, '--token', token), agentEnv);
    if (enrolled.code !== 0) throw new Error(`enroll failed (${enrolled.code}): ${enrolled.stderr || enrolled.stdout}`);
    console.log(`enrolled: ${enrolled.stdout.trim().split('\n')[0]} (${fmt.int(enrolled.ms)} ms)`);

    const peerDevice = 'kk-bench-peer-pt-tls-client';
    const registered = (await client.json('POST', '/api/v1/endpoints', { token: admin, body: { deviceId: peerDevice }, expect: 201 })) as { endpoint: { id: string }; deviceCredential: string };
    const { deviceCredential } = registered;
    const peerEndpointId = registered.endpoint.id;
    const peerConf = writePeerConfig(tmp.dir, peerDevice);
    const caFile = join(tmp.dir, 'ca', 'ca.crt');
    const peerEnv = { ...process.env, STRONGSWAN_CONF: peerConf };
    const peerArgs = ['--connect', 'localhost', '--port', String(port), '--cert', caFile, '--client', 'device', '--secret', deviceCredential];

    // What each side was asked for and sent (one check, one peer run, before measuring).
    const judgeAgent = (r: Timed): string | Error => {
      if (r.code === 0) return 'allow';
      if (r.code === 2) return 'quarantined';
      if (r.code === 3) return 'denied';
      return new Error(`check exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
    };
    const judgePeer = (r: Timed): string | Error => {
      const out = r.stdout + r.stderr;
      const rec = /PB-TNC access recommendation is '([^']+)'/.exec(out)?.[1];
      if (rec === undefined || !/processing PB-TNC CLOSE batch/.test(out)) return new Error(`pt-tls-client did not complete (exit ${r.code}): ${out.trim().split('\n').slice(-5).join(' | ')}`);
      return rec;
    };
    const first = await timed(process.execPath, agentArgs(hostFile, 'check', '--no-firewall'), agentEnv);
    const firstVerdict = judgeAgent(first);
    if (firstVerdict instanceof Error) throw firstVerdict;
    const shown = JSON.parse((await timed(process.execPath, agentArgs(hostFile, 'show-report', '--json'), agentEnv)).stdout) as { onRequest?: string[]; unprompted?: string[] };
    console.log(`agent:    first check: ${firstVerdict} (${fmt.int(first.ms)} ms); sends ${(shown.unprompted ?? []).join(', ')} unprompted, and on the server's Attribute Request: ${(shown.onRequest ?? []).join(', ')} (${packages} packages)`);
    const peerFirst = await timed(PT_TLS_CLIENT, peerArgs, peerEnv);
    const peerVerdict = judgePeer(peerFirst);
    if (peerVerdict instanceof Error) throw peerVerdict;
    if (process.env['BENCH_AGENT_PEER_LOG']) writeFileSync(process.env['BENCH_AGENT_PEER_LOG'], peerFirst.stdout + peerFirst.stderr);
    const peerFacts = ((await client.json('GET', `/api/v1/endpoints/${peerEndpointId}`, { token: admin })) as { posture?: { facts?: Record<string, { status: string; value?: { packages?: unknown[] } }> } }).posture?.facts ?? {};
    const peerSent = Object.entries(peerFacts).filter(([, f]) => f.status === 'ok').map(([k]) => k);
    console.log(`peer:     ${PT_TLS_CLIENT}: ${peerVerdict} (${fmt.int(peerFirst.ms)} ms); the server holds from it: ${peerSent.join(', ')} (${peerFacts['packages']?.value?.packages?.length ?? 0} packages)`);

    // 3 + 4. Interleaved: node alone, node + bundle load, agent check, peer; then the recorded profile.
    const nodeOnly = series();
    const bundleLoad = series();
    const agentCheck = series();
    const agentRecorded = series();
    const peer = series();
    const dpkgSeries = series();
    const ok = () => 'ok';
    const exited0 = (what: string) => (r: Timed) => (r.code === 0 ? 'ok' : new Error(`${what} exited ${r.code}: ${r.stderr.trim()}`));
    const ref0 = referenceWorkMs();
    for (let i = 0; i < WARMUP_RUNS + RUNS; i++) {
      const record = i >= WARMUP_RUNS;
      await measure(nodeOnly, undefined, () => timed(process.execPath, ['-e', '0']), exited0('node -e 0'), record);
      await measure(bundleLoad, undefined, () => timed(process.execPath, [...AGENT_NODE_ARGS, BUNDLE, '--version'], agentEnv), exited0('--version'), record);
      await measure(agentCheck, server, () => timed(process.execPath, agentArgs(hostFile, 'check', '--no-firewall'), agentEnv), judgeAgent, record);
      await measure(peer, server, () => timed(PT_TLS_CLIENT, peerArgs, peerEnv), judgePeer, record);
      await measure(dpkgSeries, undefined, () => timed('dpkg-query', DPKG_ARGS), ok, record);
    }
    for (let i = 0; i < WARMUP_RUNS + RUNS; i++) {
      await measure(agentRecorded, server, () => timed(process.execPath, agentArgs(recordedHostFile, 'check', '--no-firewall'), agentEnv), judgeAgent, i >= WARMUP_RUNS);
    }
    const ref1 = referenceWorkMs();

    // 5. The daemon's memory.
    const daemon = spawn(process.execPath, agentArgs(hostFile, 'run', '--no-firewall', '--interval-seconds', '1'), { cwd: ROOT, env: agentEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    const { stop: stopDaemon } = ownChild(daemon, 'SIGTERM', 5_000);
    let daemonErr = '';
    let assessed = 0;
    const verdicts = new Map<string, number>();
    daemon.stderr!.on('data', (d: Buffer) => {
      daemonErr += d.toString('utf8');
      let nl: number;
      while ((nl = daemonErr.indexOf('\n')) >= 0) {
        const line = daemonErr.slice(0, nl);
        daemonErr = daemonErr.slice(nl + 1);
        if (!line.includes('"evt":"ASSESSED"')) continue;
        assessed++;
        const v = /"verdict":"([^"]+)"/.exec(line)?.[1] ?? '?';
        verdicts.set(v, (verdicts.get(v) ?? 0) + 1);
      }
    });
    const samples: { t: number; rss: number; peak: number }[] = [];
    const serverRun0 = processCpuSeconds(server.pid);
    const started = Date.now();
    while (Date.now() - started < RUN_SECONDS * 1000) {
      if (daemon.exitCode !== null || daemon.signalCode !== null) throw new Error(`kenneki-agent run exited (${daemon.exitCode ?? daemon.signalCode}): ${daemonErr.slice(-500)}`);
      try {
        samples.push({ t: (Date.now() - started) / 1000, ...processMemoryMb(daemon.pid!) });
      } catch {
        /* exited between the check and the read */
      }
      await sleep(SAMPLE_MS);
    }
    const daemonCpuS = processCpuSeconds(daemon.pid!);
    const serverRunCpuS = processCpuSeconds(server.pid) - serverRun0;
    await stopDaemon();
    await server.stop();
    await tmp.remove();

    // Report.
    const S = (xs: number[]) => summarize(xs);
    const perOp = (s: Series, k: 'serverCpuMs' | 'clientCpuMs') => sum(s[k]) / s.wall.length;
    const outcomes = (s: Series) => [...s.outcomes].map(([k, v]) => `${k} ${v}`).join(', ') + (s.errors ? `, errors ${s.errors}` : '');
    const rows: [string, Series, boolean][] = [
      ['node -e 0 (node startup alone)', nodeOnly, false],
      ['node bundle --version (startup + bundle load)', bundleLoad, false],
      [`agent check, ${packages} packages (this machine's)`, agentCheck, true],
      [`agent check, recorded profile (${recordedPackages} packages)`, agentRecorded, true],
      ["strongSwan pt-tls-client (peer)", peer, true],
      ["dpkg-query -W (peer's collector, alone)", dpkgSeries, false],
    ];
    console.log('');
    printTable(
      ['process (fresh each run)', 'runs', 'p50 ms', 'p99 ms', 'mean ms', 'max ms', 'own CPU ms', 'server CPU ms', 'outcomes'],
      rows.map(([label, s, talks]) => {
        const w = S(s.wall);
        return [label, String(w.n), fmt.n(w.p50), fmt.n(w.p99), fmt.n(w.mean), fmt.n(w.max), fmt.n(perOp(s, 'clientCpuMs')), talks ? fmt.n(perOp(s, 'serverCpuMs'), 2) : '', outcomes(s)];
      }),
    );
    for (const [label, s] of rows) if (s.errorSamples.length) console.error(`  ${label}: ${s.errorSamples.join(' | ')}`);

    const a = S(agentCheck.wall);
    const load = S(bundleLoad.wall);
    const nodeAlone = S(nodeOnly.wall);
    const p = S(peer.wall);
    const steady = samples.filter((x) => x.t >= RUN_SECONDS / 2).map((x) => x.rss);
    const steadyS = S(steady);
    const peak = Math.max(...samples.map((x) => x.peak));
    const rssMax = Math.max(...samples.map((x) => x.rss));
    console.log('');
    console.log(`check split (p50): node startup ${fmt.n(nodeAlone.p50)} ms + bundle load ${fmt.n(load.p50 - nodeAlone.p50)} ms + the rest (collect from the fixture, PT-TLS assessment, state, output) ${fmt.n(a.p50 - load.p50)} ms = ${fmt.n(a.p50)} ms`);
    console.log(`ratio kenneki-agent / pt-tls-client: wall p50 ${fmt.n(a.p50 / p.p50, 2)}×, p99 ${fmt.n(a.p99 / p.p99, 2)}×; server CPU per assessment ${fmt.n(perOp(agentCheck, 'serverCpuMs') / perOp(peer, 'serverCpuMs'), 2)}×; client CPU ${fmt.n(perOp(agentCheck, 'clientCpuMs') / perOp(peer, 'clientCpuMs'), 2)}×`);
    console.log(`          the peer's wall time includes its own collection (dpkg-query alone: p50 ${fmt.n(S(dpkgSeries.wall).p50)} ms); the agent's excludes it (--host-fixture)`);
    console.log(`run:      ${RUN_SECONDS} s at --interval-seconds 1: ${assessed} assessments (${[...verdicts].map(([k, v]) => `${k} ${v}`).join(', ')}), ${samples.length} samples every ${SAMPLE_MS} ms`);
    console.log(`          VmRSS steady (second half) p50 ${fmt.n(steadyS.p50)} MB (min ${fmt.n(Math.min(...steady))}, max ${fmt.n(steadyS.max)}); max VmRSS ${fmt.n(rssMax)} MB; VmHWM ${fmt.n(peak)} MB`);
    console.log(`          daemon CPU ${fmt.n((daemonCpuS * 1000) / Math.max(1, assessed))} ms per assessment (all of its ${fmt.n(daemonCpuS, 2)} s incl. startup), server CPU ${fmt.n((serverRunCpuS * 1000) / Math.max(1, assessed), 2)} ms per assessment`);
    console.log(`machine:  reference work ${fmt.int(ref0)} ms before, ${fmt.int(ref1)} ms after the check runs (common.ts referenceWorkMs; about 150–170 ms when the host is quiet)`);
    console.log('note:     MB here is MiB (VmRSS kB / 1024), as in the rss benchmark; the bundle size is decimal MB.');

    figures.push(
      { label: `agent check wall p50 / p99 (${RUNS} fresh processes, no collector commands)`, value: `${fmt.n(a.p50)} / ${fmt.n(a.p99)} ms`, target: `< ${TARGET_CHECK_MS} ms (p99)`, met: a.p99 < TARGET_CHECK_MS && agentCheck.errors === 0 },
      { label: 'agent check: node startup + bundle load (p50)', value: `${fmt.n(nodeAlone.p50)} + ${fmt.n(load.p50 - nodeAlone.p50)} ms` },
      { label: 'agent check, recorded profile: p50 / p99', value: `${fmt.n(S(agentRecorded.wall).p50)} / ${fmt.n(S(agentRecorded.wall).p99)} ms` },
      { label: 'pt-tls-client (peer) wall p50 / p99', value: `${fmt.n(p.p50)} / ${fmt.n(p.p99)} ms` },
      { label: 'ratio agent check / pt-tls-client (p50)', value: `${fmt.n(a.p50 / p.p50, 2)}×` },
      { label: 'server CPU per assessment: agent / peer', value: `${fmt.n(perOp(agentCheck, 'serverCpuMs'), 2)} / ${fmt.n(perOp(peer, 'serverCpuMs'), 2)} ms` },
      { label: 'client CPU per assessment: agent / peer', value: `${fmt.n(perOp(agentCheck, 'clientCpuMs'))} / ${fmt.n(perOp(peer, 'clientCpuMs'))} ms` },
      { label: `agent run RSS steady (p50, second half of ${RUN_SECONDS} s)`, value: `${fmt.n(steadyS.p50)} MB` },
      { label: 'agent run peak RSS (VmHWM)', value: `${fmt.n(peak)} MB (${assessed} assessments)`, target: `< ${TARGET_RSS_MB} MB`, met: peak < TARGET_RSS_MB && assessed > 0 },
    );
    if (agentCheck.errors + agentRecorded.errors + peer.errors > 0) {
      figures.push({ label: 'agent: failed assessments', value: `agent ${agentCheck.errors + agentRecorded.errors}, peer ${peer.errors}`, target: '0', met: false });
    }
    printFigures(figures);
    return { name: 'agent', figures };
  },
};

// Alone: `node dist/simulations/bench/agent.js`.
runIfMain(agentBench, import.meta.url);
