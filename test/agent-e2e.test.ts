/**
 * kenneki-agent end to end against a running Kenneki server: enrollment with a one-time token,
 * assessments over PT-TLS with collectors driven by recorded host profiles, the verdicts and
 * remediation texts the user sees, reassessment by the daemon without a restart, and show-report
 * matching what the server stores. Nothing is mocked: the agent is the real CLI in its own process.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../policy/service/clock.js';
import { loadOrCreateCa } from '../policy/tnc/ca/index.js';
import type { HostProfile } from '../posture-agent/collect/fixture-host.js';
import { readProfile, testAgent, type TestAgent } from './helpers/agent.js';
import { startTestServer, type TestServer } from './helpers/kenneki-server.js';
import { DAY, policyBody } from './helpers/scenario.js';

// The recorded laptops' own clock: the server's runs with it so that signature ages hold on any day.
const T0 = new Date('2026-11-23T09:00:00Z');
let s: TestServer;
let admin: string;
let dir: string;
const clock = new ManualClock(T0);

let foreignCa: string | undefined;
/** A CA certificate of another Kenneki installation (made once, in a data dir of our own). */
async function foreignCaPem(): Promise<string> {
  foreignCa ??= (await loadOrCreateCa(mkdtempSync(join(dir, 'foreign-ca-')))).certPem;
  return foreignCa;
}

async function token(body: Record<string, unknown> = {}): Promise<{ id: string; token: string; command: string }> {
  const r = await s.api(admin, 'POST', '/api/v1/enrollment-tokens', body);
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json;
}

const server = (): string => `localhost:${s.ptTlsPort}`;

async function endpointOf(id: string): Promise<any> {
  const r = await s.api(admin, 'GET', `/api/v1/endpoints/${id}`);
  expect(r.status).toBe(200);
  return r.json;
}

/** The compliant Debian laptop with one pending security update (openssl). */
function withPendingOpenssl(): HostProfile {
  const p = readProfile('profile-compliant.json');
  p.commands!['linux.apt-get-simulate'] = readProfile('profile-noncompliant.json').commands!['linux.apt-get-simulate']!;
  return p;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kenneki-agent-e2e-'));
  s = await startTestServer({ clock });
  admin = s.adminToken['default']!;
  const created = await s.api(
    admin,
    'POST',
    '/api/v1/policies',
    policyBody('laptops', 10, [
      { check: 'firewall', action: 'isolate' },
      { check: 'disk-encryption', action: 'isolate' },
      { check: 'pending-updates', action: 'isolate', graceDays: 7 },
    ], { remediationUrl: 'https://fix.example.com/kenneki' }),
  );
  expect(created.status, JSON.stringify(created.json)).toBe(201);
});

