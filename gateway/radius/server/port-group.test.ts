/**
 * Port groups on loopback: the kernel's spreading of one port over several sockets, as the native
 * module sets it up, checked with real datagrams.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, expect, test } from 'vitest';
import { openPort } from './port-group.js';

const opened: Socket[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

async function group(readers: number, port = 0, host = '127.0.0.1', steerByState = false) {
  const p = await openPort({ family: host.includes(':') ? 'udp6' : 'udp4', host, port, readers, bufferBytes: 1 << 20, steerByState });
  opened.push(...p.sockets);
  return p;
}

/** A RADIUS-shaped datagram: code, identifier, length, then a random Request Authenticator. */
function request(id: number): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt8(1, 0);
  b.writeUInt8(id & 0xff, 1);
  b.writeUInt16BE(20, 2);
  randomBytes(16).copy(b, 4);
  return b;
}

/**
 * An Access-Request with `filler` Called-Station-Id attributes, then a Calling-Station-Id when
 * `station` is given, then a State whose first byte is `tag` when that is given.
 */
function accessRequest(id: number, o: { filler?: number; station?: string; tag?: number } = {}): Buffer {
  const attrs: Buffer[] = [];
  for (let i = 0; i < (o.filler ?? 0); i++) attrs.push(Buffer.from([30, 6, 0x61, 0x62, 0x63, i & 0xff]));
  if (o.station !== undefined) attrs.push(Buffer.concat([Buffer.from([31, 2 + o.station.length]), Buffer.from(o.station)]));
  if (o.tag !== undefined) attrs.push(Buffer.concat([Buffer.from([24, 20, o.tag]), randomBytes(17)]));
  attrs.push(Buffer.concat([Buffer.from([80, 18]), randomBytes(16)])); // Message-Authenticator
  const head = request(id);
  const body = Buffer.concat(attrs);
  head.writeUInt16BE(20 + body.length, 2);
  return Buffer.concat([head, body]);
}

const stationOf = (i: number) => `02-00-5E-00-${(i >> 8).toString(16).padStart(2, '0')}-${(i & 0xff).toString(16).padStart(2, '0')}`.toUpperCase();

/** Sends every datagram from one client socket (one NAS source port), and says which socket read each. */
async function deliver(sockets: Socket[], datagrams: Buffer[]): Promise<number[]> {
  const { port, address, family } = sockets[0]!.address();
  const readBy = new Map<string, number>();
  const done = new Promise<void>((resolve) => {
    sockets.forEach((s, i) =>
      s.on('message', (msg) => {
        readBy.set(`${readBy.size}:${msg.toString('hex')}`, i);
        if (readBy.size === datagrams.length) resolve();
      }),
    );
  });
  const client = createSocket(family === 'IPv6' ? 'udp6' : 'udp4');
  opened.push(client);
  for (const d of datagrams) await new Promise<void>((r) => client.send(d, port, address, () => r()));
  await done;
  return datagrams.map((d) => [...readBy.entries()].find(([k]) => k.endsWith(d.toString('hex')))![1]);
}

test('a group is one socket per reader on one port, and one NAS source port is spread over all of them', async () => {
  const p = await group(3);
  expect(p.shared).toBeUndefined();
  expect(p.sockets).toHaveLength(3);
  const port = p.sockets[0]!.address().port;
  expect(port).toBeGreaterThan(0);
  expect(p.sockets.map((s) => s.address().port)).toEqual([port, port, port]);
  const readers = await deliver(p.sockets, Array.from({ length: 300 }, (_, i) => request(i)));
  const counts = [0, 1, 2].map((i) => readers.filter((r) => r === i).length);
  // 300 random authenticators over 3 sockets: each gets ~100; under 50 would be a broken spread.
  for (const c of counts) expect(c).toBeGreaterThan(50);
});

test('IPv6 ports are grouped the same way', async () => {
  const p = await group(2, 0, '::1');
  expect(p.shared).toBeUndefined();
  expect(p.sockets.map((s) => s.address().family)).toEqual(['IPv6', 'IPv6']);
  const readers = await deliver(p.sockets, Array.from({ length: 100 }, (_, i) => request(i)));
  expect(new Set(readers)).toEqual(new Set([0, 1]));
});

