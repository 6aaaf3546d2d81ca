/**
 * Hostile input against the running DHCP server: 100,000 datagrams from the client namespace to
 * 10.215.1.1:67 (random bytes of random lengths, and valid messages built with the codec then
 * mutated: bit flips, truncation, extension, option length corruption, wrong magic cookie,
 * op=2, hlen>16, huge option 82, unknown message types, other hardware types). The real
 * `kenneki serve` must not crash, must count every datagram exactly once, and a real udhcpc must
 * still get a lease afterwards.
 *
 * The accounting, exactly (see gateway/dhcp/server/dhcp-server.ts onMessage):
 *   dropped{malformed} + dropped{not-a-request} + Σ requests_total  =  datagrams sent
 * and each of the three terms equals what the codec says of the bytes sent (the generator
 * classifies every datagram with decodeDhcp/getMessageType as the server does). Every decoded
 * request then ends as a reply, a drop with another reason, or silence, and only RELEASE and
 * DECLINE may end in silence:
 *   0 ≤ Σ requests − Σ replies − Σ dropped{other reasons} ≤ requests{RELEASE} + requests{DECLINE}.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  DHCP_MESSAGE_TYPE, DHCP_OP, RELAY_SUBOPTION, clientIdentifierOption, decodeDhcp, emptyMessage, encodeDhcp, getMessageType, hostNameOption,
  maxMessageSizeOption, messageTypeName, messageTypeOption, parameterRequestListOption, requestedIpOption, serverIdentifierOption,
  type DhcpMessage, type DhcpMessageType, type DhcpOptionEntry,
} from '../gateway/dhcp/codec/index.js';
import { createDhcpTopology, requireDhcpPeer, startUdhcpc, type DhcpTopology, type UdhcpcClient } from './helpers/dhcp-peers.js';
import { metricSum, parseMetrics, startKennekiDhcp, type KennekiDhcp, type MetricSample } from './helpers/dhcp-server.js';
import { healthyReport } from './helpers/kenneki-server.js';

const TOTAL = 100_000;
const SEED = 0x6b656e6e;
const PASSWORD = 'dhcp-hostile-bootstrap-password-0123';
const HTTP_PORT = 18081;
const SERVER = '10.215.1.1';
/** The fuzzer's own address on the client interface (it has none until DHCP). */
const SENDER = '10.215.1.250';
/** The health check's client: registered and allowed after the storm, so it gets a production lease. */
const HEALTH_MAC = '02:00:5e:10:00:01';
/** The templates' MACs: far (many bits) from HEALTH_MAC, so no flip turns one into it. */
const FUZZ_MACS = Array.from({ length: 8 }, (_, i) => Uint8Array.of(0xa6, 0x3c, 0x9e, 0x77, 0x81, 0xe0 + i));

const DHCP = [
  '  enabled: true',
  `  server_id: ${SERVER}`,
  '  unknown_mac: quarantine',
  '  scopes:',
  '    - name: lan',
  '      direct: true',
  '      pools:',
  '        production: { subnet: 10.215.1.0/24, range: 10.215.1.100-10.215.1.149, routers: [10.215.1.1], dns: [10.215.1.53], domain: corp.test, lease_seconds: 600 }',
  '        quarantine: { subnet: 10.215.1.0/24, range: 10.215.1.200-10.215.1.239, routers: [10.215.1.254], dns: [10.215.1.253], domain: quarantine.test, lease_seconds: 60 }',
];

// ---------------------------------------------------------------------------------------------
// The datagrams

