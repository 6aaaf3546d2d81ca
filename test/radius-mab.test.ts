/**
 * The RADIUS server with radclient (FreeRADIUS's client, Debian freeradius-utils) as the NAS:
 * MAB placement by verdict, unknown MACs, accounting, Status-Server, and the requests that must
 * get no answer at all (wrong secret, missing or forged Message-Authenticator, unknown source).
 */
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeRequest } from '../gateway/radius/codec/authenticator.js';
import { attr } from '../gateway/radius/codec/dictionary.js';
import { textAttribute } from '../gateway/radius/codec/attributes.js';
import { hideUserPassword } from '../gateway/radius/codec/hiding.js';
import { RADIUS_CODE, decodePacket } from '../gateway/radius/codec/packet.js';
import { radclient, requireRadclient } from '../simulations/peers/radclient.js';
import { enrollEndpoint, healthyReport, report, startTestServer, type TestServer } from './helpers/kenneki-server.js';
import { facts, policyBody } from './helpers/scenario.js';
import { radiusYaml } from '../simulations/radius-yaml.js';

const SECRET = 'kenneki-mab-secret-0123';
const MAC = { compliant: '02:00:5e:00:10:01', quarantined: '02:00:5e:00:10:02', denied: '02:00:5e:00:10:03', unknown: '02:00:5e:00:10:99', roled: '02:00:5e:00:10:04' };

let s: TestServer;
let server: string;
let acctServer: string;

/** A Cisco-style MAB request: bare MAC as User-Name and password, dashed Calling-Station-Id. */
const mab = (mac: string, extra = ''): string => {
  const bare = mac.replace(/:/g, '');
  return `User-Name = "${bare}", User-Password = "${bare}", Calling-Station-Id = "${mac.replace(/:/g, '-').toUpperCase()}", Service-Type = Call-Check, NAS-Port = 7, Message-Authenticator = 0x00${extra}\n`;
};

const dropped = async (reason: string): Promise<number> => {
  const m = await s.server.ctx.metrics.registry.getSingleMetric('kenneki_radius_dropped_total')!.get();
  return m.values.find((v) => v.labels['reason'] === reason)?.value ?? 0;
};

beforeAll(async () => {
  requireRadclient();
  s = await startTestServer({
    enforcement: true,
    yaml: radiusYaml({
      vlans: '{ production: "10", quarantine: "99", registration: "98" }',
      lines: ['roles: { quarantine: kenneki-quarantine }'],
      clients: [{ name: 'sw-lab', address: '127.0.0.1', secret: SECRET, extra: 'profile: cisco-ios' }],
    }),
  });
  server = `127.0.0.1:${s.server.enforcementPorts['radiusAuth']}`;
  acctServer = `127.0.0.1:${s.server.enforcementPorts['radiusAcct']}`;
  const admin = s.adminToken['default']!;
  const now = new Date();
  // A role with its own VLAN for devices tagged "printer" (they get VLAN 30, not the default 10).
  expect((await s.api(admin, 'POST', '/api/v1/policies', policyBody('kiosk-deny', 10, [{ check: 'firewall', action: 'deny' }], { match: { deviceTags: ['kiosk'] } }))).status).toBe(201);
  const good = await enrollEndpoint(s, admin, { mac: MAC.compliant, hostname: 'good-laptop' });
  expect((await report(s, good.credential, healthyReport(now))).json.verdict).toBe('allow');
  const bad = await enrollEndpoint(s, admin, { mac: MAC.quarantined, hostname: 'bad-laptop' });
  expect((await report(s, bad.credential, healthyReport(now, facts.firewallOff(now)))).json.verdict).toBe('isolate');
  const kiosk = await enrollEndpoint(s, admin, { mac: MAC.denied, hostname: 'kiosk-1', tags: ['kiosk'] });
  expect((await report(s, kiosk.credential, healthyReport(now, facts.firewallOff(now)))).json.verdict).toBe('deny');
});

afterAll(async () => {
  await s?.close();
});

