import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { PA_ERROR, WireError } from '../wire-error.js';
import { paMessageArb } from './arbitraries.js';
import { decodePaMessage, encodePaMessage, type PaMessage } from './message.js';
import { returnsOrWireError, wireErrorOf } from '../test-helpers.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const u8 = (s: string): Uint8Array => Uint8Array.from(hex(s));

describe('PA-TNC message: known layouts', () => {
  test.each<[string, string, PaMessage]>([
    ['empty message', '01000000 00000007', { version: 1, id: 7, attributes: [] }],
    [
      'one IETF Assessment Result, no NOSKIP',
      '01000000 deadbeef  00 000000 00000009 00000010 00000001',
      { version: 1, id: 0xdeadbeef, attributes: [{ noskip: false, vendor: 0, type: 9, value: u8('00000001') }] },
    ],
    [
      'NOSKIP ITA-HSR Device ID then empty TCG attribute',
      '01000000 00000001  80 00902a 00000008 0000000f 616263  00 005597 ffffffff 0000000c',
      {
        version: 1,
        id: 1,
        attributes: [
          { noskip: true, vendor: 0x00902a, type: 8, value: u8('616263') },
          { noskip: false, vendor: 0x005597, type: 0xffffffff, value: new Uint8Array() },
        ],
      },
    ],
  ])('%s', (_name, bytes, msg) => {
    expect(encodePaMessage(msg).toString('hex')).toBe(hex(bytes).toString('hex'));
    expect(decodePaMessage(hex(bytes))).toEqual(msg);
  });

  it('ignores reserved header bits and non-NOSKIP flag bits', () => {
    const m = decodePaMessage(hex('01ffffff 00000002  7f 000000 00000001 0000000c'));
    expect(m).toEqual({ version: 1, id: 2, attributes: [{ noskip: false, vendor: 0, type: 1, value: new Uint8Array() }] });
  });
});

describe('PA-TNC message: errors', () => {
  test.each<[string, string, number, number]>([
    ['empty input', '', PA_ERROR.INVALID_PARAMETER, 0],
    ['truncated header', '01000000 0000', PA_ERROR.INVALID_PARAMETER, 4],
    ['truncated attribute header', '01000000 00000001 00 000000 0000', PA_ERROR.INVALID_PARAMETER, 12],
    ['length below 12', '01000000 00000001 00 000000 00000001 0000000b', PA_ERROR.INVALID_PARAMETER, 16],
    ['length 0', '01000000 00000001 00 000000 00000001 00000000', PA_ERROR.INVALID_PARAMETER, 16],
    ['length past the end', '01000000 00000001 00 000000 00000001 00000011 0000', PA_ERROR.INVALID_PARAMETER, 16],
    ['huge length', '01000000 00000001 00 000000 00000001 ffffffff', PA_ERROR.INVALID_PARAMETER, 16],
    [
      'second attribute bad length',
      '01000000 00000001 00 000000 00000001 0000000c 00 000000 00000002 0000000d',
      PA_ERROR.INVALID_PARAMETER,
      28,
    ],
    ['reserved vendor 0xffffff', '01000000 00000001 00 ffffff 00000001 0000000c', PA_ERROR.INVALID_PARAMETER, 9],
  ])('%s → code %i at offset %i', (_name, bytes, code, offset) => {
    const e = wireErrorOf(() => decodePaMessage(hex(bytes)));
    expect(e.layer).toBe('pa-tnc');
    expect(e.code).toBe(code);
    expect(e.offset).toBe(offset);
  });

  test.each(['02000000 00000001', '00', 'ff000000'])('version byte of %s → Version Not Supported {max:1,min:1}', (bytes) => {
    const e = wireErrorOf(() => decodePaMessage(hex(bytes)));
    expect(e.code).toBe(PA_ERROR.VERSION_NOT_SUPPORTED);
    expect(e.detail).toEqual({ max: 1, min: 1 });
  });

  it('enforces maxAttributes', () => {
    const m = encodePaMessage({
      version: 1,
      id: 1,
      attributes: [0, 1, 2].map((type) => ({ noskip: false, vendor: 0, type, value: new Uint8Array() })),
    });
    expect(decodePaMessage(m, { maxAttributes: 3 }).attributes).toHaveLength(3);
    const e = wireErrorOf(() => decodePaMessage(m, { maxAttributes: 2 }));
    expect(e.code).toBe(PA_ERROR.INVALID_PARAMETER);
    expect(e.offset).toBe(8 + 2 * 12);
  });

  it('encoder refuses the reserved vendor and out-of-range fields', () => {
    const attr = { noskip: false, vendor: 0xffffff, type: 1, value: new Uint8Array() };
    expect(() => encodePaMessage({ version: 1, id: 1, attributes: [attr] })).toThrow(RangeError);
    expect(() => encodePaMessage({ version: 1, id: -1, attributes: [] })).toThrow(RangeError);
    expect(() => encodePaMessage({ version: 1, id: 1, attributes: [{ ...attr, vendor: 0, type: 2 ** 32 }] })).toThrow(RangeError);
  });
});