/** mulberry32: a small seeded PRNG, so a failure replays with the same bytes. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]!, bytes: (n: number) => Buffer.from(Array.from({ length: n }, () => int(256))) };
}
type Rng = ReturnType<typeof prng>;

const ip = (last: number) => `10.215.1.${last}`;

/** A valid request as a client or a relay would send it. */
function template(r: Rng): Buffer {
  const type = r.pick([DHCP_MESSAGE_TYPE.DISCOVER, DHCP_MESSAGE_TYPE.DISCOVER, DHCP_MESSAGE_TYPE.REQUEST, DHCP_MESSAGE_TYPE.REQUEST, DHCP_MESSAGE_TYPE.RELEASE, DHCP_MESSAGE_TYPE.DECLINE, DHCP_MESSAGE_TYPE.INFORM]);
  const mac = r.pick(FUZZ_MACS);
  const chaddr = new Uint8Array(16);
  chaddr.set(mac);
  const quarantineIp = ip(200 + r.int(40));
  const options: DhcpOptionEntry[] = [messageTypeOption(type), clientIdentifierOption({ type: 1, id: mac })];
  const m: DhcpMessage = { ...emptyMessage(DHCP_OP.BOOTREQUEST), xid: r.int(2 ** 32), secs: r.int(10), flags: r.next() < 0.5 ? 0x8000 : 0, chaddr, options: new Map() };
  if (type === DHCP_MESSAGE_TYPE.DISCOVER) {
    options.push(parameterRequestListOption([1, 3, 6, 15, 51, 54]), hostNameOption(`fuzz-${r.int(1000)}`), maxMessageSizeOption(576 + r.int(1000)));
    if (r.next() < 0.3) options.push(requestedIpOption(quarantineIp));
  } else if (type === DHCP_MESSAGE_TYPE.REQUEST) {
    if (r.next() < 0.5) options.push(serverIdentifierOption(SERVER), requestedIpOption(quarantineIp)); // SELECTING
    else m.ciaddr = quarantineIp; // RENEWING
  } else if (type === DHCP_MESSAGE_TYPE.RELEASE) {
    m.ciaddr = quarantineIp;
    options.push(serverIdentifierOption(SERVER));
  } else if (type === DHCP_MESSAGE_TYPE.DECLINE) {
    options.push(serverIdentifierOption(SERVER), requestedIpOption(quarantineIp));
  } else {
    m.ciaddr = quarantineIp;
  }
  if (r.next() < 0.25) {
    // As a relay on the segment would send it: giaddr and option 82.
    m.giaddr = SENDER;
    m.hops = 1;
    const subs = [[RELAY_SUBOPTION.CIRCUIT_ID, ...Buffer.from('kdr0')], [RELAY_SUBOPTION.REMOTE_ID, ...r.bytes(6)]];
    if (r.next() < 0.3) subs.push([RELAY_SUBOPTION.LINK_SELECTION, 10, 215, 1, 0]);
    options.push([82, Buffer.concat(subs.map(([code, ...v]) => Buffer.from([code!, v.length, ...v])))]);
  }
  return encodeDhcp({ ...m, options: new Map(options) }, { maxMessageSize: 1500 });
}

/** Offsets of the options in the options field (code byte), up to the end option. */
function optionOffsets(b: Buffer): number[] {
  const out: number[] = [];
  for (let i = 240; i < b.length; ) {
    const code = b[i]!;
    if (code === 255) break;
    if (code === 0) {
      i++;
      continue;
    }
    out.push(i);
    i += 2 + (b[i + 1] ?? 0);
  }
  return out;
}

/** An option 82 far bigger than one option (RFC 3396 split), sub-option lengths sometimes lying. */
function hugeOption82(r: Rng): Buffer {
  const m = decodeDhcp(template(r));
  const parts: Buffer[] = [];
  let size = 0;
  const target = 255 + r.int(1000);
  while (size < target) {
    const v = r.bytes(r.int(256));
    const sub = Buffer.concat([Buffer.from([r.pick([1, 2, 5, 6, 11, 151, r.int(256)]), r.next() < 0.9 ? v.length : r.int(256)]), v]);
    parts.push(sub);
    size += sub.length;
  }
  const options = new Map(m.options);
  options.set(82, Buffer.concat(parts));
  return encodeDhcp({ ...m, giaddr: SENDER, options }, { maxMessageSize: 4000 });
}

