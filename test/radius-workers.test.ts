/**
 * radius.workers: extra processes serving the RADIUS ports, each reading a socket of its own. With
 * radclient as the NAS and eapol_test as supplicant: the kernel spreads one NAS's requests over
 * the workers, every process places MAB by the current verdict, a verdict change
 * reaches the workers at once, their accounting lands in the main process's session table, EAP
 * (handed to the main process) works, /metrics sums every process, and a killed worker is
 * replaced while the port keeps answering.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { eapolTest, requireEapolTest } from '../simulations/peers/eapol-test.js';
import { radclient, requireRadclient } from '../simulations/peers/radclient.js';
import { radiusYaml } from '../simulations/radius-yaml.js';
import { loadOrCreateCa } from '../policy/tnc/ca/index.js';
import { deviceCertificate } from './helpers/enroll.js';
import { enrollEndpoint, healthyReport, report, startTestServer, type TestServer } from './helpers/kenneki-server.js';
import { facts } from './helpers/scenario.js';

const SECRET = 'kenneki-workers-secret-0123';
const WORKERS = 2;
const MAC = { compliant: '02:00:5e:00:20:01', quarantined: '02:00:5e:00:20:02', flip: '02:00:5e:00:20:03' };

let s: TestServer;
let server: string;
let acctServer: string;

/**
 * A MAB request without Calling-Station-Id, as some NAS send them: with workers holding EAP, the
 * auth port keeps a device's requests on one worker by that attribute (native/udp-reuseport), and
 * these tests want the kernel to spread one MAC's requests by authenticator over every worker.
 */
const mab = (mac: string): string => {
  const bare = mac.replace(/:/g, '');
  return `User-Name = "${bare}", User-Password = "${bare}", Service-Type = Call-Check, Message-Authenticator = 0x00\n`;
};

/** `n` MAB requests for `mac`, 16 in flight: enough that every process answers some. */
async function burst(mac: string, n: number): Promise<string[]> {
  const r = await radclient({ server, command: 'auth', secret: SECRET, requests: Array.from({ length: n }, () => mab(mac)).join('\n'), extraArgs: ['-p', '16'] });
  expect(r.replies, r.output).toHaveLength(n);
  return r.replies.map((x) => `${x.code} ${x.attributes.find((a) => a.startsWith('Tunnel-Private-Group-Id')) ?? ''}`);
}

/** This process's children running the RADIUS worker, from /proc. */
function workerPids(): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('worker-main.js')) pids.push(Number(d));
    } catch {
      // the process ended while we looked
    }
  }
  return pids.sort();
}

