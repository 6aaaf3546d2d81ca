import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import {
  decodeVendorSpecific, encodeVendorSpecific, getAllRaw, getAllText, getInteger, getIpv4, getIpv6, getTaggedInteger, getTaggedText, getText,
  integerAttribute, ipv4Attribute, ipv6Attribute, taggedIntegerAttribute, taggedTextAttribute, textAttribute,
} from './attributes.js';
import { RadiusDecodeError } from './decode-error.js';
import { TUNNEL_MEDIUM_TYPE, TUNNEL_TYPE, VENDOR, attr } from './dictionary.js';
import { decodePacket, encodePacket, type RadiusAttribute } from './packet.js';
import { hex, toHex } from './test-vectors.js';
import { decodeIpv6Prefix, decodeTaggedText, encodeIpv6, encodeIpv6Prefix, encodeTaggedText, decodeIpv6, decodeDate, encodeDate } from './values.js';

const pkt = (attributes: RadiusAttribute[]) => ({ attributes });
const wire = (a: RadiusAttribute) => toHex(Uint8Array.of(a.type, a.value.length + 2)) + toHex(a.value);

describe('typed attributes: exact bytes', () => {
  test.each<[string, RadiusAttribute, string]>([
    ['User-Name', textAttribute(attr('User-Name'), 'aa:bb'), '0107' + toHex(Buffer.from('aa:bb'))],
    ['Session-Timeout', integerAttribute(attr('Session-Timeout'), 3600), '1b0600000e10'],
    ['Framed-IP-Address', ipv4Attribute(attr('Framed-IP-Address'), '10.0.0.1'), '08060a000001'],
    ['NAS-IPv6-Address', ipv6Attribute(attr('NAS-IPv6-Address'), '2001:db8::1'), '5f1220010db8000000000000000000000001'],
    // RFC 3580 §3.31 VLAN assignment, tag 1.
    ['Tunnel-Type', taggedIntegerAttribute(attr('Tunnel-Type'), 1, TUNNEL_TYPE.VLAN), '40060100000d'],
    ['Tunnel-Medium-Type', taggedIntegerAttribute(attr('Tunnel-Medium-Type'), 1, TUNNEL_MEDIUM_TYPE['IEEE-802']), '410601000006'],
    ['Tunnel-Private-Group-Id tag 1', taggedTextAttribute(attr('Tunnel-Private-Group-Id'), 1, '110'), '510601313130'],
    ['Tunnel-Private-Group-Id untagged', taggedTextAttribute(attr('Tunnel-Private-Group-Id'), 0, '110'), '5105313130'],
    ['Cisco-AVPair', textAttribute(attr('Cisco-AVPair'), 'a=b'), '1a0b' + '00000009' + '0105' + toHex(Buffer.from('a=b'))],
    ['Aruba-User-Role', textAttribute(attr('Aruba-User-Role'), 'q'), '1a09' + '000039e7' + '0103' + '71'],
  ])('%s', (_n, a, bytes) => {
    expect(wire(a)).toBe(bytes);
  });
});

