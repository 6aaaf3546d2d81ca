/**
 * 100k random and mutated datagrams against a running RADIUS server, from a configured NAS
 * address (so they get past the first gate and reach the decoder and the authenticators). Every
 * one must be counted as a drop, none answered, the process must not crash, and the server must
 * still answer a correct request from radclient afterwards.
 */
import { createSocket } from 'node:dgram';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { textAttribute } from '../gateway/radius/codec/attributes.js';
import { encodeRequest } from '../gateway/radius/codec/authenticator.js';
import { attr } from '../gateway/radius/codec/dictionary.js';
import { hideUserPassword } from '../gateway/radius/codec/hiding.js';
import { RADIUS_CODE } from '../gateway/radius/codec/packet.js';
import { radclient, requireRadclient } from '../simulations/peers/radclient.js';
import { startTestServer, type TestServer } from './helpers/kenneki-server.js';
import { radiusYaml } from '../simulations/radius-yaml.js';

const SECRET = 'kenneki-fuzz-secret-012345';
const TOTAL = 100_000;
let s: TestServer;

beforeAll(async () => {
  requireRadclient();
  s = await startTestServer({
    enforcement: true,
    yaml: radiusYaml({ vlans: '{ quarantine: "99" }', clients: [{ name: 'fuzz-nas', address: '127.0.0.1', secret: SECRET }] }),
  });
});
afterAll(async () => {
  await s?.close();
});

const metricSum = async (name: string): Promise<number> => {
  const m = await s.server.ctx.metrics.registry.getSingleMetric(name)!.get();
  return m.values.reduce((a, v) => a + v.value, 0);
};

/** A valid MAB Access-Request; the mutations start from it so they reach deep into the parser. */
function validRequest(id: number): Buffer {
  const auth = Buffer.alloc(16, id & 0xff);
  const mac = '020000aa0001';
  return encodeRequest(
    { code: RADIUS_CODE.ACCESS_REQUEST, identifier: id & 0xff, attributes: [textAttribute(attr('User-Name'), mac), { type: attr('User-Password').type, value: hideUserPassword(mac, SECRET, auth) }] },
    SECRET,
    { authenticator: auth },
  );
}

/** Random bytes, random RADIUS-shaped headers, and bit/byte/length mutations of a valid packet. */
const datagram = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 5000 }),
  fc.tuple(fc.constantFrom(1, 4, 12, 40, 43, 2, 255), fc.nat(255), fc.uint8Array({ minLength: 16, maxLength: 600 })).map(([code, id, rest]) => {
    const b = Buffer.concat([Buffer.from([code, id, 0, 0]), rest]);
    b.writeUInt16BE(b.length, 2);
    return new Uint8Array(b);
  }),
  fc.tuple(fc.nat(0xffff), fc.array(fc.tuple(fc.nat(400), fc.nat(255)), { minLength: 1, maxLength: 6 }), fc.option(fc.nat(6000))).map(([id, flips, len]) => {
    const b = validRequest(id);
    // Any change to a signed packet breaks its Message-Authenticator: the HMAC is what must drop it.
    for (const [at, v] of flips) b[at % b.length] = b[at % b.length] === v ? v ^ 0xff : v;
    if (len !== null && len > 0) b.writeUInt16BE(len & 0xffff, 2);
    return new Uint8Array(b);
  }),
);

test(`${TOTAL.toLocaleString('en')} hostile datagrams: all dropped and counted, none answered, server still healthy`, { timeout: 240_000 }, async () => {
  const port = s.server.enforcementPorts['radiusAuth']!;
  const sock = createSocket({ type: 'udp4', sendBufferSize: 4 * 1024 * 1024 });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  let answered = 0;
  sock.on('message', () => answered++);
  const droppedBefore = await metricSum('kenneki_radius_dropped_total');
  const samples = fc.sample(datagram, { numRuns: TOTAL, seed: 20261123 });
  // In bursts with a pause, so the kernel's receive buffer never overflows: a datagram the kernel
  // drops before the server sees it would be uncounted for reasons that are not the server's.
  const BURST = 500;
  for (let i = 0; i < samples.length; i += BURST) {
    await Promise.all(samples.slice(i, i + BURST).map((d) => new Promise<void>((r) => sock.send(d, port, '127.0.0.1', () => r()))));
    await expect
      .poll(async () => (await metricSum('kenneki_radius_dropped_total')) - droppedBefore + answered, { timeout: 10_000, interval: 5 })
      .toBeGreaterThanOrEqual(Math.min(i + BURST, samples.length));
  }
  const dropped = (await metricSum('kenneki_radius_dropped_total')) - droppedBefore;
  expect(answered).toBe(0);
  expect(dropped).toBe(TOTAL);
  expect(answered).toBe(0);
  // Still healthy: a correct MAB request from a real NAS peer is answered.
  const r = await radclient({
    server: `127.0.0.1:${port}`,
    command: 'auth',
    secret: SECRET,
    requests: 'User-Name = "020000aa0001", User-Password = "020000aa0001", Service-Type = Call-Check, Message-Authenticator = 0x00\n',
  });
  expect(r.replies[0]?.code, r.output).toBe('Access-Accept');
  expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
  sock.close();
});