const mabAnswered = async (registryText: string): Promise<number> =>
  [...registryText.matchAll(/^kenneki_radius_requests_total\{[^}]*kind="mab"[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);

beforeAll(async () => {
  requireRadclient();
  requireEapolTest();
  s = await startTestServer({
    enforcement: true,
    yaml: radiusYaml({
      vlans: '{ production: "10", quarantine: "99" }',
      lines: [`workers: ${WORKERS}`, 'eap: { methods: [tls, ttls-pap], threads: 2 }'],
      clients: [{ name: 'sw-lab', address: '127.0.0.1', secret: SECRET }],
    }),
  });
  server = `127.0.0.1:${s.server.enforcementPorts['radiusAuth']}`;
  acctServer = `127.0.0.1:${s.server.enforcementPorts['radiusAcct']}`;
  const admin = s.adminToken['default']!;
  const now = new Date();
  const good = await enrollEndpoint(s, admin, { mac: MAC.compliant, hostname: 'good-laptop' });
  expect((await report(s, good.credential, healthyReport(now))).json.verdict).toBe('allow');
  const bad = await enrollEndpoint(s, admin, { mac: MAC.quarantined, hostname: 'bad-laptop' });
  expect((await report(s, bad.credential, healthyReport(now, facts.firewallOff(now)))).json.verdict).toBe('isolate');
  expect((await s.api(admin, 'PUT', '/api/v1/network-users/carol', { password: 'carol-password-1' })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await s?.close();
  expect(workerPids()).toEqual([]);
});

test('the workers run, and every process places MAB by the current verdict', async () => {
  expect(workerPids()).toHaveLength(WORKERS);
  const before = await mabAnswered(await s.server.ctx.metrics.registry.metrics());
  expect(new Set(await burst(MAC.compliant, 150))).toEqual(new Set(['Access-Accept Tunnel-Private-Group-Id:0 = "10"']));
  expect(new Set(await burst(MAC.quarantined, 150))).toEqual(new Set(['Access-Accept Tunnel-Private-Group-Id:0 = "99"']));
  // /metrics sums the processes. While workers serve, the main process does not read the sockets
  // at all (each extra reader is woken for every datagram): it answered none of the 300.
  const all = await (await fetch(`${s.url}/metrics`)).text();
  const mainOnly = (await mabAnswered(await s.server.ctx.metrics.registry.metrics())) - before;
  expect(await mabAnswered(all)).toBeGreaterThanOrEqual(before + 300);
  expect(mainOnly).toBe(0);
});

test('each worker reads a socket of its own on each port, and one NAS is spread over all of them', async () => {
  // `ss` (iproute2) lists the sockets bound to each port and the processes holding them: one
  // socket per worker, each held by the main process (which reads it while its worker is down)
  // and by that worker alone.
  for (const port of [s.server.enforcementPorts['radiusAuth']!, s.server.enforcementPorts['radiusAcct']!]) {
    const r = spawnSync('ss', ['-H', '-u', '-l', '-n', '-p', `sport = :${port}`], { encoding: 'utf8' });
    expect(r.status, `ss (Debian package iproute2): ${r.error?.message ?? r.stderr}`).toBe(0);
    const holders = r.stdout.trim().split('\n').map((line) => [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])).sort());
    expect(holders).toHaveLength(WORKERS);
    const workers = workerPids();
    for (const h of holders) expect(h).toEqual([process.pid, ...workers.filter((w) => h.includes(w))].sort());
    expect(holders.map((h) => h.find((p) => p !== process.pid)).sort()).toEqual(workers);
  }
  // radclient sends from one socket, like a NAS: the kernel spreads its requests by their
  // authenticator, so every worker reads a fair share.
  const perWorker = async () => {
    const text = await (await fetch(`${s.url}/metrics`)).text();
    return [...text.matchAll(/^kenneki_radius_worker_datagrams_total\{worker="(\d+)"\} (\d+)$/gm)].map((m) => [Number(m[1]), Number(m[2])] as const).sort();
  };
  const before = await perWorker();
  expect(before.map(([w]) => w)).toEqual([0, 1]);
  await burst(MAC.compliant, 400);
  const after = await perWorker();
  for (const [w, n] of after) expect(n - before.find(([b]) => b === w)![1], `worker ${w}`).toBeGreaterThan(100);
});

test('a verdict change reaches every worker at once: no answer from a stale copy', async () => {
  const admin = s.adminToken['default']!;
  const e = await enrollEndpoint(s, admin, { mac: MAC.flip, hostname: 'flip-laptop' });
  const now = new Date();
  expect((await report(s, e.credential, healthyReport(now))).json.verdict).toBe('allow');
  expect(new Set(await burst(MAC.flip, 60))).toEqual(new Set(['Access-Accept Tunnel-Private-Group-Id:0 = "10"']));
  const later = new Date(now.getTime() + 1000);
  expect((await report(s, e.credential, healthyReport(later, facts.firewallOff(later)))).json.verdict).toBe('isolate');
  expect(new Set(await burst(MAC.flip, 60))).toEqual(new Set(['Access-Accept Tunnel-Private-Group-Id:0 = "99"']));
  // Deleting the endpoint makes the MAC unknown everywhere (unknown_mac: quarantine → 99 too), and
  // re-registering it as compliant brings production back everywhere.
  expect((await s.api(admin, 'DELETE', `/api/v1/endpoints/${e.id}`)).status).toBe(204);
  expect(new Set(await burst(MAC.flip, 60))).toEqual(new Set(['Access-Accept Tunnel-Private-Group-Id:0 = "99"']));
  const again = await enrollEndpoint(s, admin, { mac: MAC.flip, hostname: 'flip-laptop-2' });
  const latest = new Date(now.getTime() + 2000);
  expect((await report(s, again.credential, healthyReport(latest))).json.verdict).toBe('allow');
  expect(new Set(await burst(MAC.flip, 60))).toEqual(new Set(['Access-Accept Tunnel-Private-Group-Id:0 = "10"']));
});

test("the workers' accounting lands in the main process's session table", async () => {
  const station = `Calling-Station-Id = "${MAC.compliant.replace(/:/g, '-').toUpperCase()}"`;
  const requests = Array.from({ length: 20 }, (_, i) => `Acct-Status-Type = Start, Acct-Session-Id = "w-${i}", ${station}, User-Name = "good-laptop", Framed-IP-Address = 10.30.0.${i + 1}, NAS-Port = ${i + 1}\n`).join('\n');
  const start = await radclient({ server: acctServer, command: 'acct', secret: SECRET, requests, extraArgs: ['-p', '8'] });
  expect(start.replies.map((r) => r.code)).toEqual(Array(20).fill('Accounting-Response'));
  const list = async () => (await s.api(s.adminToken['default']!, 'GET', `/api/v1/sessions?mac=${encodeURIComponent(MAC.compliant)}&active=true`)).json as { items: { acctSessionId?: string; framedIp?: string }[] };
  // Each Start supersedes the one before on the same NAS (and the MAB session without an id); the
  // last one handled stays live, with its IP. Sessions reach the store within a second.
  await expect.poll(async () => (await list()).items.map((i) => i.acctSessionId?.slice(0, 2)), { timeout: 5000 }).toEqual(['w-']);
  const live = (await list()).items[0]!;
  expect(live.acctSessionId).toMatch(/^w-\d+$/);
  expect(live.framedIp).toBe(`10.30.0.${Number(live.acctSessionId!.slice(2)) + 1}`);
});

test('EAP-TTLS/PAP is served by the workers, which ask the main process for the password check, and a wrong password fails', async () => {
  const conf = (password: string): string => {
    const path = join(s.dataDir, `carol-${password}.conf`);
    writeFileSync(path, `network={\n key_mgmt=IEEE8021X\n eap=TTLS\n identity="carol"\n anonymous_identity="anonymous"\n password="${password}"\n phase2="auth=PAP"\n ca_cert="${join(s.dataDir, 'ca', 'ca.crt')}"\n}\n`);
    return path;
  };
  const port = s.server.enforcementPorts['radiusAuth']!;
  for (let i = 0; i < 3; i++) {
    const ok = await eapolTest({ confPath: conf('carol-password-1'), port, secret: SECRET, mac: MAC.compliant, timeoutSeconds: 10 });
    expect(ok.success, ok.output.slice(-2000)).toBe(true);
  }
  const wrong = await eapolTest({ confPath: conf('not-her-password'), port, secret: SECRET, mac: MAC.compliant, timeoutSeconds: 10 });
  expect(wrong.success).toBe(false);
  // /metrics counts the logins, summed over the EAP threads.
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1]);
  expect([value('kenneki_radius_eap_conversations_total{outcome="succeeded"}'), value('kenneki_radius_eap_conversations_total{outcome="failed"}')]).toEqual([3, 1]);
  expect(value('kenneki_radius_eap_tls_handshakes_total{kind="full"}')).toBe(4);
  expect(value('kenneki_radius_eap_conversations')).toBe(0);
});

