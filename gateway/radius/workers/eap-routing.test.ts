import fc from 'fast-check';
import { expect, test } from 'vitest';
import { decodePacket } from '../codec/packet.js';
import { eapHolder, stateTag } from './eap-routing.js';

const packet = (attributes: [number, Uint8Array][]): Buffer => {
  const body = Buffer.concat(attributes.map(([type, value]) => Buffer.concat([Buffer.from([type, value.length + 2]), value])));
  const head = Buffer.alloc(20);
  head[0] = 1;
  head.writeUInt16BE(20 + body.length, 2);
  return Buffer.concat([head, body]);
};

test('the first State names its worker; no State names none', () => {
  const state = Buffer.from([5, 1, 2, 3]);
  const p = packet([[1, Buffer.from('alice')], [79, Buffer.from([2, 1, 0, 4])], [24, state], [24, Buffer.from([9])]]);
  expect(stateTag(p)).toBe(5);
  expect(eapHolder(p, 2)).toBe(1);
  expect(eapHolder(p, 5)).toBe(0);
  expect(eapHolder(packet([[1, Buffer.from('bob')]]), 2)).toBeUndefined();
  // An empty State names nothing; a truncated or zero-length attribute ends the walk.
  expect(stateTag(packet([[24, Buffer.alloc(0)]]))).toBeUndefined();
  const truncated = packet([[24, Buffer.from([1, 2, 3])]]).subarray(0, 22);
  expect(stateTag(truncated)).toBeUndefined();
});

test('property: the tag is the first byte of the State decodePacket finds, for any well-formed packet', () => {
  const attribute = fc.tuple(fc.integer({ min: 1, max: 255 }), fc.uint8Array({ minLength: 0, maxLength: 40 }));
  fc.assert(
    fc.property(fc.array(attribute, { maxLength: 30 }), (attrs) => {
      const p = packet(attrs);
      const first = decodePacket(p).attributes.find((a) => a.type === 24);
      expect(stateTag(p)).toBe(first && first.value.length > 0 ? first.value[0] : undefined);
    }),
    { numRuns: 2000 },
  );
});

test('property: arbitrary bytes never throw and never name a worker out of range', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 32 }), (bytes, workers) => {
      const h = eapHolder(bytes, workers);
      expect(h === undefined || (h >= 0 && h < workers)).toBe(true);
    }),
    { numRuns: 2000 },
  );
});
