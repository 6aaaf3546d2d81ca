/**
 * Directory groups choosing the outcome, end to end: a real `kenneki` server with a real slapd as
 * its directory; NEA clients log in over PT-TLS with SASL PLAIN as directory users and report the
 * same posture (a security update pending past its grace period).
 *
 * - alice is in Developers (directly) and carol through Interns (nested): an exception for
 *   Developers waives pending updates, so they are allowed; bob, in Sales, is isolated.
 * - The directory stops: alice and bob keep their outcomes from the login cache and the stored
 *   memberships; erin, never seen before, is admitted by the fail mode and held at isolate.
 * - The directory returns: erin is confirmed and released without reconnecting.
 * - Past the outage window, stored memberships stop counting: alice is held too.
 */
import { mkdtempSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { debian12Attributes } from '../policy/tnc/broker/test-client.js';
import { KENNEKI_VENDOR_ID } from '../policy/tnc/pa/constants.js';
import type { PostureFacts } from '../policy/posture/facts.js';
import { ManualClock } from '../policy/service/clock.js';
import { attributesFor } from '../posture-agent/report/attributes.js';
import { identityYaml, slapdDirectory } from './helpers/directory.js';
import { startTestServer, type TestServer } from './helpers/kenneki-server.js';
import { assessOverPtTls } from './helpers/pt-tls-assess.js';
import { DAY, ok, policyBody } from './helpers/scenario.js';
import { startSlapd, type Slapd } from './helpers/slapd.js';

const T0 = new Date('2026-11-23T09:00:00Z');
const ALLOW = 1;
const QUARANTINE = 3;
const TTL_S = 60;
const WINDOW_S = 3600;

let slapd: Slapd;
let s: TestServer;
let admin: string;
let caCert: string;
const clock = new ManualClock(T0);

beforeAll(async () => {
  slapd = await startSlapd();
  const dir = mkdtempSync(join(tmpdir(), 'kenneki-e2e-dir-'));
  const yaml = identityYaml(dir, [
    slapdDirectory(slapd, { name: 'corp', extra: [`cache: { ttl_seconds: ${TTL_S}, outage_window_seconds: ${WINDOW_S} }`, 'connect_timeout_ms: 1000', 'operation_timeout_ms: 2000'] }),
  ]);
  s = await startTestServer({ clock, yaml, sweeper: false });
  admin = s.adminToken['default']!;
  caCert = readFileSync(join(s.dataDir, 'ca', 'ca.crt'), 'utf8');

  const policy = await s.api(admin, 'POST', '/api/v1/policies', policyBody('patching', 10, [{ check: 'pending-updates', action: 'isolate', graceDays: 7 }]));
  expect(policy.status, JSON.stringify(policy.json)).toBe(201);
  const exception = await s.api(admin, 'POST', '/api/v1/exceptions', {
    scope: { kind: 'group', group: 'Developers' },
    checks: ['pending-updates'],
    reason: 'the build farm pins its toolchain until the release',
    approver: 'ciso',
    expiresAt: new Date(T0.getTime() + 90 * DAY).toISOString(),
  });
  expect(exception.status, JSON.stringify(exception.json)).toBe(201);
}, 60_000);

afterAll(async () => {
  await s?.close();
  await slapd?.cleanup();
});

/** A Debian 12 device with one security update pending (first seen at T0), or none. */
function posture(deviceId: string, pending: boolean) {
  const at = clock.now();
  const facts = {
    deviceId: ok(deviceId, at),
    pendingUpdates: ok({ updates: pending ? [{ id: 'DSA-5800-1', package: 'openssl', version: '3.0.15-1~deb12u1', security: true }] : [], rebootRequired: false }, at),
  } as unknown as PostureFacts;
  const attrs = attributesFor(facts, ['deviceId', 'pendingUpdates'], KENNEKI_VENDOR_ID);
  // The OS IMC's own set (product, version, ...) with this device's id in place of the fixture's.
  return { os: [...debian12Attributes().filter((a) => !(a.vendor !== 0 && a.type === attrs.os[0]?.type && a.vendor === attrs.os[0]?.vendor)), ...attrs.os], kenneki: attrs.kenneki };
}

async function assess(user: string, password: string, deviceId: string, pending = true): Promise<number> {
  const p = posture(deviceId, pending);
  return assessOverPtTls({ port: s.ptTlsPort!, caCert, user, password, attributes: () => p.os, kenneki: () => p.kenneki, saslTimeoutMs: 10_000 });
}

async function endpointOf(deviceId: string): Promise<any> {
  const e = await s.server.ctx.store.endpoints.findByDeviceId('default', deviceId);
  expect(e, deviceId).toBeDefined();
  const r = await s.api(admin, 'GET', `/api/v1/endpoints/${e!.id}`);
  expect(r.status).toBe(200);
  return { ...r.json.endpoint, groups: r.json.groups, decision: r.json.decision };
}

const settle = () => s.server.queue.idle();

describe('directory groups choose the outcome', () => {
  test('within the grace period everyone is allowed; past it Developers (direct or nested) are waived and Sales is isolated', async () => {
    const { alice, bob, carol } = slapd.users;
    expect(await assess(alice.uid, alice.password, 'device-alice')).toBe(ALLOW);
    expect(await assess(bob.uid, bob.password, 'device-bob')).toBe(ALLOW);
    expect(await assess(carol.uid, carol.password, 'device-carol')).toBe(ALLOW);

    clock.advance(8 * DAY);
    expect(await assess(alice.uid, alice.password, 'device-alice')).toBe(ALLOW);
    expect(await assess(carol.uid, carol.password, 'device-carol')).toBe(ALLOW);
    expect(await assess(bob.uid, bob.password, 'device-bob')).toBe(QUARANTINE);

    const a = await endpointOf('device-alice');
    expect(a).toMatchObject({ owner: 'alice', verdict: 'allow', groups: expect.arrayContaining(['Developers', 'Engineering', 'Staff']) });
    expect(a.decision.trace.exceptions).toEqual([expect.objectContaining({ scope: 'group Developers', checks: ['pending-updates'] })]);
    expect((await endpointOf('device-carol')).groups).toEqual(expect.arrayContaining(['Interns', 'Developers']));
    const b = await endpointOf('device-bob');
    expect(b).toMatchObject({ owner: 'bob', verdict: 'isolate', groups: expect.arrayContaining(['Sales', 'Staff']) });
    expect(b.groups).not.toContain('Developers');
    expect(b.decision.trace.exceptions).toEqual([]);
  });

  test('a wrong directory password is refused over PT-TLS, and audited', async () => {
    await expect(assess(slapd.users.alice.uid, 'not-alices-password', 'device-alice')).rejects.toThrow(/SASL/);
    const audit = await s.api(admin, 'GET', '/api/v1/audit?action=pt-tls.login-failed');
    expect(audit.status).toBe(200);
    expect(JSON.stringify(audit.json)).not.toContain('not-alices-password');
  });

  test('filter injection as a SASL user name logs nobody in', async () => {
    await expect(assess('*)(uid=*', slapd.users.alice.password, 'device-mallory')).rejects.toThrow(/SASL/);
    expect(await s.server.ctx.store.endpoints.findByDeviceId('default', 'device-mallory')).toBeUndefined();
  });
});

describe('computer accounts: device groups select device policies', () => {
  test('an endpoint named laptop-01 gets its computer account\'s group (Laptops) and the policy for it; laptop-02 (no group) does not', async () => {
    // Laptops must also prove a host firewall, which these devices do not report: evidence missing.
    const strict = await s.api(admin, 'POST', '/api/v1/policies', { ...policyBody('laptops-firewall', 5, [{ check: 'firewall', action: 'isolate' }]), match: { groups: ['Laptops'] } });
    expect(strict.status, JSON.stringify(strict.json)).toBe(201);
    const devices = [];
    for (const hostname of ['laptop-01', 'laptop-02']) {
      const r = await s.api(admin, 'POST', '/api/v1/endpoints', { hostname, deviceId: `device-${hostname}` });
      expect(r.status, JSON.stringify(r.json)).toBe(201);
      devices.push({ hostname, credential: r.json.deviceCredential as string });
    }
    // Registration looks the computer account up in the background; admission never waits for it.
    await expect.poll(async () => (await s.server.ctx.store.identities.get('default', 'device', 'laptop-01'))?.groups, { timeout: 10_000 }).toEqual(['Laptops']);
    await expect.poll(async () => (await s.server.ctx.store.identities.get('default', 'device', 'laptop-02'))?.groups, { timeout: 10_000 }).toEqual([]);
    await settle();

    // The device credential is the SASL password: the device, not a user, logs in.
    expect(await assess('laptop-01', devices[0]!.credential, 'device-laptop-01')).toBe(QUARANTINE);
    expect(await assess('laptop-02', devices[1]!.credential, 'device-laptop-02')).toBe(ALLOW);
    const l1 = await endpointOf('device-laptop-01');
    expect(l1).toMatchObject({ hostname: 'laptop-01', verdict: 'isolate', groups: ['Laptops'] });
    expect(l1.decision.trace.policy).toMatchObject({ name: 'laptops-firewall', matchedBy: 'group Laptops' });
    expect((await endpointOf('device-laptop-02')).decision.trace.policy).toMatchObject({ name: 'patching' });
  });
});

describe('MAB devices: a MAC-only endpoint is matched to its computer entry', () => {
  test('registered by MAC alone (as MAB sees it), it gets laptop-01\'s host name, its owner alice, and both their groups', async () => {
    const r = await s.api(admin, 'POST', '/api/v1/endpoints', { mac: '02-00-5E-10-00-01' });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    const id = r.json.endpoint.id as string;
    await expect.poll(async () => (await s.server.ctx.store.endpoints.get('default', id))?.owner, { timeout: 10_000 }).toBe('alice');
    const detail = await s.api(admin, 'GET', `/api/v1/endpoints/${id}`);
    expect(detail.json.endpoint).toMatchObject({ mac: '02:00:5e:10:00:01', hostname: 'laptop-01', owner: 'alice' });
    expect(detail.json.groups).toEqual(expect.arrayContaining(['Laptops', 'Developers']));
    const audit = await s.api(admin, 'GET', '/api/v1/audit?action=endpoint.directory-match');
    expect(audit.json.items).toEqual([expect.objectContaining({ actor: 'directory:corp', targetId: id })]);
  });

  test('a MAC no directory entry holds is left as it is', async () => {
    const r = await s.api(admin, 'POST', '/api/v1/endpoints', { mac: '02:00:5e:10:00:99' });
    expect(r.status).toBe(201);
    // The same lookup the background task makes: no entry holds this MAC.
    expect(await s.server.ctx.identity.deviceByMac('default', '02:00:5e:10:00:99')).toBeUndefined();
    expect(await s.server.ctx.store.endpoints.get('default', r.json.endpoint.id)).not.toHaveProperty('owner');
  });
});

describe('the directory stops', () => {
  beforeAll(async () => {
    await slapd.stop();
    // Past the login cache's TTL: logins would go to the directory if it answered.
    clock.advance((TTL_S + 5) * 1000);
  });

  test('users seen before keep their outcome; a user never seen is admitted held at isolate, and it is logged', async () => {
    const { alice, bob, erin } = slapd.users;
    // alice's own cache entry survived the wrong guesses made in her name before the outage.
    expect(await assess(alice.uid, alice.password, 'device-alice')).toBe(ALLOW);
    expect(await assess(bob.uid, bob.password, 'device-bob')).toBe(QUARANTINE);
    // A cached user with the wrong password is still refused: the cache holds only what was proven.
    await expect(assess(alice.uid, 'guess-while-down', 'device-alice')).rejects.toThrow(/SASL/);

    // erin's posture is clean: only the unconfirmed identity holds her.
    expect(await assess(erin.uid, erin.password, 'device-erin', false)).toBe(QUARANTINE);
    const e = await endpointOf('device-erin');
    expect(e).toMatchObject({ owner: 'erin', verdict: 'isolate' });
    expect(e.decision.trace.identityHold).toEqual({ kind: 'user', name: 'erin', verdict: 'isolate' });
    expect(e.decision.reasons.map((r: { en: string }) => r.en)).toContain('Your account could not be confirmed with the directory (it is unavailable), so access is limited until it is.');
    const dirs = await s.api(admin, 'GET', '/api/v1/directories');
    expect(dirs.json.items).toEqual([expect.objectContaining({ directory: 'corp', up: false, lastError: expect.stringContaining('connection refused') })]);
    // /metrics counts without naming the directory (or its tenant).
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/^kenneki_directories_down 1$/m);
    expect(metrics).toMatch(/^kenneki_directory_logins_total\{outcome="fail-mode"\} [1-9]/m);
    expect(metrics).toMatch(/^kenneki_directory_logins_total\{outcome="cache"\} [1-9]/m);
    expect(metrics).not.toContain('corp');
  });

  test('the directory returns: the held user is confirmed and released without reconnecting', async () => {
    await slapd.restart();
    clock.advance(10_000); // past the back-off: the next pass probes the directory
    await s.server.ctx.identity.tick();
    await settle();
    const e = await endpointOf('device-erin');
    expect(e.verdict).toBe('allow');
    expect(e.decision.trace.identityHold).toBeUndefined();
    expect(s.server.ctx.identity.health()).toEqual([expect.objectContaining({ directory: 'corp', up: true })]);
  });

  test('past TTL plus the outage window, stored memberships stop counting: alice is held until the directory confirms her', async () => {
    await slapd.stop();
    clock.advance((TTL_S + WINDOW_S + 60) * 1000);
    await s.server.ctx.identity.tick(); // finds the directory down, then expires what is past the window
    clock.advance(10_000);
    await s.server.ctx.identity.tick();
    await settle();
    const a = await endpointOf('device-alice');
    expect(a.verdict).toBe('isolate');
    expect(a.decision.trace.identityHold).toEqual({ kind: 'user', name: 'alice', verdict: 'isolate' });

    await slapd.restart();
    clock.advance(70_000);
    await s.server.ctx.identity.tick();
    await settle();
    const back = await endpointOf('device-alice');
    expect(back.verdict).toBe('allow');
    expect(back.groups).toContain('Developers');
  });
});
