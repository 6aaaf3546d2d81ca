/**
 * 802.1X logins against the directory (EAP-TTLS/PAP with eapol_test, inner password checked by a
 * bind to a real slapd), and what happens when the directory stops: a user seen before keeps
 * logging in from the login cache, with the device's own placement; a user never seen is admitted
 * only into quarantine (the fail mode), whatever the device's verdict; a wrong password is still
 * refused.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { eapolTest, requireEapolTest } from '../simulations/peers/eapol-test.js';
import { identityYaml, slapdDirectory } from './helpers/directory.js';
import { enrollEndpoint, healthyReport, report, startTestServer, type TestServer } from './helpers/kenneki-server.js';
import { startSlapd, type Slapd } from './helpers/slapd.js';
import { radiusYaml } from '../simulations/radius-yaml.js';

const SECRET = 'kenneki-radius-identity-01';
let slapd: Slapd;
let s: TestServer;
let dir: string;

beforeAll(async () => {
  requireEapolTest();
  slapd = await startSlapd();
  dir = mkdtempSync(join(tmpdir(), 'kenneki-radius-identity-'));
  const yaml = [
    identityYaml(dir, [slapdDirectory(slapd, { name: 'corp', extra: ['connect_timeout_ms: 500', 'operation_timeout_ms: 1000', 'fail_mode: isolate'] })]),
    radiusYaml({ lines: ['eap: { methods: [ttls-pap] }'], clients: [{ name: 'sw1', address: '127.0.0.1', secret: SECRET }] }),
  ].join('\n');
  s = await startTestServer({ yaml, enforcement: true });
  const admin = s.adminToken['default']!;
  // Two compliant laptops, one per user.
  for (const [mac, host] of [['02:00:5e:00:30:01', 'laptop-alice'], ['02:00:5e:00:30:02', 'laptop-bob']] as const) {
    const e = await enrollEndpoint(s, admin, { mac, hostname: host });
    expect((await report(s, e.credential, healthyReport(new Date()))).json.verdict).toBe('allow');
  }
});

afterAll(async () => {
  await s?.close();
  await slapd?.stop();
});

async function login(user: string, password: string, mac: string): Promise<{ success: boolean; output: string }> {
  const conf = join(dir, `${user}-${Date.now()}.conf`);
  writeFileSync(
    conf,
    `network={\n key_mgmt=IEEE8021X\n eap=TTLS\n identity="${user}"\n anonymous_identity="anonymous"\n password="${password}"\n phase2="auth=PAP"\n ca_cert="${join(s.dataDir, 'ca', 'ca.crt')}"\n}\n`,
  );
  const r = await eapolTest({ confPath: conf, port: s.server.enforcementPorts['radiusAuth']!, secret: SECRET, mac, timeoutSeconds: 10 });
  return { success: r.success, output: r.output };
}

/** The VLAN Kenneki told the NAS, from its own session table (what eapol_test shows varies by version). */
async function placedVlan(mac: string): Promise<string | undefined> {
  const r = await s.api(s.adminToken['default']!, 'GET', `/api/v1/sessions?mac=${encodeURIComponent(mac)}&active=true`);
  return r.json.items[0]?.vlan;
}

test('directory up: the inner password is checked by a bind; wrong passwords and injection fail', async () => {
  const alice = slapd.users.alice;
  expect((await login(alice.uid, alice.password, '02:00:5e:00:30:01')).success).toBe(true);
  await expect.poll(() => placedVlan('02:00:5e:00:30:01'), { timeout: 3000 }).toBe('10');
  expect((await login(alice.uid, 'not-alices-password', '02:00:5e:00:30:01')).success).toBe(false);
  expect((await login('*)(uid=*', alice.password, '02:00:5e:00:30:01')).success).toBe(false);
  expect(readFileSync(join(s.dataDir, 'ca', 'ca.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
});

test('directory down: a cached user keeps production, a never-seen user gets quarantine, a wrong password is refused', async () => {
  const { alice, bob } = slapd.users;
  await slapd.stop();
  try {
    expect((await login(alice.uid, alice.password, '02:00:5e:00:30:01')).success).toBe(true);
    await expect.poll(() => placedVlan('02:00:5e:00:30:01'), { timeout: 3000 }).toBe('10');
    // bob's laptop is compliant, but nobody could confirm bob: quarantine, not production.
    expect((await login(bob.uid, bob.password, '02:00:5e:00:30:02')).success).toBe(true);
    await expect.poll(() => placedVlan('02:00:5e:00:30:02'), { timeout: 3000 }).toBe('99');
    expect((await login(alice.uid, 'a-guess-during-the-outage', '02:00:5e:00:30:01')).success).toBe(false);
  } finally {
    await slapd.restart();
  }
});
