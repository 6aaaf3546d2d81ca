import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { RadiusDecodeError, type RadiusDecodeReason } from './decode-error.js';
import { RADIUS_CODE, decodePacket, encodePacket } from './packet.js';
import { RFC2865_7_1, hex, norm, packetArb, toHex } from './test-vectors.js';

/** Runs fn; the reason of the RadiusDecodeError it throws, failing on any other outcome. */
function reasonOf(fn: () => unknown): RadiusDecodeReason {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RadiusDecodeError);
    return (e as RadiusDecodeError).reason;
  }
  throw new Error('expected a RadiusDecodeError, but nothing was thrown');
}

/** "Returns or throws RadiusDecodeError": anything else (RangeError, TypeError) fails the property. */
function decodesOrDrops(b: Uint8Array): boolean {
  try {
    decodePacket(b);
  } catch (e) {
    if (!(e instanceof RadiusDecodeError)) throw e;
  }
  return true;
}

describe('RADIUS packet: known layouts', () => {
  it('decodes the RFC 2865 §7.1 Access-Request', () => {
    const p = decodePacket(RFC2865_7_1.request);
    expect(norm(p)).toEqual({
      code: RADIUS_CODE.ACCESS_REQUEST,
      identifier: 0,
      authenticator: '0f403f9473978057bd83d5cb98f4227a',
      attributes: [
        { type: 1, value: toHex(Buffer.from('nemo')) },
        { type: 2, value: '0dbe708d93d413ce3196e43f782a0aee' },
        { type: 4, value: 'c0a80110' },
        { type: 5, value: '00000003' },
      ],
    });
    expect(toHex(encodePacket(p))).toBe(toHex(RFC2865_7_1.request));
  });

  it('ignores bytes past the Length field (RFC 2865 §3)', () => {
    const padded = Buffer.concat([RFC2865_7_1.accept, hex('deadbeef')]);
    expect(norm(decodePacket(padded))).toEqual(norm(decodePacket(RFC2865_7_1.accept)));
  });

  it('keeps zero-length values and attribute order, duplicates included', () => {
    const p = decodePacket(hex('0b07 001b' + '00'.repeat(16) + '1802 1202 1803 41'));
    expect(p.attributes.map((a) => [a.type, toHex(a.value)])).toEqual([[24, ''], [18, ''], [24, '41']]);
  });
});

describe('RADIUS packet: drops', () => {
  const header = (code: string, len: number) => code + '00' + len.toString(16).padStart(4, '0') + '00'.repeat(16);
  test.each<[string, string | Buffer, RadiusDecodeReason]>([
    ['empty datagram', '', 'short'],
    ['19 bytes', '01'.repeat(19), 'short'],
    ['Length below 20', header('01', 19), 'short'],
    ['Length 0', header('01', 0), 'short'],
    ['Length beyond the datagram', header('01', 21), 'length-mismatch'],
    ['Length over 4096', header('01', 4097) + '00'.repeat(4077), 'too-long'],
    ['datagram over 4096', Buffer.alloc(4097, 0), 'too-long'],
    ['unknown code 0', header('00', 20), 'unknown-code'],
    ['unknown code 255', header('ff', 20), 'unknown-code'],
    ['attribute Length 0', header('01', 22) + '0100', 'bad-attribute-length'],
    ['attribute Length 1', header('01', 22) + '0101', 'bad-attribute-length'],
    ['attribute past the packet', header('01', 23) + '010441', 'bad-attribute-length'],
    ['lone type byte', header('01', 21) + '01', 'bad-attribute-length'],
    ['attribute running into ignored trailing bytes', header('01', 23) + '0104410000', 'bad-attribute-length'],
  ])('%s → %s', (_n, bytes, reason) => {
    expect(reasonOf(() => decodePacket(typeof bytes === 'string' ? hex(bytes) : bytes))).toBe(reason);
  });

  it('a 4096-byte packet is accepted', () => {
    const attrs = Array.from({ length: 15 }, () => ({ type: 26, value: new Uint8Array(253) }));
    attrs.push({ type: 18, value: new Uint8Array(4096 - 20 - 15 * 255 - 2) });
    const wire = encodePacket({ code: 2, identifier: 1, authenticator: new Uint8Array(16), attributes: attrs });
    expect(wire.length).toBe(4096);
    expect(decodePacket(wire).attributes).toHaveLength(16);
  });

  test.each([
    ['unknown code', { code: 99 as never, identifier: 0, authenticator: new Uint8Array(16), attributes: [] }],
    ['identifier 256', { code: 1 as const, identifier: 256, authenticator: new Uint8Array(16), attributes: [] }],
    ['short authenticator', { code: 1 as const, identifier: 0, authenticator: new Uint8Array(15), attributes: [] }],
    ['254-byte value', { code: 1 as const, identifier: 0, authenticator: new Uint8Array(16), attributes: [{ type: 1, value: new Uint8Array(254) }] }],
    ['over 4096 bytes', { code: 1 as const, identifier: 0, authenticator: new Uint8Array(16), attributes: Array.from({ length: 17 }, () => ({ type: 1, value: new Uint8Array(253) })) }],
  ])('encoding refuses %s with RangeError', (_n, p) => {
    expect(() => encodePacket(p)).toThrow(RangeError);
  });
});

describe('RADIUS packet: properties', () => {
  it('decode(encode(p)) == p', () => {
    fc.assert(fc.property(packetArb, (p) => {
      expect(norm(decodePacket(encodePacket(p)))).toEqual(norm(p));
    }));
  });

  it('arbitrary bytes decode or drop with RadiusDecodeError only', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), decodesOrDrops), { numRuns: 3000 });
  });

  it('arbitrary bytes behind a plausible header decode or drop', () => {
    fc.assert(fc.property(fc.constantFrom(1, 2, 4, 12, 43), fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 0, max: 0xffff }), (code, body, len) => {
      const b = Buffer.concat([Uint8Array.of(code, 0, len >> 8, len & 0xff), new Uint8Array(16), body]);
      return decodesOrDrops(b);
    }), { numRuns: 3000 });
  });

  it('mutated valid packets (bit flips, truncation, length tampering) decode or drop', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('length' as const), len: fc.integer({ min: 0, max: 0xffff }) }),
      fc.record({ kind: fc.constant('attr-length' as const), at: fc.nat(), len: fc.integer({ min: 0, max: 255 }) }),
    );
    fc.assert(fc.property(packetArb, fc.array(mutation, { minLength: 1, maxLength: 4 }), (p, ms) => {
      let b = Buffer.from(encodePacket(p));
      for (const m of ms) {
        if (m.kind === 'flip' && b.length > 0) b[m.at % b.length]! ^= 1 << m.bit;
        else if (m.kind === 'truncate') b = b.subarray(0, m.at % (b.length + 1));
        else if (m.kind === 'length' && b.length >= 4) b.writeUInt16BE(m.len, 2);
        else if (m.kind === 'attr-length' && b.length > 21) b[21 + (m.at % (b.length - 21))] = m.len;
      }
      return decodesOrDrops(b);
    }), { numRuns: 3000 });
  });
});
