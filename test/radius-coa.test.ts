/**
 * Verdict change → CoA / Disconnect to the NAS that holds the endpoint's session, with FreeRADIUS
 * as the NAS (it requires Message-Authenticator, so an ACK proves ours was right). One NAS
 * profile NAKs CoA, so the Cisco chain falls back to Disconnect; every outcome is audited.
 */
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { textAttribute } from '../gateway/radius/codec/attributes.js';
import { encodeRequest } from '../gateway/radius/codec/authenticator.js';
import { attr } from '../gateway/radius/codec/dictionary.js';
import { hideUserPassword } from '../gateway/radius/codec/hiding.js';
import { RADIUS_CODE, decodePacket } from '../gateway/radius/codec/packet.js';
import { startFreeradiusNas, requireFreeradius, type FreeradiusNas } from '../simulations/peers/freeradius-nas.js';
import { radclient, requireRadclient } from '../simulations/peers/radclient.js';
import { enrollEndpoint, healthyReport, report, startTestServer, type TestServer } from './helpers/kenneki-server.js';
import { auditRows, facts } from './helpers/scenario.js';
import { radiusYaml } from '../simulations/radius-yaml.js';

const SECRET = 'kenneki-coa-secret-01234';
let nas: FreeradiusNas;
let s: TestServer;

beforeAll(async () => {
  requireRadclient();
  requireFreeradius();
  nas = await startFreeradiusNas({ secret: SECRET });
  s = await startTestServer({
    enforcement: true,
    yaml: radiusYaml({
      lines: ['coa: { timeout_ms: 300, retries: 1 }'],
      clients: [
        // A Cisco switch whose CoA listener NAKs CoA-Request: reauthenticate, bounce, then Disconnect.
        { name: 'access-sw', address: '127.0.0.1', secret: SECRET, extra: `profile: cisco-ios, coa_port: ${nas.ports.nakCoa}` },
        // A hostapd-like NAS elsewhere on loopback that takes Disconnect at once.
        { name: 'wlan-ap', address: '127.0.0.2', secret: SECRET, extra: `profile: hostapd, coa_address: 127.0.0.1, coa_port: ${nas.ports.ack}` },
        // A NAS with nobody listening for CoA.
        { name: 'dead-sw', address: '127.0.0.3', secret: SECRET, extra: 'profile: generic, coa_address: 127.0.0.1, coa_port: 9' },
      ],
    }),
  });
});

afterAll(async () => {
  await s?.close();
  await nas?.stop();
});

/** MAB from a given loopback source, as a NAS at that address would send it. */
async function mabFrom(source: string, mac: string): Promise<string> {
  if (source === '127.0.0.1') {
    const bare = mac.replace(/:/g, '');
    const r = await radclient({ server: `127.0.0.1:${s.server.enforcementPorts['radiusAuth']}`, command: 'auth', secret: SECRET, requests: `User-Name = "${bare}", User-Password = "${bare}", Calling-Station-Id = "${mac.replace(/:/g, '-')}", Message-Authenticator = 0x00\n` });
    return r.replies[0]!.code;
  }
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, source, r));
  const auth = Buffer.alloc(16, 0x42);
  const answer = new Promise<Buffer>((r) => sock.once('message', r));
  sock.send(
    encodeRequest(
      {
        code: RADIUS_CODE.ACCESS_REQUEST,
        identifier: 1,
        attributes: [textAttribute(attr('User-Name'), mac), { type: attr('User-Password').type, value: hideUserPassword(mac, SECRET, auth) }, textAttribute(attr('Calling-Station-Id'), mac.replace(/:/g, '-'))],
      },
      SECRET,
      { authenticator: auth },
    ),
    s.server.enforcementPorts['radiusAuth']!,
    '127.0.0.1',
  );
  const code = decodePacket(await answer).code;
  sock.close();
  return code === RADIUS_CODE.ACCESS_ACCEPT ? 'Access-Accept' : String(code);
}

/** A compliant endpoint admitted by `nasAddress`, then made non-compliant; returns its id. */
async function admitThenBreak(nasAddress: string, mac: string, host: string): Promise<string> {
  const admin = s.adminToken['default']!;
  const e = await enrollEndpoint(s, admin, { mac, hostname: host });
  const t0 = new Date();
  expect((await report(s, e.credential, healthyReport(t0))).json.verdict).toBe('allow');
  expect(await mabFrom(nasAddress, mac)).toBe('Access-Accept');
  const t1 = new Date(t0.getTime() + 1000);
  expect((await report(s, e.credential, healthyReport(t1, facts.firewallOff(t1)))).json.verdict).toBe('isolate');
  return e.id;
}

