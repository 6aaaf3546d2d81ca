import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { RadiusDecodeError } from './decode-error.js';
import { EAP_CODE, EAP_MESSAGE, EAP_TYPE, decodeEap, encodeEap, fragmentEap, reassembleEap } from './eap.js';
import { decodePacket, encodePacket } from './packet.js';
import { hex, toHex } from './test-vectors.js';

describe('EAP-Message (RFC 3579 §3.1)', () => {
  test.each([[0, 1], [1, 1], [253, 1], [254, 2], [1020, 5], [4000, 16]])('%i bytes → %i attributes', (n, count) => {
    const attrs = fragmentEap(new Uint8Array(n));
    expect(attrs).toHaveLength(count);
    for (const a of attrs) {
      expect(a.type).toBe(EAP_MESSAGE);
      expect(a.value.length).toBeLessThanOrEqual(253);
    }
  });

  it('fragment → packet → decode → reassemble round-trips payloads up to 4000 bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4000 }), fc.array(fc.record({ type: fc.constantFrom(24, 80, 1), value: fc.uint8Array({ maxLength: 20 }) }), { maxLength: 2 }), (eap, others) => {
      const attributes = [...others, ...fragmentEap(eap)];
      // 4000 bytes of EAP fit the 4096-byte packet only with few other attributes; that is the NAS's limit too.
      fc.pre(20 + attributes.reduce((n, a) => n + 2 + a.value.length, 0) <= 4096);
      const p = decodePacket(encodePacket({ code: 11, identifier: 1, authenticator: new Uint8Array(16), attributes }));
      expect(toHex(reassembleEap(p.attributes)!)).toBe(toHex(eap));
    }), { numRuns: 300 });
  });

  it('no EAP-Message → undefined', () => {
    expect(reassembleEap([{ type: 1, value: new Uint8Array(1) }])).toBeUndefined();
  });
});

describe('EAP header', () => {
  test.each([
    ['Response/Identity', '0201000a01' + toHex(Buffer.from('nemo1')), { code: EAP_CODE.RESPONSE, identifier: 1, type: EAP_TYPE.IDENTITY }],
    ['Request/EAP-TLS Start', '010200060d20', { code: EAP_CODE.REQUEST, identifier: 2, type: EAP_TYPE.TLS }],
    ['Success', '03050004', { code: EAP_CODE.SUCCESS, identifier: 5, type: undefined }],
  ])('%s', (_n, bytes, expected) => {
    const e = decodeEap(hex(bytes));
    expect({ code: e.code, identifier: e.identifier, type: e.type }).toEqual(expected);
    expect(toHex(encodeEap(e))).toBe(toHex(hex(bytes)));
  });

  test.each([
    ['short', '0201'],
    ['Length larger than reassembled', '0201000b01' + toHex(Buffer.from('nemo1'))],
    ['Length smaller than reassembled', '0201000901' + toHex(Buffer.from('nemo1'))],
    ['request without type', '01010004'],
    ['Success with data', '0301000500'],
    ['code 0', '00010004'],
  ])('%s → bad-eap', (_n, bytes) => {
    expect(() => decodeEap(hex(bytes))).toThrow(expect.objectContaining({ reason: 'bad-eap' }));
  });

  it('arbitrary bytes decode or throw RadiusDecodeError only; valid packets round-trip', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
      try {
        decodeEap(b);
      } catch (e) {
        if (!(e instanceof RadiusDecodeError)) throw e;
      }
    }), { numRuns: 2000 });
    fc.assert(fc.property(fc.constantFrom(1, 2), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 3000 }), (code, identifier, type, data) => {
      const wire = encodeEap({ code, identifier, type, data });
      expect(toHex(reassembleEap(fragmentEap(wire))!)).toBe(toHex(wire));
      expect(toHex(decodeEap(wire).data)).toBe(toHex(data));
    }), { numRuns: 200 });
  });
});