test('EAP-TLS in the workers: a Kenneki device certificate picks its endpoint (asked of the main process), whatever the calling MAC', async () => {
  const admin = s.adminToken['default']!;
  const deviceId = 'dev-workers-0001';
  const e = await enrollEndpoint(s, admin, { mac: '02:00:5e:00:20:09', hostname: 'tls-laptop', deviceId });
  expect((await report(s, e.credential, healthyReport(new Date()))).json.verdict).toBe('allow');
  const device = await deviceCertificate(await loadOrCreateCa(s.dataDir), deviceId);
  writeFileSync(join(s.dataDir, 'device.pem'), device.certPem);
  writeFileSync(join(s.dataDir, 'device.key'), device.keyPem);
  const confPath = join(s.dataDir, 'device-tls.conf');
  writeFileSync(confPath, `network={\n key_mgmt=IEEE8021X\n eap=TLS\n identity="${deviceId}"\n ca_cert="${join(s.dataDir, 'ca', 'ca.crt')}"\n client_cert="${join(s.dataDir, 'device.pem')}"\n private_key="${join(s.dataDir, 'device.key')}"\n}\n`);
  const port = s.server.enforcementPorts['radiusAuth']!;
  const before = await (await fetch(`${s.url}/metrics`)).text();
  const mainBefore = await s.server.ctx.metrics.registry.metrics();
  // An unknown MAC would get the quarantine VLAN: production means the device id decided.
  for (let i = 0; i < 4; i++) {
    const r = await eapolTest({ confPath, port, secret: SECRET, mac: `02:00:5e:00:21:0${i}`, timeoutSeconds: 10 });
    expect(r.success, r.output.slice(-2000)).toBe(true);
    expect(r.mppeOk).toBe(1);
    expect(r.output).toMatch(/Attribute 81 \(Tunnel-Private-Group-Id\) length=4\s+Value: 3130/);
  }
  // Served in the workers: the sum on /metrics moved by 4, the main process's own port by none.
  const succeeded = (text: string) => Number(/^kenneki_radius_eap_conversations_total\{outcome="succeeded"\} (\d+)$/m.exec(text)?.[1] ?? 0);
  expect(succeeded(await (await fetch(`${s.url}/metrics`)).text()) - succeeded(before)).toBe(4);
  expect(succeeded(await s.server.ctx.metrics.registry.metrics()) - succeeded(mainBefore)).toBe(0);
});