const MUTATIONS = ['flips', 'truncate', 'extend', 'option-length', 'cookie', 'op2', 'hlen', 'huge82', 'type', 'htype', 'none'] as const;

function mutate(r: Rng, kind: (typeof MUTATIONS)[number]): Buffer {
  if (kind === 'huge82') return hugeOption82(r);
  const b = template(r);
  switch (kind) {
    case 'flips': {
      for (let n = 1 + r.int(8); n > 0; n--) b[r.int(b.length)]! ^= 1 << r.int(8);
      return b;
    }
    case 'truncate':
      return b.subarray(0, r.int(b.length));
    case 'extend':
      return Buffer.concat([b, r.bytes(r.int(Math.max(1, 1500 - b.length)))]);
    case 'option-length': {
      const at = r.pick(optionOffsets(b));
      b[at + 1] = r.int(256);
      return b;
    }
    case 'cookie':
      b[236 + r.int(4)]! ^= 1 + r.int(255);
      return b;
    case 'op2':
      b[0] = 2;
      return b;
    case 'hlen':
      b[2] = 17 + r.int(239);
      return b;
    case 'type': {
      // The first option is 53: an unknown type, a BOOTREPLY type in a request, or a wrong length.
      const v = r.pick([0, 2, 5, 6, 9, 10, 19, 200, 255]);
      if (r.next() < 0.2) b[241] = r.pick([0, 2, 255]);
      else b[242] = v;
      return b;
    }
    case 'htype':
      b[1] = r.pick([0, 6, 32, 255]);
      return b;
    case 'none':
      return b;
  }
}

const LOOPBACK_OR_SELF = (a: string) => {
  const [o1, , , o4] = a.split('.').map(Number) as [number, number, number, number];
  return o1 === 0 || o1 === 127 || o1 >= 224 || a === SERVER || (a.startsWith('10.215.1.') && (o4 === 255 || o4 === 0));
};

interface Expected {
  malformed: number;
  notARequest: number;
  requests: Record<string, number>;
  byMutation: Record<string, number>;
}

/**
 * 100k datagrams and what the codec says of each, classified as the server's onMessage does.
 * A decoded request whose relay address is the server itself (or loopback, or a broadcast) is
 * drawn again: its reply would come back to port 67 as a datagram nobody sent, and the exact
 * count would be off by it (the server answering such a "relay" is not in question here).
 */
function generate(): { datagrams: Buffer[]; expected: Expected } {
  const r = prng(SEED);
  const datagrams: Buffer[] = [];
  const expected: Expected = { malformed: 0, notARequest: 0, requests: {}, byMutation: {} };
  while (datagrams.length < TOTAL) {
    const kind = r.next() < 0.2 ? 'random' : r.pick(MUTATIONS);
    const d = kind === 'random' ? r.bytes(r.int(1501)) : mutate(r, kind);
    let req: DhcpMessage;
    let type: DhcpMessageType | undefined;
    try {
      req = decodeDhcp(d);
      type = getMessageType(req);
    } catch {
      expected.malformed++;
      datagrams.push(Buffer.from(d));
      expected.byMutation[kind] = (expected.byMutation[kind] ?? 0) + 1;
      continue;
    }
    if (req.op !== DHCP_OP.BOOTREQUEST || type === undefined) expected.notARequest++;
    else if (req.giaddr !== '0.0.0.0' && LOOPBACK_OR_SELF(req.giaddr)) continue;
    else expected.requests[messageTypeName(type)] = (expected.requests[messageTypeName(type)] ?? 0) + 1;
    datagrams.push(Buffer.from(d));
    expected.byMutation[kind] = (expected.byMutation[kind] ?? 0) + 1;
  }
  return { datagrams, expected };
}

/**
 * The sender, run with node inside the client namespace: sends in bursts and, after each, waits
 * until the server has counted everything sent so far (read from /metrics over the segment), so
 * the server's socket buffer never overflows and the kernel drops nothing the server never saw.
 */