afterAll(async () => {
  await s?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('kenneki-agent against a running server', () => {
  let agent: TestAgent;
  let deviceId: string;
  let endpointId: string;

  test('enroll: a one-time token, a CSR, a device certificate; the token cannot be used twice', async () => {
    agent = testAgent(mkdtempSync(join(dir, 'a-')), 'profile-compliant.json');
    const t = await token({ label: 'laptop-42' });
    expect(t.command).toBe(`kenneki-agent enroll --server localhost:${s.ptTlsPort} --token ${t.token}`);
    const r = await agent.run(['enroll', '--server', server(), '--token', t.token]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    [, deviceId, endpointId] = /as device (\S+) \(endpoint ([^,]+),/.exec(r.stdout)! as unknown as [string, string, string];
    expect((await endpointOf(endpointId)).endpoint.deviceId).toBe(deviceId);
    // The machine id of the recorded laptop names the endpoint.
    expect(deviceId).toBe(readProfile('profile-compliant.json').files!['/etc/machine-id']!.trim());

    const again = testAgent(mkdtempSync(join(dir, 'b-')), 'profile-compliant.json');
    const reused = await again.run(['enroll', '--server', server(), '--token', t.token]);
    expect(reused.code).toBe(1);
    expect(reused.stderr).toMatch(/^kenneki-agent: enrollment refused: this token was already used/);
  });

  test('a token pinning another CA is refused before anything is sent, and a cut-short token is named as such', async () => {
    const other = testAgent(mkdtempSync(join(dir, 'c-')), 'profile-compliant.json');
    const t = await token();
    const [prefix, secret] = t.token.split('.');
    const wrongPin = Buffer.alloc(32, 7).toString('base64url');
    const r = await other.run(['enroll', '--server', server(), '--token', `${prefix}.${secret}.${wrongPin}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not match the CA pinned in the token/);
    expect(r.stderr).toMatch(/nothing was sent/);
    // The secret never reached the server: the same token still enrolls a device.
    const listed = await s.api(admin, 'GET', '/api/v1/enrollment-tokens');
    expect(listed.json.items.find((i: any) => i.id === t.id)?.status).toBe('unused');

    const cut = await other.run(['enroll', '--server', server(), '--token', t.token.slice(0, -10)]);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(/cut short when copied/);
  });

  test('a device whose saved CA is not the server\'s refuses to report', async () => {
    const ourCa = readFileSync(join(s.dataDir, 'ca', 'ca.crt'), 'utf8');
    const other = testAgent(mkdtempSync(join(dir, 'd-')), 'profile-compliant.json');
    // Another laptop: a machine id of its own (the first one's is enrolled already).
    other.edit((p) => {
      p.files!['/etc/machine-id'] = `${'d'.repeat(32)}\n`;
    });
    const t = await token();
    expect((await other.run(['enroll', '--server', server(), '--token', t.token])).code).toBe(0);
    // Another Kenneki's CA in place of ours: a server we did not enroll with.
    writeFileSync(join(other.stateDir, 'ca.crt'), await foreignCaPem());
    const r = await other.run(['check', '--no-firewall']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/not trusted/);
    expect(await foreignCaPem()).not.toBe(ourCa);
  });

  test('a compliant Linux laptop gets allow', async () => {
    const r = await agent.run(['check', '--no-firewall']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Access allowed');
    expect(r.code).toBe(0);
    expect((await endpointOf(endpointId)).endpoint.verdict).toBe('allow');
  });

  test('firewall off gets isolate, with the reason and numbered remediation steps shown', async () => {
    agent.edit((p) => {
      p.commands!['linux.ufw-status'] = { stdout: 'Status: inactive\n' };
    });
    const r = await agent.run(['check', '--no-firewall']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/QUARANTINED/);
    expect(r.stdout).toMatch(/firewall/i);
    expect(r.stdout).toMatch(/^ +1\. /m);
    expect(r.stdout).toContain('fix.example.com');
    const status = await agent.run(['status']);
    expect(status.code).toBe(2);
    expect(status.stdout).toMatch(/QUARANTINED|ACTION NEEDED/);
    expect((await endpointOf(endpointId)).endpoint.verdict).toBe('isolate');
  });

  test('after the fix, the next check gets allow again', async () => {
    agent.become(readProfile('profile-compliant.json'));
    const r = await agent.run(['check', '--no-firewall']);
    expect(r.code).toBe(0);
    expect((await agent.run(['status'])).code).toBe(0);
  });

  test('a pending security update warns within its grace and isolates past it, with the update named', async () => {
    agent.become(withPendingOpenssl());
    const within = await agent.run(['check', '--no-firewall']);
    expect(within.code).toBe(0);
    expect(within.stdout).toMatch(/openssl/);
    // Time only moves forward: the server refuses posture older than what it holds.
    clock.advance(8 * DAY);
    const past = await agent.run(['check', '--no-firewall']);
    expect(past.code).toBe(2);
    expect(past.stdout).toMatch(/openssl/);
    expect(past.stdout).toMatch(/QUARANTINED/);
    agent.become(readProfile('profile-compliant.json'));
    expect((await agent.run(['check', '--no-firewall'])).code).toBe(0);
  });

  test('show-report prints exactly the facts the server then stores, field for field', async () => {
    const shown = await agent.run(['show-report', '--json']);
    expect(shown.code).toBe(0);
    const preview = JSON.parse(shown.stdout);
    // What the enabled policies (ours and the baseline) asked for at the last check.
    expect(preview.onRequest).toEqual(expect.arrayContaining(['diskEncryption', 'firewall', 'pendingUpdates']));
    expect(preview.unprompted).toEqual(['os', 'deviceId', 'agent']);
    expect((await agent.run(['check', '--no-firewall'])).code).toBe(0);
    const stored = (await endpointOf(endpointId)).posture.facts;
    const strip = (f: any) => (f.status === 'ok' ? { status: f.status, value: f.value } : { status: f.status, reason: f.reason });
    const keys = Object.keys(preview.facts).sort();
    expect(Object.keys(stored).sort()).toEqual(keys);
    for (const k of keys) expect(strip(stored[k]), k).toEqual(strip(preview.facts[k]));
  });

  test('the daemon reassesses after the user fixes the machine, without a restart: on the server\'s request and on its interval', async () => {
    agent.edit((p) => {
      p.commands!['linux.ufw-status'] = { stdout: 'Status: inactive\n' };
    });
    const d = agent.spawn(['run', '--no-firewall', '--interval-seconds', '3']);
    try {
      await d.waitFor(/"evt":"ASSESSED","verdict":"isolate"/);
      const endpoint = (await endpointOf(endpointId)).endpoint;
      expect(endpoint.verdict).toBe('isolate');

      // The user turns the firewall on; the admin asks for a reassessment (SRETRY on the open session).
      agent.become(readProfile('profile-compliant.json'));
      const r = await s.api(admin, 'POST', `/api/v1/endpoints/${endpoint.id}/reassess`);
      expect(r.status, JSON.stringify(r.json)).toBeLessThan(300);
      await d.waitFor(/"evt":"TRIGGER","trigger":"server-retry"[\s\S]*"evt":"ASSESSED","verdict":"allow"/, 15_000);
      expect((await endpointOf(endpointId)).endpoint.verdict).toBe('allow');

      // And on the interval, by itself: broken again, then seen within a few seconds.
      agent.edit((p) => {
        p.commands!['linux.ufw-status'] = { stdout: 'Status: inactive\n' };
      });
      await d.waitFor(/"evt":"ASSESSED","verdict":"allow"[\s\S]*"evt":"ASSESSED","verdict":"isolate"/, 20_000);
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
    }
    agent.become(readProfile('profile-compliant.json'));
  });
});