test("EAP-TLS in the workers resumes: a device's next login reaches the worker holding its TLS session (steered by Calling-Station-Id)", async () => {
  const confPath = join(s.dataDir, 'device-tls.conf'); // written by the test above
  const port = s.server.enforcementPorts['radiusAuth']!;
  const resumed = async () => Number(/^kenneki_radius_eap_tls_handshakes_total\{kind="resumed"\} (\d+)$/m.exec(await (await fetch(`${s.url}/metrics`)).text())?.[1] ?? 0);
  const before = await resumed();
  // One supplicant, four logins: the first is a full handshake, each re-authentication offers its
  // session id. With two workers, random placement would resume each with a chance of one half.
  const r = await eapolTest({ confPath, port, secret: SECRET, mac: '02:00:5e:00:21:77', reauths: 3, timeoutSeconds: 20 });
  expect(r.success, r.output.slice(-2000)).toBe(true);
  expect(r.mppeOk).toBe(4);
  expect((await resumed()) - before).toBe(3);
});

test('a worker that stops answering is killed by the watchdog and replaced, and the requests waiting in its socket are answered', async () => {
  const [stuck] = workerPids();
  // SIGSTOP: alive but silent, like a loop that never yields. Its socket's share of the requests
  // waits there until the watchdog (a ping every 5 s) kills it and the main process reads them:
  // up to two intervals after the stop. radclient gives up a request's attempt after `-t`, so it
  // waits 12 s for the first answer (a shorter wait raced the watchdog under load).
  process.kill(stuck!, 'SIGSTOP');
  try {
    const r = await radclient({ server, command: 'auth', secret: SECRET, requests: Array.from({ length: 40 }, () => mab(MAC.compliant)).join('\n'), timeoutSeconds: 12, retries: 2, extraArgs: ['-p', '40'] });
    expect(r.replies.map((x) => x.code), `radclient exit ${r.code} ${r.signal ?? ''}\n${r.output.slice(-1500)}`).toEqual(Array(40).fill('Access-Accept'));
    expect(workerPids()).not.toContain(stuck);
  } finally {
    try {
      process.kill(stuck!, 'SIGCONT');
    } catch {
      // killed already, as it should be
    }
  }
  await expect.poll(() => workerPids().length, { timeout: 10_000 }).toBe(WORKERS);
}, 40_000);

test("killed workers are replaced, and the port answers meanwhile: the main process reads a dead worker's socket until its replacement is up", async () => {
  // Each scrape remembers what every worker counted, so that a dead worker's counts stay in the sums.
  const scrape = async () => mabAnswered(await (await fetch(`${s.url}/metrics`)).text());
  const counted = await scrape();
  const [victim, ...others] = workerPids();
  process.kill(victim!, 'SIGKILL');
  expect(new Set(await burst(MAC.quarantined, 100))).toEqual(new Set(['Access-Accept Tunnel-Private-Group-Id:0 = "99"']));
  await expect.poll(() => workerPids().length, { timeout: 10_000 }).toBe(WORKERS);
  const now = workerPids();
  expect(now).not.toContain(victim);
  for (const o of others) expect(now).toContain(o);
  // Every worker at once (one of them perhaps still starting): only the main process is left.
  expect(await scrape()).toBeGreaterThanOrEqual(counted + 100);
  for (const pid of now) process.kill(pid, 'SIGKILL');
  await expect.poll(() => workerPids().length, { timeout: 5000 }).toBe(0);
  expect(new Set(await burst(MAC.compliant, 100))).toEqual(new Set(['Access-Accept Tunnel-Private-Group-Id:0 = "10"']));
  // Replacements take over; a datagram a worker reads while it is still starting is not lost.
  await expect.poll(() => workerPids().length, { timeout: 10_000 }).toBe(WORKERS);
  for (let i = 0; i < 5; i++) expect(new Set(await burst(MAC.compliant, 100))).toEqual(new Set(['Access-Accept Tunnel-Private-Group-Id:0 = "10"']));
  // The sums never went back: the dead workers' counts are still in them, and every answer since.
  expect(await scrape()).toBeGreaterThanOrEqual(counted + 700);
});

test('a worker that never becomes ready is killed, and the server refuses to start rather than run with it', async () => {
  // The worker's node runs an import that never settles but keeps its event loop alive: a hang.
  process.env['KENNEKI_RADIUS_WORKER_NODE_ARGS'] = '--import=data:text/javascript,setInterval(()=>{},1000);await%20new%20Promise(()=>{})';
  const before = workerPids();
  try {
    await expect(
      startTestServer({ enforcement: true, yaml: radiusYaml({ lines: ['workers: 1', 'eap: { methods: [] }'], clients: [{ name: 'sw-hang', address: '127.0.0.1', secret: SECRET }] }) }),
    ).rejects.toThrow(/RADIUS worker 0 did not start within 10000 ms/);
  } finally {
    delete process.env['KENNEKI_RADIUS_WORKER_NODE_ARGS'];
  }
  await expect.poll(() => workerPids().filter((p) => !before.includes(p)), { timeout: 3000 }).toEqual([]);
}, 30_000);