const coaAudit = async (endpointId: string) => (await auditRows(s, 'default')).filter((r) => r.targetId === endpointId && r.action.startsWith('radius.'));

describe('CoA / Disconnect on a verdict change', () => {
  test('Cisco profile: CoA reauthenticate and port bounce are NAKed, Disconnect is ACKed; audited with each step', async () => {
    const id = await admitThenBreak('127.0.0.1', '02:00:5e:00:20:01', 'coa-laptop-1');
    await expect.poll(() => coaAudit(id), { timeout: 5000 }).toHaveLength(1);
    const [row] = await coaAudit(id);
    expect(row!.action).toBe('radius.reauthorize');
    expect(row!.after).toMatchObject({
      nas: 'access-sw',
      verdict: 'isolate',
      outcome: 'acked',
      step: 'disconnect',
      steps: [
        { step: 'coa-reauthenticate', result: 'nak', errorCause: 405 },
        { step: 'coa-bounce-port', result: 'nak', errorCause: 405 },
        { step: 'disconnect', result: 'ack' },
      ],
    });
    // What the NAS saw: the Cisco reauthenticate command, then a Disconnect naming the station.
    await nas.waitForOutput(/Cisco-AVPair = "subscriber:command=reauthenticate"/);
    await nas.waitForOutput(/Calling-Station-Id = "02-00-5E-00-20-01"/);
  });

  test('hostapd profile: Disconnect straight away, sent to the configured CoA address', async () => {
    const id = await admitThenBreak('127.0.0.2', '02:00:5e:00:20:02', 'coa-laptop-2');
    await expect.poll(() => coaAudit(id), { timeout: 5000 }).toHaveLength(1);
    expect((await coaAudit(id))[0]!.after).toMatchObject({ nas: 'wlan-ap', outcome: 'acked', step: 'disconnect', steps: [{ step: 'disconnect', result: 'ack' }] });
  });

  test('a NAS that never answers: retried, then audited as failed and counted', async () => {
    const id = await admitThenBreak('127.0.0.3', '02:00:5e:00:20:03', 'coa-laptop-3');
    await expect.poll(() => coaAudit(id), { timeout: 5000 }).toHaveLength(1);
    const [row] = await coaAudit(id);
    expect(row!.action).toBe('radius.reauthorize-failed');
    expect(row!.after).toMatchObject({ nas: 'dead-sw', outcome: 'timeout', steps: [{ step: 'disconnect', result: 'timeout', attempts: 2 }] });
    const m = await s.server.ctx.metrics.registry.getSingleMetric('kenneki_radius_dynamic_auth_total')!.get();
    expect(m.values.find((v) => v.labels['step'] === 'disconnect' && v.labels['result'] === 'timeout')?.value).toBeGreaterThanOrEqual(1);
    // The endpoint is quarantined in Kenneki regardless: its next admission lands in VLAN 99.
    const r = await radclient({
      server: `127.0.0.1:${s.server.enforcementPorts['radiusAuth']}`,
      command: 'auth',
      secret: SECRET,
      requests: 'User-Name = "020050002003", User-Password = "020050002003", Message-Authenticator = 0x00\n',
    });
    expect(r.replies[0]!.attributes).toContain('Tunnel-Private-Group-Id:0 = "99"');
  });

  test('no live session: nothing is sent and nothing audited', async () => {
    const admin = s.adminToken['default']!;
    const e = await enrollEndpoint(s, admin, { mac: '02:00:5e:00:20:04', hostname: 'coa-laptop-4' });
    const t0 = new Date();
    expect((await report(s, e.credential, healthyReport(t0))).json.verdict).toBe('allow');
    const t1 = new Date(t0.getTime() + 1000);
    expect((await report(s, e.credential, healthyReport(t1, facts.firewallOff(t1)))).json.verdict).toBe('isolate');
    await new Promise((r) => setTimeout(r, 300));
    expect(await coaAudit(e.id)).toHaveLength(0);
  });
});
