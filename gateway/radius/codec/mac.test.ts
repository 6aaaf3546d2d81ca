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

  it('agrees with the regular expressions it replaced, on MAC-like and arbitrary strings', () => {
    const shapes = [
      /^([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})$/i,
      /^([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})-([0-9a-f]{2})$/i,
      /^([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})$/i,
      /^([0-9a-f]{12})$/i,
    ];
    const reference = (s: string): string | undefined => {
      for (const re of shapes) {
        const m = re.exec(s);
        if (m) return m.slice(1).join('').toLowerCase().match(/../g)!.join(':');
      }
      return undefined;
    };
    // Strings drawn from MAC characters hit every shape and every near miss.
    const macChars = fc.constantFrom(...'0123456789abcdefABCDEFgG:-. '.split(''));
    const macLike = fc.array(macChars, { minLength: 11, maxLength: 18 }).map((a) => a.join(''));
    const formatted = fc.tuple(fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.constantFrom(...(Object.keys(MAC_FORMATS) as MacFormatName[])), fc.nat(16), macChars)
      .map(([b, f, at, c]) => {
        const s = formatMac(Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':'), f)!;
        return at < s.length ? s.slice(0, at) + c + s.slice(at + 1) : s;
      });
    fc.assert(fc.property(fc.oneof(macLike, formatted, fc.string({ maxLength: 20 })), (s) => {
      expect(normalizeMac(s)).toBe(reference(s));
    }), { numRuns: 5000 });
  });

  it('arbitrary strings never throw', () => {
    fc.assert(fc.property(fc.string({ maxLength: 20 }), (s) => {
      const n = normalizeMac(s);
      if (n !== undefined) expect(n).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    }));
  });
});
