import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EapAnswer } from '../../server/eap-port.js';
import type { EapStats } from '../port.js';
import { bytes as own, fromWire, statsOf, statsTuple, toWire } from './protocol.js';

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((u) => Buffer.from(u));
const answers: fc.Arbitrary<EapAnswer> = fc.oneof(
  fc.record({ kind: fc.constant('challenge' as const), eap: bytes(1100), state: bytes(18) }),
  fc.record(
    { kind: fc.constant('success' as const), eap: bytes(4), identity: fc.string(), method: fc.string(), deviceId: fc.string(), held: fc.constant(true as const), msk: bytes(64) },
    { requiredKeys: ['kind', 'eap', 'identity', 'method'] },
  ),
  fc.record({ kind: fc.constant('failure' as const), eap: bytes(4), reason: fc.string() }),
  fc.record({ kind: fc.constant('discard' as const), reason: fc.string() }),
);

describe('EAP thread messages', () => {
  it('every answer comes back the same after the trip between threads (structured clone)', () => {
    fc.assert(
      fc.property(answers, (a) => {
        const back = fromWire(structuredClone(toWire(a)));
        expect(back).toEqual(a);
        // Buffers again, not the Uint8Arrays the clone delivers.
        for (const v of Object.values(back)) if (v instanceof Uint8Array) expect(Buffer.isBuffer(v)).toBe(true);
      }),
    );
  });

  it('a Buffer cut from Node\'s pool crosses with its own bytes only, not the 8 KiB pool behind it', () => {
    const state = Buffer.from('0123456789abcdef'); // small: a view into the shared pool
    const eap = Buffer.allocUnsafe(300).fill(7).subarray(4, 104);
    expect(state.buffer.byteLength).toBeGreaterThan(state.length);
    const wire = structuredClone(toWire({ kind: 'challenge', eap, state }));
    const [, e, s] = wire as [number, Uint8Array, Uint8Array];
    expect([e.buffer.byteLength, s.buffer.byteLength]).toEqual([100, 16]);
    expect(Buffer.from(e)).toEqual(eap);
    expect(Buffer.from(s)).toEqual(state);
    // A Uint8Array that already owns exactly its bytes is sent as it is, without a copy.
    const exact = new Uint8Array([1, 2, 3]);
    expect(own(exact)).toBe(exact);
  });

  it('stats come back the same', () => {
    fc.assert(
      fc.property(fc.record({ conversations: fc.nat(), started: fc.nat(), succeeded: fc.nat(), failed: fc.nat(), discarded: fc.nat(), fullHandshakes: fc.nat(), resumedHandshakes: fc.nat() }), (s: EapStats) => {
        expect(statsOf(structuredClone(statsTuple(s)))).toEqual(s);
      }),
    );
  });
});