describe('MAB placement from the current verdict', () => {
  test('a compliant endpoint: Access-Accept with the production VLAN, Message-Authenticator first', async () => {
    const r = await radclient({ server, command: 'auth', secret: SECRET, requests: mab(MAC.compliant) });
    expect(r.code, r.output).toBe(0);
    expect(r.replies).toHaveLength(1);
    expect(r.replies[0]!.code).toBe('Access-Accept');
    expect(r.replies[0]!.attributes[0]).toMatch(/^Message-Authenticator = 0x[0-9a-f]{32}$/);
    expect(r.replies[0]!.attributes).toEqual(expect.arrayContaining(['Tunnel-Type:0 = VLAN', 'Tunnel-Medium-Type:0 = IEEE-802', 'Tunnel-Private-Group-Id:0 = "10"']));
    expect(r.replies[0]!.attributes.join('\n')).not.toMatch(/Session-Timeout/);
  });

  test('a quarantined endpoint: the quarantine VLAN, the quarantine ACL, and a re-authentication timer', async () => {
    const r = await radclient({ server, command: 'auth', secret: SECRET, requests: mab(MAC.quarantined) });
    expect(r.replies[0]!.code).toBe('Access-Accept');
    expect(r.replies[0]!.attributes).toEqual(
      expect.arrayContaining(['Tunnel-Private-Group-Id:0 = "99"', 'Filter-Id = "kenneki-quarantine.in"', 'Session-Timeout = 300', 'Termination-Action = RADIUS-Request']),
    );
    expect(r.replies[0]!.attributes).not.toContain('Tunnel-Private-Group-Id:0 = "10"');
  });

  test('a denied endpoint gets Access-Reject, with Message-Authenticator', async () => {
    const r = await radclient({ server, command: 'auth', secret: SECRET, requests: mab(MAC.denied) });
    expect(r.replies[0]!.code).toBe('Access-Reject');
    expect(r.replies[0]!.attributes[0]).toMatch(/^Message-Authenticator = /);
    expect(r.replies[0]!.attributes.join('\n')).not.toMatch(/Tunnel/);
  });

  test('an unknown MAC follows radius.unknown_mac (quarantine here)', async () => {
    const r = await radclient({ server, command: 'auth', secret: SECRET, requests: mab(MAC.unknown) });
    expect(r.replies[0]!.code).toBe('Access-Accept');
    expect(r.replies[0]!.attributes).toContain('Tunnel-Private-Group-Id:0 = "99"');
  });

  test('MAC spellings of other vendors name the same endpoint (colon, dotted, upper case)', async () => {
    for (const spelled of ['02:00:5E:00:10:01', '0200.5e00.1001', '02-00-5e-00-10-01']) {
      const r = await radclient({ server, command: 'auth', secret: SECRET, requests: `User-Name = "${spelled}", User-Password = "${spelled}", Service-Type = Call-Check, Message-Authenticator = 0x00\n` });
      expect(r.replies[0]?.attributes, spelled).toContain('Tunnel-Private-Group-Id:0 = "10"');
    }
  });

  test('a User-Name MAC that is not the Calling-Station-Id is refused', async () => {
    const bare = MAC.compliant.replace(/:/g, '');
    const r = await radclient({ server, command: 'auth', secret: SECRET, requests: `User-Name = "${bare}", User-Password = "${bare}", Calling-Station-Id = "02-00-5E-00-10-02", Message-Authenticator = 0x00\n` });
    expect(r.replies[0]!.code).toBe('Access-Reject');
  });

  test('a verdict change moves the next admission at once (no cache lag)', async () => {
    const admin = s.adminToken['default']!;
    const e = await enrollEndpoint(s, admin, { mac: MAC.roled, hostname: 'flip-laptop' });
    const now = new Date();
    expect((await report(s, e.credential, healthyReport(now))).json.verdict).toBe('allow');
    expect((await radclient({ server, command: 'auth', secret: SECRET, requests: mab(MAC.roled) })).replies[0]!.attributes).toContain('Tunnel-Private-Group-Id:0 = "10"');
    const later = new Date(now.getTime() + 1000);
    expect((await report(s, e.credential, healthyReport(later, facts.firewallOff(later)))).json.verdict).toBe('isolate');
    expect((await radclient({ server, command: 'auth', secret: SECRET, requests: mab(MAC.roled) })).replies[0]!.attributes).toContain('Tunnel-Private-Group-Id:0 = "99"');
  });
});