describe('typed attributes: reading', () => {
  const p = decodePacket(encodePacket({
    code: 2,
    identifier: 0,
    authenticator: new Uint8Array(16),
    attributes: [
      textAttribute(18, 'one'),
      encodeVendorSpecific({ vendor: VENDOR.CISCO, attributes: [{ type: 1, value: Buffer.from('x=1') }, { type: 1, value: Buffer.from('y=2') }] }),
      textAttribute(18, 'two'),
      textAttribute(attr('Airespace-ACL-Name'), 'QUARANTINE'),
      textAttribute(attr('Cisco-AVPair'), 'z=3'),
      taggedIntegerAttribute(64, 2, 13),
      taggedTextAttribute(81, 0, '110'),
      ipv4Attribute(4, '192.0.2.1'),
      ipv6Attribute(95, '::1'),
    ],
  }));

  it('multi-valued attributes come back in order', () => {
    expect(getAllText(p, attr('Reply-Message'))).toEqual(['one', 'two']);
    // Several sub-attributes in one VSA, then another VSA: all, in order.
    expect(getAllText(p, attr('Cisco-AVPair'))).toEqual(['x=1', 'y=2', 'z=3']);
  });

  it('vendor attributes are found by their dictionary entry, standard ones are not confused with them', () => {
    expect(getText(p, attr('Airespace-ACL-Name'))).toBe('QUARANTINE');
    expect(getText(p, attr('Aruba-User-Role'))).toBeUndefined();
    expect(getText(p, attr('Filter-Id'))).toBeUndefined();
  });

  it('tags, addresses', () => {
    expect(getTaggedInteger(p, attr('Tunnel-Type'))).toEqual({ tag: 2, value: 13 });
    expect(getTaggedText(p, attr('Tunnel-Private-Group-Id'))).toEqual({ tag: 0, value: '110' });
    expect(getIpv4(p, attr('NAS-IP-Address'))).toBe('192.0.2.1');
    expect(getIpv6(p, attr('NAS-IPv6-Address'))).toBe('::1');
  });

  test.each<[string, RadiusAttribute[], () => unknown]>([
    ['3-byte integer', [{ type: 27, value: hex('000001') }], () => getInteger(pkt([{ type: 27, value: hex('000001') }]), 27)],
    ['5-byte ipaddr', [], () => getIpv4(pkt([{ type: 8, value: hex('0102030405') }]), 8)],
    ['invalid UTF-8 text', [], () => getText(pkt([{ type: 1, value: hex('c3') }]), 1)],
  ])('%s → bad-attribute-value', (_n, _a, f) => {
    expect(f).toThrow(expect.objectContaining({ reason: 'bad-attribute-value' }));
  });

  test.each([
    ['no vendor id', '000009'],
    ['vendor high byte', '01000009' + '0103' + '41'],
    ['sub-attribute length 1', '00000009' + '0101'],
    ['sub-attribute past the end', '00000009' + '0109' + '41'],
    ['lone sub-type byte', '00000009' + '01'],
  ])('VSA with %s → bad-vsa', (_n, v) => {
    expect(() => decodeVendorSpecific(hex(v))).toThrow(expect.objectContaining({ reason: 'bad-vsa' }));
  });

  it('a broken VSA of another vendor does not hide ours', () => {
    const q = pkt([{ type: 26, value: hex('00003740' + '0109') }, textAttribute(attr('Cisco-AVPair'), 'ok')]);
    expect(getText(q, attr('Cisco-AVPair'))).toBe('ok');
  });

  it('VSA decode(encode(v)) round-trips, and arbitrary VSA bytes decode or throw bad-vsa', () => {
    const sub = fc.record({ type: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ maxLength: 40 }) });
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffff }), fc.array(sub, { maxLength: 5 }), (vendor, subs) => {
      const d = decodeVendorSpecific(encodeVendorSpecific({ vendor, attributes: subs }).value);
      expect(d.vendor).toBe(vendor);
      expect(d.attributes.map((a) => [a.type, toHex(a.value)])).toEqual(subs.map((a) => [a.type, toHex(a.value)]));
    }));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 60 }), (b) => {
      try {
        decodeVendorSpecific(b);
      } catch (e) {
        if (!(e instanceof RadiusDecodeError)) throw e;
      }
    }));
  });

  it('getAllRaw with a bare type number reads the standard space', () => {
    expect(getAllRaw(p, 18)).toHaveLength(2);
  });
});

describe('values', () => {
  test.each([
    ['::', '::'], ['::1', '::1'], ['2001:db8::', '2001:db8::'], ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['fe80::1:2:3:4', 'fe80::1:2:3:4'], ['::ffff:192.0.2.1', '::ffff:c000:201'], ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'], ['1:0:3:4:5:6:7:8', '1:0:3:4:5:6:7:8'],
  ])('IPv6 %s → %s', (text, canonical) => {
    expect(decodeIpv6(encodeIpv6(text))).toBe(canonical);
  });

  it('IPv6 prefix (RFC 3162 §2.3) carries only the prefix bytes it needs', () => {
    const v = encodeIpv6Prefix({ prefix: '2001:db8:ab00::', length: 40 });
    expect(toHex(v)).toBe('002820010db8ab');
    expect(decodeIpv6Prefix(v)).toEqual({ prefix: '2001:db8:ab00::', length: 40 });
    expect(() => decodeIpv6Prefix(hex('0040' + '20010db8'))).toThrow(RadiusDecodeError);
  });

  it('dates are 32-bit seconds', () => {
    expect(decodeDate(encodeDate(new Date('2026-01-02T03:04:05Z'))).toISOString()).toBe('2026-01-02T03:04:05.000Z');
  });

  it('tagged text: a first byte above 0x1F is part of the string; a string starting below 0x20 needs a tag', () => {
    expect(decodeTaggedText(Buffer.from('110'))).toEqual({ tag: 0, value: '110' });
    expect(decodeTaggedText(hex('1f41'))).toEqual({ tag: 31, value: 'A' });
    expect(() => encodeTaggedText(0, '\x01x')).toThrow(RangeError);
    expect(decodeTaggedText(encodeTaggedText(3, '\x01x'))).toEqual({ tag: 3, value: '\x01x' });
  });

  it('refuses out-of-range local values', () => {
    expect(() => integerAttribute(5, -1)).toThrow(RangeError);
    expect(() => integerAttribute(5, 2 ** 32)).toThrow(RangeError);
    expect(() => taggedIntegerAttribute(64, 32, 13)).toThrow(RangeError);
    expect(() => taggedIntegerAttribute(64, 1, 2 ** 24)).toThrow(RangeError);
    expect(() => ipv4Attribute(8, '300.1.1.1')).toThrow(RangeError);
    expect(() => textAttribute(18, 'x'.repeat(254))).toThrow(RangeError);
    expect(() => textAttribute(attr('Cisco-AVPair'), 'x'.repeat(248))).toThrow(RangeError);
  });

  it('IPv6 text round-trips for any 16 bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
      expect(toHex(encodeIpv6(decodeIpv6(b)))).toBe(toHex(b));
    }));
  });
});
