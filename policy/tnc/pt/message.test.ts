import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { PT_ERROR, WireError } from '../wire-error.js';
import { PT_HEADER_BYTES, decodePtMessage, encodePtMessage, type PtMessage } from './message.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const norm = (m: PtMessage) => ({ ...m, body: hex(m.body) });

const arbPtMessage: fc.Arbitrary<PtMessage> = fc.record({
  vendor: fc.integer({ min: 0, max: 0xffffff }),
  type: fc.integer({ min: 0, max: 0xffffffff }),
  id: fc.integer({ min: 0, max: 0xffffffff }),
  body: fc.uint8Array({ maxLength: 64 }),
});

describe('PT-TLS header', () => {
  test.each([
    ['empty body', { vendor: 0, type: 3, id: 0, body: new Uint8Array() }, '00000000' + '00000003' + '00000010' + '00000000'],
    ['vendor and id', { vendor: 0x00e0a1, type: 7, id: 0xdeadbeef, body: Uint8Array.of(1, 2) }, '0000e0a1' + '00000007' + '00000012' + 'deadbeef' + '0102'],
  ])('%s', (_n, m, wire) => {
    expect(hex(encodePtMessage(m))).toBe(wire);
    expect(norm(decodePtMessage(Buffer.from(wire, 'hex')))).toEqual(norm(m));
  });

  it('ignores the reserved byte on receipt', () => {
    expect(decodePtMessage(Buffer.from('ff000000000000010000001000000005', 'hex')).id).toBe(5);
  });

  test.each([
    ['short header', '000000000000000100000010'],
    ['length below header', '00000000000000010000000f00000000'],
    ['length larger than buffer', '00000000000000010000001100000000'],
    ['length smaller than buffer', '0000000000000001000000100000000000'],
  ])('%s → Malformed Message', (_n, wire) => {
    expect(() => decodePtMessage(Buffer.from(wire, 'hex'))).toThrow(expect.objectContaining({ layer: 'pt-tls', code: PT_ERROR.MALFORMED_MESSAGE }));
  });

  it('rejects out-of-range fields when encoding', () => {
    expect(() => encodePtMessage({ vendor: 0x1000000, type: 0, id: 0, body: new Uint8Array() })).toThrow(RangeError);
  });

  it('round-trips any message', () => {
    fc.assert(fc.property(arbPtMessage, (m) => {
      const wire = encodePtMessage(m);
      expect(wire.length).toBe(PT_HEADER_BYTES + m.body.length);
      expect(norm(decodePtMessage(wire))).toEqual(norm(m));
    }));
  });

  it('arbitrary bytes decode or throw WireError only', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 48 }), (b) => {
      try {
        decodePtMessage(b);
      } catch (e) {
        expect(e).toBeInstanceOf(WireError);
      }
    }), { numRuns: 2000 });
  });
});
