/**
 * The personal firewall end to end, with nothing in between: a real `kenneki serve` in its own
 * network namespace, the real `kenneki-agent` CLI in the endpoint's, real nftables, real packets.
 * A LAN of namespaces (test/helpers/topology.ts) holds the endpoint, the Kenneki server, a
 * remediation host and a production host. The admin defines a firewall policy with a remediation
 * host over the HTTP API; the laptop enrolls with a one-time token and runs `check`. While the
 * server says isolate, the endpoint reaches the server's PT-TLS port and the remediation port and
 * nothing else, and nobody opens a connection to it; once the laptop is fixed and `check` gets
 * allow, everything flows both ways; broken again, it is isolated again. test/agent-firewall-netns
 * covers the same rules driven directly through the firewall module.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HostProfile } from '../posture-agent/collect/fixture-host.js';
import { readProfile } from './helpers/agent.js';
import { nsApi } from './helpers/ns-api.js';
import { AGENT_BIN, KENNEKI_BIN, ROOT, spawnBin, type Spawned } from './helpers/process.js';
import { policyBody } from './helpers/scenario.js';
import { createLan, probeReachability, requireBinaries, type Lan, type LanHost, type Reachability } from './helpers/topology.js';

const HTTP_PORT = 8080;
const PT_TLS_PORT = 2710;
const REMEDIATION_PORT = 8443;
const REMEDIATION_OTHER_PORT = 9000;
const PRODUCTION_PORT = 80;
const ENDPOINT_PORT = 7000;
const BOOTSTRAP_PASSWORD = 'test-bootstrap-password-0123456789';

type Role = 'endpoint' | 'kenneki' | 'remediation' | 'production';
/** [from, to, probe, port, family, reachable] */
type Expectation = Reachability<Role>;

const ISOLATED: Expectation[] = [
  ['endpoint', 'kenneki', 'tcp', PT_TLS_PORT, 4, true],
  // The admin API is not the PT-TLS port: a quarantined device has no business there.
  ['endpoint', 'kenneki', 'tcp', HTTP_PORT, 4, false],
  ['endpoint', 'remediation', 'tcp', REMEDIATION_PORT, 4, true],
  ['endpoint', 'remediation', 'tcp', REMEDIATION_OTHER_PORT, 4, false],
  ['endpoint', 'production', 'tcp', PRODUCTION_PORT, 4, false],
  ['endpoint', 'production', 'tcp', PRODUCTION_PORT, 6, false],
  ['endpoint', 'production', 'ping', undefined, 4, false],
  ['production', 'endpoint', 'tcp', ENDPOINT_PORT, 4, false],
  ['production', 'endpoint', 'tcp', ENDPOINT_PORT, 6, false],
  ['production', 'endpoint', 'ping', undefined, 4, false],
  ['remediation', 'endpoint', 'tcp', ENDPOINT_PORT, 4, false],
];

const OPEN: Expectation[] = [
  ['endpoint', 'kenneki', 'tcp', PT_TLS_PORT, 4, true],
  ['endpoint', 'kenneki', 'tcp', HTTP_PORT, 4, true],
  ['endpoint', 'remediation', 'tcp', REMEDIATION_PORT, 4, true],
  ['endpoint', 'remediation', 'tcp', REMEDIATION_OTHER_PORT, 4, true],
  ['endpoint', 'production', 'tcp', PRODUCTION_PORT, 4, true],
  ['endpoint', 'production', 'tcp', PRODUCTION_PORT, 6, true],
  ['endpoint', 'production', 'ping', undefined, 4, true],
  ['production', 'endpoint', 'tcp', ENDPOINT_PORT, 4, true],
  ['production', 'endpoint', 'tcp', ENDPOINT_PORT, 6, true],
  ['production', 'endpoint', 'ping', undefined, 4, true],
  ['remediation', 'endpoint', 'tcp', ENDPOINT_PORT, 4, true],
];