describe('requests that get no answer', () => {
  test('a wrong shared secret is dropped silently and counted', async () => {
    const before = await dropped('bad-authenticator');
    const r = await radclient({ server, command: 'auth', secret: 'not-the-secret-at-all', requests: mab(MAC.compliant), timeoutSeconds: 1, retries: 1 });
    expect(r.replies).toHaveLength(0);
    expect(r.code).not.toBe(0);
    expect(await dropped('bad-authenticator')).toBeGreaterThan(before);
  });

  test('no Message-Authenticator: dropped (BlastRADIUS), even with the right secret and password', async () => {
    const before = await dropped('no-message-authenticator');
    const bare = MAC.compliant.replace(/:/g, '');
    const r = await radclient({ server, command: 'auth', secret: SECRET, requests: `User-Name = "${bare}", User-Password = "${bare}", Service-Type = Call-Check\n`, timeoutSeconds: 1, retries: 1 });
    expect(r.replies).toHaveLength(0);
    expect(await dropped('no-message-authenticator')).toBeGreaterThan(before);
  });

  test('a forged Message-Authenticator is dropped', async () => {
    const before = await dropped('bad-authenticator');
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    const answers: Buffer[] = [];
    sock.on('message', (m) => answers.push(m));
    const auth = Buffer.alloc(16, 7);
    const pkt = encodeRequest(
      { code: RADIUS_CODE.ACCESS_REQUEST, identifier: 9, attributes: [textAttribute(attr('User-Name'), '020050001001'), { type: attr('User-Password').type, value: hideUserPassword('020050001001', SECRET, auth) }] },
      SECRET,
      { authenticator: auth },
    );
    pkt[pkt.length - 1]! ^= 0; // untouched tail; the HMAC itself is flipped below
    pkt[22] = pkt[22]! ^ 0x01; // first byte of the Message-Authenticator value (it is the first attribute)
    const port = s.server.enforcementPorts['radiusAuth']!;
    sock.send(pkt, port, '127.0.0.1');
    // The same packet correctly signed is answered, so silence above is the forgery's doing.
    const good = encodeRequest({ code: RADIUS_CODE.ACCESS_REQUEST, identifier: 10, attributes: decodePacket(pkt).attributes.slice(1) }, SECRET, { authenticator: auth });
    await new Promise((r) => setTimeout(r, 200));
    sock.send(good, port, '127.0.0.1');
    await expect.poll(() => answers.length, { timeout: 2000 }).toBe(1);
    expect(decodePacket(answers[0]!).identifier).toBe(10);
    sock.close();
    expect(await dropped('bad-authenticator')).toBe(before + 1);
  });

  test('a datagram from an address that is no NAS client is dropped', async () => {
    const before = await dropped('unknown-client');
    // 127.0.0.2 is loopback too, but only 127.0.0.1 is configured.
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.2', r));
    const answers: Buffer[] = [];
    sock.on('message', (m) => answers.push(m));
    const auth = Buffer.alloc(16, 1);
    sock.send(encodeRequest({ code: RADIUS_CODE.ACCESS_REQUEST, identifier: 1, attributes: [textAttribute(attr('User-Name'), '020050001001')] }, SECRET, { authenticator: auth }), s.server.enforcementPorts['radiusAuth']!, '127.0.0.1');
    await expect.poll(() => dropped('unknown-client'), { timeout: 2000 }).toBe(before + 1);
    expect(answers).toHaveLength(0);
    sock.close();
  });
});

