/**
 * Property: whatever arrives on the client's socket, from the very address and port of a NAS it
 * is waiting on, nothing throws, every datagram is counted as a drop, and the real answer is
 * still accepted afterwards. Real sockets, as undici fuzzes: the socket handler is what must hold.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { packetArb } from '../codec/test-vectors.js';
import { RADIUS_CODE, encodePacket } from '../codec/index.js';
import { DynamicAuthClient } from './dynamic-auth-client.js';
import { ScriptedNas, answer, type Received } from './scripted-nas.js';
import type { DynamicAuthDropReason } from './types.js';

const SECRET = Buffer.from('kenneki-coa-fuzz-1');

let nas: ScriptedNas;
let client: DynamicAuthClient;
const drops: DynamicAuthDropReason[] = [];
let dropWaiter: (() => void) | undefined;

beforeAll(async () => {
  nas = await ScriptedNas.start(SECRET);
  client = new DynamicAuthClient({
    observer: {
      dropped: (r) => {
        drops.push(r);
        dropWaiter?.();
      },
      finished: () => {},
    },
  });
});
afterAll(async () => {
  await client.close();
  nas.close();
});

/** Resolves when `n` drops have been counted in total; fails the run after 2 s. */
async function dropsReach(n: number): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (drops.length < n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} drops, counted ${drops.length}`);
    await new Promise<void>((resolve) => {
      dropWaiter = resolve;
      setTimeout(resolve, 50);
    });
  }
}

test('garbage, truncated and forged-looking datagrams never throw and are each counted as a drop', async () => {
  const pending = client.send(nas.target(), { callingStationId: 'AA-BB-CC-DD-EE-FF' }, { timeoutMs: 60_000, retries: 0 });
  await nas.receivedAtLeast(1);
  const request: Received = nas.received[0]!;
  const live = request.packet.identifier;

  // Responses aimed at the live exchange (its Identifier, response codes) reach the crypto checks;
  // the rest exercise the decoder and the lookup.
  const aimed = packetArb.map((p) => encodePacket({ ...p, identifier: live, code: RADIUS_CODE.DISCONNECT_ACK }));
  const mutated = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => {
    const b = answer(request, 'ack', SECRET);
    // XOR with 0 would leave a valid answer: every byte value but 0 changes the packet.
    b[at % b.length]! ^= byte === 0 ? 1 : byte;
    return b;
  });
  const datagram = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.uint8Array({ minLength: 4097, maxLength: 5000 }),
    packetArb.map((p) => encodePacket(p)),
    aimed,
    mutated,
  );

  let sent = 0;
  await fc.assert(
    fc.asyncProperty(datagram, async (bytes) => {
      nas.reply(request, bytes);
      sent++;
      await dropsReach(sent);
    }),
    { numRuns: 300 },
  );
  expect(drops).toHaveLength(sent);

  nas.reply(request, answer(request, 'ack', SECRET));
  expect((await pending).outcome).toBe('acked');
});