let lan: Lan;
let h: Record<Role, LanHost>;
let dir: string;
let server: Spawned | undefined;
let adminToken: string;
const profileFile = () => join(dir, 'host.json');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** argv inside a namespace, asynchronously (the server's output pipes keep draining), with its exit code. */
function runIn(host: LanHost, argv: readonly string[], timeoutMs = 60_000): Promise<Run> {
  const [file, ...args] = lan.wrap(host, argv) as [string, ...string[]];
  return new Promise((resolve) => {
    execFile(file, args, { cwd: ROOT, env: { ...process.env, LANG: 'C', LC_ALL: '', LC_MESSAGES: '' }, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The real agent CLI inside the endpoint's namespace, on the test's recorded laptop. */
const agent = (args: string[]): Promise<Run> =>
  runIn(h.endpoint, [process.execPath, AGENT_BIN, '--state-dir', join(dir, 'agent-state'), '--host-fixture', profileFile(), ...args]);

/** The admin API, called from inside the server's namespace (the root namespace has no route there). */
const api = (method: string, path: string, body?: unknown) => nsApi((argv) => lan.wrap(h.kenneki, argv), `http://${h.kenneki.v4}:${HTTP_PORT}`, () => adminToken)(method, path, body);

/**
 * The recorded Debian laptop, its clock moved to now (with its file times moved alike) so the
 * server's real clock sees fresh posture on any day, and each check reports later than the last.
 */
function becomeLaptop(firewallOn: boolean): void {
  const p: HostProfile = readProfile('profile-compliant.json');
  const shift = Date.now() - new Date(p.now!).getTime();
  p.now = new Date(Date.now()).toISOString();
  for (const [path, t] of Object.entries(p.mtimes ?? {})) p.mtimes![path] = new Date(new Date(t).getTime() + shift).toISOString();
  if (!firewallOn) p.commands!['linux.ufw-status'] = { stdout: 'Status: inactive\n' };
  writeFileSync(profileFile(), JSON.stringify(p));
}

const reachability = (expectations: Expectation[]): Promise<Expectation[]> => probeReachability(lan, h, expectations);

async function ourTable(): Promise<Run> {
  return runIn(h.endpoint, ['nft', 'list', 'table', 'inet', 'kenneki_agent']);
}

async function firewallStatus(): Promise<any> {
  const r = await agent(['firewall', 'status', '--json']);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

async function check(): Promise<{ code: number; out: any; raw: Run }> {
  const raw = await agent(['check', '--json']);
  let out: any;
  try {
    out = JSON.parse(raw.stdout);
  } catch {
    throw new Error(`check printed no JSON (exit ${raw.code}): ${raw.stdout}${raw.stderr}`);
  }
  return { code: raw.code, out, raw };
}

let endpointId: string;

async function serverVerdict(): Promise<string> {
  const r = await api('GET', `/api/v1/endpoints/${endpointId}`);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.endpoint.verdict as string;
}

describe('personal firewall end to end: real server, real agent, real nftables', () => {
  beforeAll(async () => {
    requireBinaries(); // fails naming iproute2 / nftables / iputils-ping
    dir = mkdtempSync(join(tmpdir(), 'kk-fw-e2e-'));
    lan = createLan('fe', ['endpoint', 'kenneki', 'remediation', 'production']);
    h = lan.hosts as Record<Role, LanHost>;
    await Promise.all([
      lan.listen(h.remediation, [REMEDIATION_PORT, REMEDIATION_OTHER_PORT]),
      lan.listen(h.production, [PRODUCTION_PORT]),
      lan.listen(h.endpoint, [ENDPOINT_PORT]),
    ]);

    mkdirSync(join(dir, 'server'));
    const config = join(dir, 'server', 'kenneki.yaml');
    writeFileSync(
      config,
      [
        `data_dir: ${join(dir, 'server', 'data')}`,
        'log: { level: info }',
        `http: { host: ${h.kenneki.v4}, port: ${HTTP_PORT} }`,
        `pt_tls: { host: ${h.kenneki.v4}, port: ${PT_TLS_PORT}, server_names: [${h.kenneki.v4}] }`,
        `admin: { bootstrap_password: "${BOOTSTRAP_PASSWORD}" }`,
        '',
      ].join('\n'),
    );
    server = spawnBin(KENNEKI_BIN, ['serve', '--config', config], { wrap: lan.wrap(h.kenneki, []) });
    await server.waitFor(/"evt":"PT_TLS_LISTENING"/, 30_000);
    await server.waitFor(/"evt":"SERVER_LISTENING"/, 30_000);

    const login = await api('POST', '/api/v1/auth/login', { tenant: 'default', username: 'admin', password: BOOTSTRAP_PASSWORD });
    expect(login.status, JSON.stringify(login.json)).toBe(200);
    adminToken = login.json.token;
    const policy = await api(
      'POST',
      '/api/v1/policies',
      policyBody('laptops', 10, [{ check: 'firewall', action: 'isolate' }], {
        quarantineAllow: [{ host: h.remediation.v4, protocol: 'tcp', ports: [REMEDIATION_PORT] }],
      }),
    );
    expect(policy.status, JSON.stringify(policy.json)).toBe(201);
  }, 60_000);

  afterAll(async () => {
    if (server !== undefined && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      const stopped = await Promise.race([server.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5_000))]);
      if (!stopped) server.child.kill('SIGKILL');
    }
    lan?.remove();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  test('before any verdict the LAN is open (the probes themselves work)', async () => {
    expect(await reachability(OPEN)).toEqual(OPEN);
  });

  test('the laptop enrolls over PT-TLS with a one-time token from the admin API', async () => {
    becomeLaptop(false);
    const t = await api('POST', '/api/v1/enrollment-tokens', { label: 'laptop-fw' });
    expect(t.status, JSON.stringify(t.json)).toBe(201);
    expect(t.json.command).toBe(`kenneki-agent enroll --server ${h.kenneki.v4}:${PT_TLS_PORT} --token ${t.json.token}`);
    const r = await agent(['enroll', '--server', `${h.kenneki.v4}:${PT_TLS_PORT}`, '--token', t.json.token]);
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout).toBe(0);
    endpointId = /as device \S+ \(endpoint ([^,]+),/.exec(r.stdout)![1]!;
    // Enrolling changes no firewall.
    expect((await ourTable()).code).not.toBe(0);
  });

  test('firewall off: the server isolates, the agent applies nftables, only the server and the remediation port are reachable', async () => {
    becomeLaptop(false);
    const { code, out, raw } = await check();
    expect(code, raw.stdout + raw.stderr).toBe(2);
    expect(out.outcome.verdict).toBe('isolate');
    expect(out.outcome.quarantineAllow).toEqual(expect.arrayContaining([expect.objectContaining({ host: h.remediation.v4, protocol: 'tcp', ports: [REMEDIATION_PORT] })]));
    expect(out.firewall).toMatchObject({ status: 'applied', mode: 'isolate' });
    expect(await serverVerdict()).toBe('isolate');

    const table = await ourTable();
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain(h.remediation.v4);

    expect(await reachability(ISOLATED)).toEqual(ISOLATED);
    expect(await firewallStatus()).toMatchObject({ platform: 'linux', mode: 'isolate', live: 'match' });
  });

  test('isolated, the agent still reaches the server: the same verdict again changes nothing', async () => {
    becomeLaptop(false);
    const { code, out } = await check();
    expect(code).toBe(2);
    expect(out.firewall).toMatchObject({ status: 'noop', mode: 'isolate' });
    expect(await firewallStatus()).toMatchObject({ mode: 'isolate', live: 'match' });
  });

  test('firewall on: the server allows, the agent removes its table, traffic flows both ways', async () => {
    becomeLaptop(true);
    const { code, out, raw } = await check();
    expect(code, raw.stdout + raw.stderr).toBe(0);
    expect(out.outcome.verdict).toBe('allow');
    expect(out.firewall).toMatchObject({ status: 'applied', mode: 'open' });
    expect(await serverVerdict()).toBe('allow');
    expect((await ourTable()).code).not.toBe(0);

    expect(await reachability(OPEN)).toEqual(OPEN);
    expect(await firewallStatus()).toMatchObject({ platform: 'linux', mode: 'open', rules: 0, live: 'match' });
  });

  test('firewall off again: isolated again', async () => {
    becomeLaptop(false);
    const { code, out } = await check();
    expect(code).toBe(2);
    expect(out.firewall).toMatchObject({ status: 'applied', mode: 'isolate' });
    expect(await serverVerdict()).toBe('isolate');
    expect(await reachability(ISOLATED)).toEqual(ISOLATED);
    expect(await firewallStatus()).toMatchObject({ mode: 'isolate', live: 'match' });
  });
});
