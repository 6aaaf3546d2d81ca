/**
 * Full 802.1X on a real wired port: hostapd (driver=wired) authenticates wpa_supplicant on a veth
 * pair against Kenneki, with EAP-TTLS/PAP for a local network user. Then the endpoint turns
 * non-compliant: Kenneki sends hostapd a Disconnect-Request (strict DAS: Message-Authenticator
 * and Event-Timestamp required), hostapd accepts it, and the re-authentication lands in the
 * quarantine VLAN.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { randomLocalMac, requireWired8021x, startWiredPort, type WiredPort } from './helpers/wired-8021x.js';
import { enrollEndpoint, healthyReport, report, startTestServer, type TestServer } from './helpers/kenneki-server.js';
import { auditRows, facts } from './helpers/scenario.js';
import { freeUdpPorts } from '../simulations/peers/free-ports.js';
import { radiusYaml } from '../simulations/radius-yaml.js';

const SECRET = 'kenneki-8021x-secret-0123';
let s: TestServer;
let port: WiredPort | undefined;
let dasPort: number;

beforeAll(async () => {
  requireWired8021x();
  // hostapd's DAS listens on every address.
  [dasPort] = (await freeUdpPorts(1, '0.0.0.0')) as [number];
  s = await startTestServer({
    enforcement: true,
    yaml: radiusYaml({ lines: ['eap: { methods: [ttls-pap] }'], clients: [{ name: 'hostapd-port', address: '127.0.0.1', secret: SECRET, extra: `profile: hostapd, coa_port: ${dasPort}` }] }),
  });
  expect((await s.api(s.adminToken['default']!, 'PUT', '/api/v1/network-users/alice', { password: 'alice-password-1' })).status).toBe(200);
});

afterAll(async () => {
  await port?.close();
  await s?.close();
});

test('authorises, is disconnected on a verdict change, and re-authenticates into the quarantine VLAN', { timeout: 60_000 }, async () => {
  const admin = s.adminToken['default']!;
  const mac = randomLocalMac();
  const e = await enrollEndpoint(s, admin, { mac, hostname: 'wired-laptop' });
  const t0 = new Date();
  expect((await report(s, e.credential, healthyReport(t0))).json.verdict).toBe('allow');

  port = await startWiredPort({
    radius: { address: '127.0.0.1', port: s.server.enforcementPorts['radiusAuth']!, secret: SECRET, acctPort: s.server.enforcementPorts['radiusAcct']! },
    das: { port: dasPort, clientAddress: '127.0.0.1', secret: SECRET, requireMessageAuthenticator: true, requireEventTimestamp: true },
    supplicantMac: mac,
    supplicant: ['eap=TTLS', 'identity="alice"', 'anonymous_identity="anonymous"', 'password="alice-password-1"', 'phase2="auth=PAP"', `ca_cert="${join(s.dataDir, 'ca', 'ca.crt')}"`],
  });
  // 1. The port authorises, in the production VLAN.
  await port.waitForAuthorized({ timeoutMs: 20_000 });
  expect(port.lastAccessAccept()?.tunnelPrivateGroupId).toBe('10');
  expect(readFileSync(join(s.dataDir, 'ca', 'ca.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');

  // 2. Non-compliant: Kenneki disconnects the session and hostapd accepts it.
  const mark = port.mark();
  const t1 = new Date(t0.getTime() + 1000);
  expect((await report(s, e.credential, healthyReport(t1, facts.firewallOff(t1)))).json.verdict).toBe('isolate');
  await port.waitFor('hostapd', new RegExp(`AP-STA-DISCONNECTED ${mac}`, 'i'), { timeoutMs: 10_000, from: mark.hostapd });
  await expect.poll(async () => (await auditRows(s, 'default')).find((r) => r.targetId === e.id && r.action === 'radius.reauthorize')?.after, { timeout: 5000 }).toMatchObject({
    nas: 'hostapd-port',
    outcome: 'acked',
    step: 'disconnect',
  });

  // 3. The re-authentication lands in the quarantine VLAN.
  const again = port.mark();
  await port.reauthenticate();
  await port.waitForAuthorized({ timeoutMs: 20_000, since: again });
  expect(port.lastAccessAccept()?.tunnelPrivateGroupId).toBe('99');
});