describe('PA-TNC message: properties', () => {
  it('round-trips every message', () => {
    fc.assert(
      fc.property(paMessageArb, (m) => {
        expect(decodePaMessage(encodePaMessage(m))).toEqual(m);
      }),
    );
  });

  it('arbitrary bytes either decode or throw WireError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), (b) => {
        returnsOrWireError(() => decodePaMessage(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('arbitrary bytes behind a valid version byte either decode or throw WireError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), (b) => {
        const buf = Uint8Array.from([1, ...b]);
        returnsOrWireError(() => decodePaMessage(buf));
      }),
      { numRuns: 2000 },
    );
  });

  it('corrupting one byte of an attribute length field → WireError at that length field', () => {
    const withAttr = paMessageArb.filter((m) => m.attributes.length > 0);
    fc.assert(
      fc.property(withAttr, fc.nat(), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 255 }), (m, pick, byte, xor) => {
        const buf = encodePaMessage(m);
        // Find the chosen attribute's length field by walking the valid encoding.
        const index = pick % m.attributes.length;
        let at = 8;
        for (let i = 0; i < index; i++) at += 12 + m.attributes[i]!.value.length;
        const lengthAt = at + 8;
        const before = buf.readUInt32BE(lengthAt);
        buf[lengthAt + byte]! ^= xor;
        const after = buf.readUInt32BE(lengthAt);
        // Only corruptions that make this length lie past the message or below 12 must fail here;
        // a shorter-but-valid length re-frames the rest, which may legitimately still parse.
        const remaining = buf.length - (lengthAt + 4);
        if (after < 12 || after - 12 > remaining) {
          const e = wireErrorOf(() => decodePaMessage(buf));
          expect(e.code).toBe(PA_ERROR.INVALID_PARAMETER);
          expect(e.offset).toBe(lengthAt);
        } else {
          expect(after).not.toBe(before);
          try {
            decodePaMessage(buf);
          } catch (e) {
            expect(e).toBeInstanceOf(WireError);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('an increased length on the last attribute always fails', () => {
    const withAttr = paMessageArb.filter((m) => m.attributes.length > 0);
    fc.assert(
      fc.property(withAttr, fc.integer({ min: 1, max: 0xffff }), (m, extra) => {
        const buf = encodePaMessage(m);
        const last = m.attributes[m.attributes.length - 1]!;
        const lengthAt = buf.length - last.value.length - 4;
        buf.writeUInt32BE(buf.readUInt32BE(lengthAt) + extra, lengthAt);
        const e = wireErrorOf(() => decodePaMessage(buf));
        expect(e.offset).toBe(lengthAt);
      }),
    );
  });
});