describe('Status-Server, accounting and retransmissions', () => {
  test('Status-Server on the auth port gets Access-Accept; on the accounting port, Accounting-Response', async () => {
    const auth = await radclient({ server, command: 'status', secret: SECRET, requests: 'Message-Authenticator = 0x00\n' });
    expect(auth.replies[0]?.code, auth.output).toBe('Access-Accept');
    const acct = await radclient({ server: acctServer, command: 'status', secret: SECRET, requests: 'Message-Authenticator = 0x00\n' });
    expect(acct.replies[0]?.code, acct.output).toBe('Accounting-Response');
  });

  test('accounting ties MAC, IP, NAS, port, user and VLAN into one session; Stop ends it', async () => {
    const station = 'Calling-Station-Id = "02-00-5E-00-10-01"';
    // The MAB above placed the compliant MAC on VLAN 10; its accounting names the same session.
    await radclient({ server, command: 'auth', secret: SECRET, requests: mab(MAC.compliant, ', Acct-Session-Id = "sess-1"') });
    const start = await radclient({
      server: acctServer,
      command: 'acct',
      secret: SECRET,
      requests: `Acct-Status-Type = Start, Acct-Session-Id = "sess-1", ${station}, User-Name = "good-laptop", Framed-IP-Address = 10.20.0.15, NAS-Port-Id = "Gi1/0/7"\n`,
    });
    expect(start.replies[0]?.code, start.output).toBe('Accounting-Response');
    // Sessions are written behind, once a second.
    const list = async (active = true) => (await s.api(s.adminToken['default']!, 'GET', `/api/v1/sessions?mac=${encodeURIComponent(MAC.compliant)}${active ? '&active=true' : ''}`)).json;
    await expect.poll(async () => (await list()).items[0]?.framedIp, { timeout: 3000 }).toBe('10.20.0.15');
    const sessions = await list();
    expect(sessions.items).toEqual([
      expect.objectContaining({ nas: 'sw-lab', acctSessionId: 'sess-1', mac: MAC.compliant, framedIp: '10.20.0.15', userName: 'good-laptop', nasPort: 'Gi1/0/7', vlan: '10', placement: 'production' }),
    ]);
    expect(sessions.items[0].stoppedAt).toBeUndefined();
    const stop = await radclient({ server: acctServer, command: 'acct', secret: SECRET, requests: `Acct-Status-Type = Stop, Acct-Session-Id = "sess-1", ${station}, Acct-Terminate-Cause = User-Request\n` });
    expect(stop.replies[0]?.code).toBe('Accounting-Response');
    await expect.poll(async () => (await list()).items.length, { timeout: 3000 }).toBe(0);
    const after = await list(false);
    // The earlier MAB logins without a session id were superseded by this one, not left live.
    expect(after.items.filter((i: { stopCause: string }) => i.stopCause === 'superseded').length).toBeGreaterThan(0);
    expect(after.items.find((i: { acctSessionId?: string }) => i.acctSessionId === 'sess-1')).toMatchObject({ acctSessionId: 'sess-1', stopCause: 'terminate-cause-1' });
    expect(after.items.find((i: { acctSessionId?: string }) => i.acctSessionId === 'sess-1').stoppedAt).toEqual(expect.any(String));
  });

  test('accounting with a wrong secret is dropped', async () => {
    const before = await dropped('bad-authenticator');
    const r = await radclient({ server: acctServer, command: 'acct', secret: 'a-wrong-secret-here', requests: 'Acct-Status-Type = Start, Acct-Session-Id = "x"\n', timeoutSeconds: 1, retries: 1 });
    expect(r.replies).toHaveLength(0);
    expect(await dropped('bad-authenticator')).toBeGreaterThan(before);
  });

  test('a retransmission (same Identifier and authenticator) gets the same answer from the cache', async () => {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    const answers: Buffer[] = [];
    sock.on('message', (m) => answers.push(m));
    const auth = Buffer.alloc(16, 3);
    const bare = MAC.compliant.replace(/:/g, '');
    const pkt = encodeRequest(
      { code: RADIUS_CODE.ACCESS_REQUEST, identifier: 77, attributes: [textAttribute(attr('User-Name'), bare), { type: attr('User-Password').type, value: hideUserPassword(bare, SECRET, auth) }] },
      SECRET,
      { authenticator: auth },
    );
    const metric = () => s.server.ctx.metrics.registry.getSingleMetric('kenneki_radius_duplicates_total')!.get().then((m) => m.values[0]?.value ?? 0);
    const before = await metric();
    sock.send(pkt, s.server.enforcementPorts['radiusAuth']!, '127.0.0.1');
    await expect.poll(() => answers.length, { timeout: 2000 }).toBe(1);
    sock.send(pkt, s.server.enforcementPorts['radiusAuth']!, '127.0.0.1');
    await expect.poll(() => answers.length, { timeout: 2000 }).toBe(2);
    expect(answers[1]!.equals(answers[0]!)).toBe(true);
    expect(await metric()).toBe(before + 1);
    sock.close();
  });
});