test('a retransmission reaches the socket that read the original', async () => {
  const p = await group(4);
  const originals = Array.from({ length: 40 }, (_, i) => request(i));
  const first = await deliver(p.sockets, originals);
  for (const s of p.sockets) s.removeAllListeners('message');
  const again = await deliver(p.sockets, originals.map((d) => Buffer.from(d)));
  expect(again).toEqual(first);
  expect(new Set(first).size).toBeGreaterThan(1);
});

test('a port held by another socket is an error naming the port, not a silent fallback', async () => {
  const holder = createSocket('udp4');
  opened.push(holder);
  await new Promise<void>((r) => holder.bind(0, '127.0.0.1', () => r()));
  const port = holder.address().port;
  await expect(group(2, port)).rejects.toThrow(new RegExp(`EADDRINUSE 127\\.0\\.0\\.1:${port}`));
});

test('one reader gets one plain socket; a host name makes the readers share one, and says why', async () => {
  const one = await group(1);
  expect(one.sockets).toHaveLength(1);
  expect(one.shared).toBeUndefined();
  const named = await group(2, 0, 'localhost');
  expect(named.sockets).toHaveLength(1);
  expect(named.shared).toMatch(/radius\.host "localhost" is a name/);
});

test('steered by State: a request goes to the socket its State names, wherever the State sits among the first 24 attributes, whatever its Calling-Station-Id', async () => {
  const p = await group(3, 0, '127.0.0.1', true);
  const datagrams: Buffer[] = [];
  const expected: number[] = [];
  for (let i = 0; i < 120; i++) {
    const tag = i % 7;
    datagrams.push(accessRequest(i, { filler: i % 23, station: stationOf(i), tag }));
    expected.push(tag % 3);
  }
  expect(await deliver(p.sockets, datagrams)).toEqual(expected);
});

test('steered by State: a new login (no State) goes by its Calling-Station-Id, so every login of a device reaches one socket, and devices spread over all', async () => {
  const p = await group(3, 0, '127.0.0.1', true);
  const devices = Array.from({ length: 60 }, (_, i) => stationOf(i * 37));
  // Each device four times, with fresh authenticators and its Calling-Station-Id at different places.
  const datagrams = devices.flatMap((station, d) => [0, 1, 2, 3].map((k) => accessRequest(d * 4 + k, { filler: (d + k * 5) % 20, station })));
  const readers = await deliver(p.sockets, datagrams);
  devices.forEach((_, d) => expect(new Set(readers.slice(d * 4, d * 4 + 4)).size).toBe(1));
  const perDevice = devices.map((_, d) => readers[d * 4]!);
  for (const s of [0, 1, 2]) expect(perDevice.filter((r) => r === s).length).toBeGreaterThan(8);
});

test('steered by State: without a State or a usable Calling-Station-Id, or with them past the 24th attribute, requests are spread by authenticator', async () => {
  const p = await group(3, 0, '127.0.0.1', true);
  const plain = await deliver(p.sockets, Array.from({ length: 150 }, (_, i) => accessRequest(i, { filler: i % 10, ...(i % 2 ? { station: 'abc' } : {}) })));
  for (const s of [0, 1, 2]) expect(plain.filter((r) => r === s).length).toBeGreaterThan(20);
  for (const s of p.sockets) s.removeAllListeners('message');
  // All tagged 0 and from one device, but beyond the scan: not all on one socket.
  const far = await deliver(p.sockets, Array.from({ length: 60 }, (_, i) => accessRequest(i, { filler: 30, station: stationOf(1), tag: 0 })));
  expect(new Set(far).size).toBeGreaterThan(1);
});

test('steered by State: no datagram is lost to the program, whatever its bytes (random, truncated, lying lengths)', { timeout: 10_000 }, async () => {
  const p = await group(3, 0, '127.0.0.1', true);
  const datagrams = Array.from({ length: 300 }, (_, i) => {
    const d = i % 3 === 0 ? randomBytes(1 + (i % 90)) : accessRequest(i, { filler: i % 30, station: stationOf(i), ...(i % 2 ? { tag: i & 0xff } : {}) });
    // Corrupt one byte (often a length) of the structured ones, and cut some short.
    if (i % 3 === 1) d[20 + (i % Math.max(1, d.length - 20))] = i & 0xff;
    return i % 5 === 0 ? d.subarray(0, Math.max(1, d.length - (i % 40))) : d;
  });
  const readers = await deliver(p.sockets, datagrams);
  expect(readers.every((r) => r >= 0 && r < 3)).toBe(true);
});