const SENDER_SCRIPT = `
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
const [file, server, metricsUrl, sourceAddress] = process.argv.slice(2);
const data = readFileSync(file);
const dgrams = [];
for (let o = 0; o < data.length; ) { const n = data.readUInt16BE(o); dgrams.push(data.subarray(o + 2, o + 2 + n)); o += 2 + n; }
const counted = async () => {
  const text = await (await fetch(metricsUrl)).text();
  let n = 0;
  for (const l of text.split('\\n')) {
    if (/^kenneki_dhcp_requests_total[{ ]/.test(l) || /^kenneki_dhcp_dropped_total\\{reason="(malformed|not-a-request)"\\}/.test(l)) n += Number(l.split(' ').at(-1));
  }
  return n;
};
const sock = createSocket({ type: 'udp4', sendBufferSize: 4 << 20 });
await new Promise((r) => sock.bind(0, sourceAddress, r));
const base = await counted();
const started = Date.now();
const BURST = 400;
for (let i = 0; i < dgrams.length; i += BURST) {
  const burst = dgrams.slice(i, i + BURST);
  await Promise.all(burst.map((d) => new Promise((res, rej) => sock.send(d, 67, server, (e) => (e ? rej(e) : res())))));
  const want = base + i + burst.length;
  const deadline = Date.now() + 10_000;
  let got;
  while ((got = await counted()) < want) {
    if (Date.now() > deadline) { console.log(JSON.stringify({ stalled: true, sent: i + burst.length, counted: got - base })); process.exit(2); }
  }
}
console.log(JSON.stringify({ sent: dgrams.length, counted: (await counted()) - base, ms: Date.now() - started }));
sock.close();
`;

// ---------------------------------------------------------------------------------------------

let dir: string;
let topo: DhcpTopology;
let server: KennekiDhcp;
let token: string | undefined;
let client: UdhcpcClient | undefined;

const udpCounters = (): Record<string, number> => {
  const lines = topo.exec('server', ['cat', '/proc/net/snmp']).split('\n').filter((l) => l.startsWith('Udp:'));
  const names = lines[0]!.split(/\s+/).slice(1);
  const values = lines[1]!.split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(names.map((n, i) => [n, values[i]!]));
};

const OWN_REASONS = ['malformed', 'not-a-request'];
let starts = 0;
/** A fresh server with its own data dir. */
const start = () =>
  startKennekiDhcp(topo, { dir: join(dir, `run-${++starts}`), dataDir: join(dir, `run-${starts}`, 'data'), logLevel: 'info', httpHost: '0.0.0.0', httpPort: HTTP_PORT, password: PASSWORD, dhcp: DHCP });

/** One datagram from the fuzzer's address in the client namespace. */
function sendOne(d: Buffer): void {
  const js = `const s = require('node:dgram').createSocket('udp4');
s.on('error', (e) => { console.error(String(e)); process.exit(1); });
s.bind(0, ${JSON.stringify(SENDER)}, () => s.send(Buffer.from(process.argv[1], 'hex'), 67, ${JSON.stringify(SERVER)}, (e) => { if (e) { console.error(String(e)); process.exit(1); } s.close(); }));`;
  topo.exec('client', [process.execPath, '-e', js, d.toString('hex')]);
}

/** A relayed DISCOVER from a template MAC carrying `option82` as is. */
function relayedDiscover(option82: Buffer): Buffer {
  const chaddr = new Uint8Array(16);
  chaddr.set(FUZZ_MACS[0]!);
  const m: DhcpMessage = { ...emptyMessage(DHCP_OP.BOOTREQUEST), xid: 0x4b4b0001, hops: 1, giaddr: SENDER, chaddr, options: new Map([messageTypeOption(DHCP_MESSAGE_TYPE.DISCOVER), [82, option82]]) };
  return encodeDhcp(m, { maxMessageSize: 1500 });
}

