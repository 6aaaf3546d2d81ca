/**
 * DHCP lease correctness (issue 7) against the real `kenneki serve` in a namespace: the messages
 * and policies a normal client run does not exercise. Hand-built messages (test/helpers/dhcp-probe.ts)
 * where no Debian client sends the message on demand; a real udhcpc where one does.
 *
 * Config: only registered MACs are served (`unknown_mac: ignore`), and a quarantine pool of two
 * addresses, so exhaustion is reachable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  DHCP_MESSAGE_TYPE, DHCP_OP, clientIdentifierOption, emptyMessage, encodeDhcp, getLeaseTime, getMessage, getMessageType, getRouters, messageTypeOption,
  requestedIpOption, serverIdentifierOption, type DhcpMessage, type DhcpOptionEntry,
} from '../gateway/dhcp/codec/index.js';
import { createDhcpTopology, startUdhcpc, type DhcpTopology } from './helpers/dhcp-peers.js';
import { probe, type ProbeReply } from './helpers/dhcp-probe.js';
import { healthyReport } from './helpers/kenneki-server.js';
import { startKennekiDhcp, type KennekiDhcp } from './helpers/dhcp-server.js';
import type { NsApi } from './helpers/ns-api.js';

const PASSWORD = 'dhcp-rules-bootstrap-password-0123';
const SERVER = '10.215.1.1';
const BROADCAST = '10.215.1.255';
const mac = (n: number) => `02:00:5e:20:00:${n.toString(16).padStart(2, '0')}`;
const ALLOWED = mac(1);
const ALLOWED_TOO = mac(5);
const QUARANTINED = [mac(2), mac(3), mac(4)];
const UNKNOWN = mac(9);

let dir: string;
let topo: DhcpTopology;
let server: KennekiDhcp;
let api: NsApi;
let token: string | undefined;
let xid = 0x5000;

function message(type: number, m: string, extra: Partial<DhcpMessage> = {}, options: DhcpOptionEntry[] = []): Uint8Array {
  const chaddr = new Uint8Array(16);
  chaddr.set(m.split(':').map((h) => parseInt(h, 16)));
  return encodeDhcp({
    ...emptyMessage(DHCP_OP.BOOTREQUEST), xid: xid++, chaddr, ...extra,
    options: new Map([messageTypeOption(type as never), clientIdentifierOption({ type: 1, id: chaddr.subarray(0, 6) }), ...options]),
  });
}

const send = (sends: Parameters<typeof probe>[1], opts?: Parameters<typeof probe>[2]) => probe((argv) => topo.wrap('client', argv), sends, opts);
const ofType = (replies: ProbeReply[], t: number) => replies.filter((r) => getMessageType(r.message) === t);
const metric = async (name: string, labels: string): Promise<number> => {
  const body = await server.metricsText();
  const line = body.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
};

/** A full DORA for `m`; returns the ACKed address. */
async function dora(m: string): Promise<string> {
  const offers = ofType(await send([{ bytes: message(DHCP_MESSAGE_TYPE.DISCOVER, m), to: BROADCAST }]), DHCP_MESSAGE_TYPE.OFFER);
  expect(offers).toHaveLength(1);
  const ip = offers[0]!.message.yiaddr;
  const acks = ofType(await send([{ bytes: message(DHCP_MESSAGE_TYPE.REQUEST, m, {}, [serverIdentifierOption(SERVER), requestedIpOption(ip)]), to: BROADCAST }]), DHCP_MESSAGE_TYPE.ACK);
  expect(acks.map((a) => a.message.yiaddr)).toEqual([ip]);
  return ip;
}

