import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { MAC_FORMATS, formatMac, normalizeMac, type MacFormatName } from './mac.js';

describe('MAC normalisation', () => {
  test.each(['aa:bb:cc:dd:ee:ff', 'AA-BB-CC-DD-EE-FF', 'aabb.ccdd.eeff', 'AABB.CCDD.EEFF', 'aabbccddeeff', 'AABBCCDDEEFF', 'Aa:bB:cc:DD:ee:FF'])('%s', (s) => {
    expect(normalizeMac(s)).toBe('aa:bb:cc:dd:ee:ff');
  });

  test.each([
    '', 'aa:bb:cc:dd:ee', 'aa:bb:cc:dd:ee:ff:00', 'aa:bb-cc:dd:ee:ff', 'aabb.ccdd.eef', 'aabbccddeefg', 'aa:bb:cc:dd:ee:ff\n', ' aabbccddeeff',
    'a:bb:cc:dd:ee:ff', 'aabb:ccdd:eeff', 'aa.bb.cc.dd.ee.ff', 'user@example.com',
  ])('%j is not a MAC', (s) => {
    expect(normalizeMac(s)).toBeUndefined();
    expect(formatMac(s, 'colon-lower')).toBeUndefined();
  });

  test.each<[MacFormatName, string]>([
    ['colon-lower', 'aa:bb:cc:dd:ee:ff'],
    ['colon-upper', 'AA:BB:CC:DD:EE:FF'],
    ['hyphen-upper', 'AA-BB-CC-DD-EE-FF'],
    ['hyphen-lower', 'aa-bb-cc-dd-ee-ff'],
    ['dot-lower', 'aabb.ccdd.eeff'],
    ['bare-lower', 'aabbccddeeff'],
    ['bare-upper', 'AABBCCDDEEFF'],
  ])('formats as %s', (f, out) => {
    expect(formatMac('AA-BB-CC-DD-EE-FF', f)).toBe(out);
  });

  it('normalise(format(mac, f)) == mac for every vendor format', () => {
    const macArb = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':'));
    fc.assert(fc.property(macArb, fc.constantFrom(...(Object.keys(MAC_FORMATS) as MacFormatName[])), (mac, f) => {
      expect(normalizeMac(formatMac(mac, f)!)).toBe(mac);
    }));
  });

  it('arbitrary strings never throw', () => {
    fc.assert(fc.property(fc.string({ maxLength: 20 }), (s) => {
      const n = normalizeMac(s);
      if (n !== undefined) expect(n).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    }));
  });
});
