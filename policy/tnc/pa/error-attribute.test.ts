import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { PA_ERROR, WireError } from '../wire-error.js';
import { paMessageArb } from './arbitraries.js';
import { attributeTypeNotSupported, decodePaErrorInfo, paErrorAttribute } from './error-attribute.js';
import { decodeIetfAttribute } from './ietf-attributes.js';
import { decodePaMessage, encodePaMessage } from './message.js';
import { returnsOrWireError } from '../test-helpers.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const asHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function caught(f: () => unknown): WireError {
  try {
    f();
  } catch (e) {
    if (e instanceof WireError) return e;
    throw e;
  }
  throw new Error('expected a WireError');
}

describe('PA-TNC Error attribute for a decode failure', () => {
  test.each<[string, string, string]>([
    // [offending message, expected attribute value (Reserved ErrVendor Code Info)]
    [
      'bad attribute length → Invalid Parameter + offset of the length field',
      '01000000 0000002a 00 000000 00000001 00000005',
      '00 000000 00000001  01000000 0000002a 00000010',
    ],
    ['version 2 → Version Not Supported, max 1 min 1', '02000000 00000007', '00 000000 00000002  02000000 00000007 01 01 0000'],
    ['message shorter than its header: header copy zero-padded', '010000', '00 000000 00000001  01000000 00000000 00000001'],
  ])('%s', (_name, message, value) => {
    const msg = hex(message);
    const attr = paErrorAttribute(caught(() => decodePaMessage(msg)), msg);
    expect(attr).toMatchObject({ noskip: false, vendor: 0, type: 8 });
    expect(asHex(attr.value)).toBe(asHex(hex(value)));
  });

  it('Attribute Type Not Supported carries the attribute flags, vendor and type', () => {
    const msg = hex('01000000 00000003  80 00902a 00000063 0000000c');
    const [attr] = decodePaMessage(msg).attributes;
    const err = attributeTypeNotSupported(attr!, 8);
    const out = paErrorAttribute(err, msg);
    expect(asHex(out.value)).toBe(asHex(hex('00 000000 00000003  01000000 00000003  80 00902a 00000063')));
    expect(decodeIetfAttribute(out)).toEqual({ type: 'pa-tnc-error', vendor: 0, code: 3, info: Uint8Array.from(hex('0100000000000003 8000902a00000063')) });
  });

  it('refuses errors from other layers', () => {
    expect(() => paErrorAttribute(new WireError('pb-tnc', 1, 'x'), new Uint8Array(8))).toThrow(RangeError);
  });

  test.each<[string, number, string, object]>([
    ['invalid parameter', 1, '0100000000000001 00000010', { code: 1, offset: 16 }],
    ['version not supported', 2, '0200000000000001 0101 0000', { code: 2, max: 1, min: 1 }],
    ['type not supported', 3, '0100000000000001 80 00902a 00000063', { code: 3, flags: 0x80, vendor: 0x902a, type: 0x63 }],
    ['other code keeps the rest', 9, '0100000000000001 abcd', { code: 9, rest: Uint8Array.from([0xab, 0xcd]) }],
  ])('decodes received info: %s', (_name, code, info, expected) => {
    expect(decodePaErrorInfo(code, hex(info))).toMatchObject(expected);
  });

  test.each<[number, string]>([
    [1, '01000000'],
    [1, '0100000000000001 000000'],
    [1, '0100000000000001 00000010 00'],
    [2, '0100000000000001 0101'],
    [3, '0100000000000001 80 00902a'],
  ])('malformed received info (code %i, %s) → WireError', (code, info) => {
    expect(() => decodePaErrorInfo(code, hex(info))).toThrow(WireError);
  });

  it('property: any message with a corrupted byte either decodes or yields an error attribute whose info parses back', () => {
    fc.assert(
      fc.property(paMessageArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (m, pos, xor) => {
        const buf = encodePaMessage(m);
        buf[pos % buf.length]! ^= xor;
        let err: WireError;
        try {
          decodePaMessage(buf);
          return;
        } catch (e) {
          if (!(e instanceof WireError)) throw e;
          err = e;
        }
        const attr = paErrorAttribute(err, buf);
        const decoded = decodeIetfAttribute(attr);
        expect(decoded?.type).toBe('pa-tnc-error');
        if (decoded?.type !== 'pa-tnc-error') return;
        const info = decodePaErrorInfo(decoded.code, decoded.info);
        expect(asHex(info.header)).toBe(asHex(buf.subarray(0, 8)));
        if (err.code === PA_ERROR.INVALID_PARAMETER) expect(info).toMatchObject({ offset: err.offset });
        if (err.code === PA_ERROR.VERSION_NOT_SUPPORTED) expect(info).toMatchObject({ max: 1, min: 1 });
      }),
      { numRuns: 1000 },
    );
  });

  it('arbitrary info bytes either decode or throw WireError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.uint8Array({ maxLength: 32 }), (code, info) => {
        returnsOrWireError(() => decodePaErrorInfo(code, info));
      }),
      { numRuns: 2000 },
    );
  });
});