describe('DHCP lease rules with the real server', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kk-dhcp-rules-'));
    topo = createDhcpTopology({ relay: false, clientMac: mac(0x10), tag: 'l' });
    // The probe is a host with static addresses on the segment: one outside every pool (to hear
    // broadcast replies), one inside the production range (for INFORM).
    topo.exec('client', ['ip', 'addr', 'add', '10.215.1.50/24', 'dev', topo.interfaces.client]);
    topo.exec('client', ['ip', 'addr', 'add', '10.215.1.120/24', 'dev', topo.interfaces.client]);
    server = await startKennekiDhcp(topo, {
      dir, httpPort: 18081, password: PASSWORD,
      dhcp: [
        '  enabled: true',
        `  server_id: ${SERVER}`,
        '  unknown_mac: ignore',
        '  scopes:',
        '    - name: lan',
        '      direct: true',
        '      pools:',
        '        production: { subnet: 10.215.1.0/24, range: 10.215.1.100-10.215.1.149, routers: [10.215.1.1], dns: [10.215.1.53], lease_seconds: 600 }',
        '        quarantine: { subnet: 10.215.1.0/24, range: 10.215.1.200-10.215.1.201, routers: [10.215.1.254], dns: [10.215.1.253], lease_seconds: 300 }',
      ],
    });
    api = server.api(() => token);
    const login = await api('POST', '/api/v1/auth/login', { tenant: 'default', username: 'admin', password: PASSWORD });
    expect(login.status, JSON.stringify(login.json)).toBe(200);
    token = login.json.token;
    for (const [i, m] of [ALLOWED, ALLOWED_TOO, ...QUARANTINED].entries()) {
      const reg = await api('POST', '/api/v1/endpoints', { mac: m, hostname: `rules-${i}` });
      expect(reg.status, JSON.stringify(reg.json)).toBe(201);
      if (m === ALLOWED || m === ALLOWED_TOO) expect((await api('POST', '/api/v1/posture', healthyReport(new Date()), reg.json.deviceCredential)).json.verdict).toBe('allow');
    }
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    topo?.remove();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  test('an unknown MAC gets no answer at all when only registered MACs are served, and it is counted', async () => {
    const before = await metric('kenneki_dhcp_dropped_total', 'reason="unknown-mac-ignored"');
    expect(await send([{ bytes: message(DHCP_MESSAGE_TYPE.DISCOVER, UNKNOWN), to: BROADCAST }])).toEqual([]);
    expect(await metric('kenneki_dhcp_dropped_total', 'reason="unknown-mac-ignored"')).toBe(before + 1);
  });

  test('a REQUEST that names another server is ignored; one for an address that is not the client\'s lease is NAKed', async () => {
    const ip = await dora(ALLOWED);
    const other = QUARANTINED[0]!;
    const before = await metric('kenneki_dhcp_dropped_total', 'reason="other-server"');
    const elsewhere = await send([{ bytes: message(DHCP_MESSAGE_TYPE.REQUEST, other, {}, [serverIdentifierOption('10.215.1.99'), requestedIpOption('10.215.1.200')]), to: BROADCAST }]);
    expect(elsewhere).toEqual([]);
    expect(await metric('kenneki_dhcp_dropped_total', 'reason="other-server"')).toBe(before + 1);
    // INIT-REBOOT asking for the allowed client's address: not its lease, and not its pool.
    const naks = ofType(await send([{ bytes: message(DHCP_MESSAGE_TYPE.REQUEST, other, {}, [requestedIpOption(ip)]), to: BROADCAST }]), DHCP_MESSAGE_TYPE.NAK);
    expect(naks).toHaveLength(1);
    expect(getMessage(naks[0]!.message)).toMatch(/quarantine pool/);
    // The same for an allowed client asking for an address someone else holds.
    const third = await send([{ bytes: message(DHCP_MESSAGE_TYPE.REQUEST, ALLOWED, {}, [requestedIpOption('10.215.1.149')]), to: BROADCAST }]);
    expect(ofType(third, DHCP_MESSAGE_TYPE.ACK).map((a) => a.message.yiaddr)).toEqual(['10.215.1.149']);
    const taken = ofType(await send([{ bytes: message(DHCP_MESSAGE_TYPE.REQUEST, ALLOWED_TOO, {}, [requestedIpOption('10.215.1.149')]), to: BROADCAST }]), DHCP_MESSAGE_TYPE.NAK);
    expect(taken.map((n) => getMessage(n.message))).toEqual(['address in use']);
    // An unknown MAC asking the same is ignored (registered MACs only), not even NAKed.
    expect(await send([{ bytes: message(DHCP_MESSAGE_TYPE.REQUEST, mac(0x30), {}, [requestedIpOption('10.215.1.149')]), to: BROADCAST }])).toEqual([]);
  });

  test('INFORM gets the configuration of the pool its address is in, only when the verdict puts the client there', async () => {
    const inform = (m: string) => send([{ bytes: message(DHCP_MESSAGE_TYPE.INFORM, m, { ciaddr: '10.215.1.120' }), to: SERVER }], { bind: '10.215.1.120' });
    const ok = ofType(await inform(ALLOWED), DHCP_MESSAGE_TYPE.ACK);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.message.yiaddr).toBe('0.0.0.0');
    expect(getLeaseTime(ok[0]!.message)).toBeUndefined();
    expect(getRouters(ok[0]!.message)).toEqual(['10.215.1.1']);
    // A quarantined client with a hand-set production address learns nothing from it.
    expect(await inform(QUARANTINED[1]!)).toEqual([]);
  });

  test('RELEASE frees the lease (gone from the admin view); DECLINE holds the address back from everyone', async () => {
    const m = QUARANTINED[1]!;
    const ip = await dora(m);
    expect((await api('GET', `/api/v1/dhcp/leases?mac=${m}`)).json.items.map((l: { ip: string }) => l.ip)).toEqual([ip]);
    await send([{ bytes: message(DHCP_MESSAGE_TYPE.RELEASE, m, { ciaddr: ip }, [serverIdentifierOption(SERVER)]), to: SERVER }], { listenMs: 300 });
    await expect.poll(async () => (await api('GET', `/api/v1/dhcp/leases?mac=${m}`)).json.total, { timeout: 5000 }).toBe(0);

    const again = await dora(m);
    await send([{ bytes: message(DHCP_MESSAGE_TYPE.DECLINE, m, {}, [serverIdentifierOption(SERVER), requestedIpOption(again)]), to: BROADCAST }], { listenMs: 300 });
    await expect.poll(async () => (await api('GET', `/api/v1/dhcp/leases?ip=${again}`)).json.items.map((l: { state: string; mac: string }) => `${l.state}/${l.mac}`), { timeout: 5000 }).toEqual(['declined/']);
    expect(server.output()).toMatch(new RegExp(`"evt":"DHCP_ADDRESS_DECLINED".*"ip":"${again.replace(/\./g, '\\.')}"`));
    // Nobody is offered it while it is held, not even the client that declined it.
    const offers = ofType(await send([{ bytes: message(DHCP_MESSAGE_TYPE.DISCOVER, m, {}, [requestedIpOption(again)]), to: BROADCAST }]), DHCP_MESSAGE_TYPE.OFFER);
    expect(offers.map((o) => o.message.yiaddr)).not.toContain(again);
  });

  test('an exhausted pool leaves the DISCOVER unanswered at once, logged and counted, and the server keeps serving', async () => {
    // The two quarantine addresses: one declined above, the other offered now; the third client finds none.
    const before = await metric('kenneki_dhcp_pool_exhausted_total', 'scope="lan",pool="quarantine"');
    const replies = await send([
      { bytes: message(DHCP_MESSAGE_TYPE.DISCOVER, QUARANTINED[0]!), to: BROADCAST, gapMs: 200 },
      { bytes: message(DHCP_MESSAGE_TYPE.DISCOVER, QUARANTINED[2]!), to: BROADCAST },
    ]);
    const offered = ofType(replies, DHCP_MESSAGE_TYPE.OFFER);
    expect(offered.length).toBeLessThan(2);
    expect(await metric('kenneki_dhcp_pool_exhausted_total', 'scope="lan",pool="quarantine"')).toBeGreaterThan(before);
    expect(server.output()).toMatch(/"evt":"DHCP_POOL_EXHAUSTED".*"pool":"quarantine"/);
    // Production is unaffected.
    expect(ofType(await send([{ bytes: message(DHCP_MESSAGE_TYPE.DISCOVER, ALLOWED), to: BROADCAST }]), DHCP_MESSAGE_TYPE.OFFER)).toHaveLength(1);
  });

  test('a real client (udhcpc) with an unregistered MAC never gets a lease', async () => {
    topo.setClientMac(UNKNOWN);
    const c = startUdhcpc(topo, { discoverTries: 2, discoverIntervalSec: 1, failPauseSec: 30 });
    try {
      const e = await c.waitForEvent((x) => x.event === 'leasefail' || x.event === 'bound', 15_000);
      expect(e.event).toBe('leasefail');
    } finally {
      await c.stop();
    }
  });
});
