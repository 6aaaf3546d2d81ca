import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EapAnswer } from '../../server/eap-port.js';
import type { EapStats } from '../port.js';
import { fromWire, statsOf, statsTuple, toWire } from './protocol.js';

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

  it('stats come back the same', () => {
    fc.assert(
      fc.property(fc.record({ conversations: fc.nat(), started: fc.nat(), succeeded: fc.nat(), failed: fc.nat(), discarded: fc.nat(), fullHandshakes: fc.nat(), resumedHandshakes: fc.nat() }), (s: EapStats) => {
        expect(statsOf(structuredClone(statsTuple(s)))).toEqual(s);
      }),
    );
  });
});