/** Sends one datagram, waits until the server counted it somewhere, returns the counters' changes. */
async function probe(d: Buffer): Promise<{ delta: (name: string, where?: Record<string, string>) => number }> {
  // A fresh server each time: nothing held over from the storm (its pools are drained by it).
  await server.stop();
  server = await start();
  // The health check's udhcpc replaced the fuzzer's address: stop it and put the address back.
  await client?.stop();
  client = undefined;
  topo.exec('client', [requireDhcpPeer('ip'), 'addr', 'replace', `${SENDER}/24`, 'dev', topo.interfaces.client]);
  const before = parseMetrics(await server.metricsText());
  const counted = (m: MetricSample[]) => metricSum(m, 'kenneki_dhcp_requests_total') + metricSum(m, 'kenneki_dhcp_dropped_total', { reason: 'malformed' }) + metricSum(m, 'kenneki_dhcp_dropped_total', { reason: 'not-a-request' });
  const outcomes = (m: MetricSample[]) => metricSum(m, 'kenneki_dhcp_replies_total') + metricSum(m, 'kenneki_dhcp_dropped_total');
  sendOne(d);
  // Received, then an outcome (reply or drop), or the process gone.
  let after = before;
  await expect
    .poll(async () => {
      if (!server.alive()) return true;
      after = parseMetrics(await server.metricsText());
      return counted(after) > counted(before) && outcomes(after) > outcomes(before);
    }, { timeout: 10_000, interval: 50 })
    .toBe(true);
  return { delta: (name, where = {}) => metricSum(after, name, where) - metricSum(before, name, where) };
}

describe('Hostile input: 100k mutated packets give no crash, counted drops, and a healthy server', () => {
  beforeAll(async () => {
    requireDhcpPeer('udhcpc');
    dir = mkdtempSync(join(tmpdir(), 'kk-dhcp-hostile-'));
    topo = createDhcpTopology({ relay: false, clientMac: HEALTH_MAC, tag: 'h' });
    // Reachable from the client namespace too: the sender paces itself on /metrics.
    server = await start();
    topo.exec('client', [requireDhcpPeer('ip'), 'addr', 'add', `${SENDER}/24`, 'dev', topo.interfaces.client]);
  }, 60_000);

  afterAll(async () => {
    await client?.stop();
    await server?.stop();
    topo?.remove();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  test(`${TOTAL.toLocaleString('en')} datagrams: every one counted exactly once, the right drops, no crash, and udhcpc still gets a lease`, { timeout: 110_000 }, async () => {
    const { datagrams, expected } = generate();
    // Every mutation is in the mix, and the mix reaches both the decoder's refusals and the handlers.
    expect(Object.keys(expected.byMutation).sort()).toEqual(['random', ...MUTATIONS].sort());
    expect(expected.malformed).toBeGreaterThan(TOTAL / 4);
    expect(expected.notARequest).toBeGreaterThan(1000);
    for (const t of ['DISCOVER', 'REQUEST', 'RELEASE', 'DECLINE', 'INFORM']) expect(expected.requests[t] ?? 0, t).toBeGreaterThan(500);

    const file = join(dir, 'datagrams.bin');
    writeFileSync(file, Buffer.concat(datagrams.flatMap((d) => [Buffer.from([d.length >> 8, d.length & 0xff]), d])));
    const script = join(dir, 'sender.mjs');
    writeFileSync(script, SENDER_SCRIPT);

    const before = parseMetrics(await server.metricsText());
    const udpBefore = udpCounters();
    const sender = topo.spawn('client', 'fuzz-sender', [process.execPath, script, file, SERVER, `http://${SERVER}:${HTTP_PORT}/metrics`, SENDER]);
    const code = await sender.exited;
    const report = sender.output();
    // 1. Still alive (checked first: a crash is the finding, not the sender's failed fetch).
    expect(server.alive(), `kenneki serve died during the storm; its last output:\n${server.output().slice(-2500)}`).toBe(true);
    expect(code, report).toBe(0);
    const sent = JSON.parse(report.trim().split('\n').at(-1)!) as { sent: number; counted: number; ms: number };
    expect(sent.sent).toBe(TOTAL);
    console.log(`hostile DHCP: ${sent.sent} datagrams sent and counted in ${sent.ms} ms`);

    // 2. The handlers of the last requests have finished: every decoded request has an outcome.
    const delta = (now: MetricSample[], name: string, where: Record<string, string> = {}) => metricSum(now, name, where) - metricSum(before, name, where);
    const outcomes = (m: MetricSample[]) =>
      delta(m, 'kenneki_dhcp_replies_total') + delta(m, 'kenneki_dhcp_dropped_total') - OWN_REASONS.reduce((a, r) => a + delta(m, 'kenneki_dhcp_dropped_total', { reason: r }), 0);
    // Settled: two reads in a row show the same outcomes, and no more requests lack one than
    // RELEASEs and DECLINEs (the only silent ones) could account for.
    let now = parseMetrics(await server.metricsText());
    for (const deadline = Date.now() + 20_000; ; ) {
      const next = parseMetrics(await server.metricsText());
      const pending = delta(next, 'kenneki_dhcp_requests_total') - outcomes(next);
      const silentMax = delta(next, 'kenneki_dhcp_requests_total', { type: 'RELEASE' }) + delta(next, 'kenneki_dhcp_requests_total', { type: 'DECLINE' });
      const stable = outcomes(next) === outcomes(now);
      now = next;
      if (stable && pending <= silentMax) break;
      if (Date.now() > deadline) throw new Error(`DHCP handlers did not settle: ${pending} requests without an outcome (at most ${silentMax} may be silent)`);
    }

    // 3. The exact accounting.
    const malformed = delta(now, 'kenneki_dhcp_dropped_total', { reason: 'malformed' });
    const notARequest = delta(now, 'kenneki_dhcp_dropped_total', { reason: 'not-a-request' });
    const requests = delta(now, 'kenneki_dhcp_requests_total');
    expect(malformed).toBeGreaterThan(0);
    expect(malformed + notARequest + requests).toBe(TOTAL);
    expect(malformed).toBe(expected.malformed);
    expect(notARequest).toBe(expected.notARequest);
    const byType: Record<string, number> = {};
    for (const s of now) if (s.name === 'kenneki_dhcp_requests_total') byType[s.labels.type!] = delta(now, s.name, { type: s.labels.type! });
    expect(Object.fromEntries(Object.entries(byType).filter(([, n]) => n > 0))).toEqual(expected.requests);
    // The kernel dropped nothing before the server read it (the exact count above says so too).
    const udpAfter = udpCounters();
    expect(udpAfter.RcvbufErrors! - udpBefore.RcvbufErrors!).toBe(0);

    const replies = delta(now, 'kenneki_dhcp_replies_total');
    const otherDrops = delta(now, 'kenneki_dhcp_dropped_total') - malformed - notARequest;
    const silent = requests - replies - otherDrops;
    expect(silent).toBeGreaterThanOrEqual(0);
    expect(silent).toBeLessThanOrEqual((byType.RELEASE ?? 0) + (byType.DECLINE ?? 0));
    // Replies only to what asks for one: OFFERs to DISCOVERs, ACK/NAK to REQUESTs and INFORMs.
    expect(delta(now, 'kenneki_dhcp_replies_total', { type: 'OFFER' })).toBeLessThanOrEqual(byType.DISCOVER ?? 0);
    expect(delta(now, 'kenneki_dhcp_replies_total', { type: 'ACK' }) + delta(now, 'kenneki_dhcp_replies_total', { type: 'NAK' })).toBeLessThanOrEqual((byType.REQUEST ?? 0) + (byType.INFORM ?? 0));
    expect(replies).toBeGreaterThan(0);
    // Nothing failed inside the server.
    expect(delta(now, 'kenneki_dhcp_dropped_total', { reason: 'internal-error' })).toBe(0);
    expect(server.output()).not.toMatch(/"evt":"DHCP_HANDLER_FAILED"/);
    expect(server.output()).not.toMatch(/uncaught|unhandled/i);
    console.log(`hostile DHCP: malformed ${malformed}, not-a-request ${notARequest}, requests ${JSON.stringify(byType)}, replies ${replies}, other drops ${otherDrops}, silent ${silent}`);

    // 4. Healthy: the API works, and a real client gets a lease from the pool its verdict picks.
    const api = server.api(() => token);
    const login = await api('POST', '/api/v1/auth/login', { tenant: 'default', username: 'admin', password: PASSWORD });
    expect(login.status, JSON.stringify(login.json)).toBe(200);
    token = login.json.token;
    const reg = await api('POST', '/api/v1/endpoints', { mac: HEALTH_MAC, hostname: 'after-the-storm' });
    expect(reg.status, JSON.stringify(reg.json)).toBe(201);
    const posture = await api('POST', '/api/v1/posture', healthyReport(new Date()), reg.json.deviceCredential);
    expect(posture.json?.verdict).toBe('allow');
    const repliesBefore = metricSum(parseMetrics(await server.metricsText()), 'kenneki_dhcp_replies_total');
    topo.exec('client', [requireDhcpPeer('ip'), 'addr', 'flush', 'dev', topo.interfaces.client]);
    client = startUdhcpc(topo, { hostname: 'after-the-storm' });
    const bound = await client.waitForLease(20_000);
    const last = Number(bound.ip?.split('.')[3]);
    expect(bound.ip?.startsWith('10.215.1.') && last >= 100 && last <= 149, JSON.stringify(bound)).toBe(true);
    expect(bound.serverId).toBe(SERVER);
    expect(bound.leaseTime).toBe(600);
    expect(metricSum(parseMetrics(await server.metricsText()), 'kenneki_dhcp_replies_total') - repliesBefore).toBeGreaterThanOrEqual(2); // OFFER + ACK
    expect(server.alive()).toBe(true);
  });

  test('a relayed DISCOVER with a legal 244-byte option 82 does not kill the server: answered or counted as a drop', async () => {
    // One circuit-id sub-option of 242 bytes: option 82 is 244 bytes, under the 255 of one option.
    const d = relayedDiscover(Buffer.concat([Buffer.from([RELAY_SUBOPTION.CIRCUIT_ID, 242]), Buffer.alloc(242, 0x41)]));
    expect(decodeDhcp(d).options.get(82)?.length).toBe(244);
    const { delta } = await probe(d);
    expect(server.alive(), `kenneki serve died on one relayed DISCOVER with a 244-byte option 82:\n${server.output().slice(-2500)}`).toBe(true);
    expect(delta('kenneki_dhcp_requests_total', { type: 'DISCOVER' })).toBe(1);
    expect(delta('kenneki_dhcp_replies_total') + delta('kenneki_dhcp_dropped_total')).toBe(1);
    expect(delta('kenneki_dhcp_dropped_total', { reason: 'internal-error' })).toBe(0);
  });

  test('a relayed request with a malformed option 82 is dropped as malformed input, not as an internal error', async () => {
    // Link-selection (sub-option 5) must be 4 bytes; this one has 3.
    const d = relayedDiscover(Buffer.from([RELAY_SUBOPTION.CIRCUIT_ID, 4, ...Buffer.from('kdr0'), RELAY_SUBOPTION.LINK_SELECTION, 3, 10, 215, 1]));
    const { delta } = await probe(d);
    expect(server.alive()).toBe(true);
    expect(delta('kenneki_dhcp_replies_total')).toBe(0);
    expect(delta('kenneki_dhcp_dropped_total')).toBe(1);
    expect(delta('kenneki_dhcp_dropped_total', { reason: 'internal-error' }), 'counted as internal-error').toBe(0);
    expect(delta('kenneki_dhcp_dropped_total', { reason: 'malformed-option' })).toBe(1);
    expect(server.output()).not.toMatch(/"evt":"DHCP_HANDLER_FAILED"/);
  });
});
