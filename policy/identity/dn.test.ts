import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { firstRdnValue, normalizeDn } from './dn.js';

/** RFC 4514 section 2.4: the specials always, `#` and space where they would be misread. */
function escapeRfc4514(v: string): string {
  const chars = [...v];
  return chars
    .map((c, i) => {
      if (',+"\\<>;='.includes(c)) return `\\${c}`;
      if (c === '\0') return '\\00';
      if (c === '#' && i === 0) return '\\#';
      if (c === ' ' && (i === 0 || i === chars.length - 1)) return '\\ ';
      return c;
    })
    .join('');
}

/** Every UTF-8 byte as a `\XX` pair, in either case: the form some servers send. */
function hexEscape(v: string, upper: boolean): string {
  const hex = [...Buffer.from(v, 'utf8')].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
  return upper ? hex.toUpperCase() : hex;
}

const roundTrips = (s: string) => Buffer.from(s, 'utf8').toString('utf8') === s;
/** firstRdnValue trims its result, so only values that trimming leaves alone can come back whole. */
const value = (chars: fc.Arbitrary<string>) =>
  fc.string({ unit: chars, minLength: 1, maxLength: 40 }).filter((v) => v.trim() === v && v !== '' && roundTrips(v));

const bmpChar = fc.oneof(fc.integer({ min: 0, max: 0xd7ff }), fc.integer({ min: 0xe000, max: 0xffff })).map((c) => String.fromCharCode(c));
const specialsHeavy = fc.oneof({ weight: 1, arbitrary: fc.constantFrom(',', '+', '"', '\\', '<', '>', ';', '=', '#', ' ', '\0') }, { weight: 2, arbitrary: bmpChar });

describe('firstRdnValue', () => {
  test.each([
    ['plain', 'cn=Developers,ou=Groups,dc=example,dc=org', 'Developers'],
    ['only one RDN', 'cn=Developers', 'Developers'],
    ['backslash-escaped comma', 'cn=Dev\\, Ops,ou=Groups,dc=example,dc=org', 'Dev, Ops'],
    ['hex-escaped comma', 'cn=Dev\\2C Ops,ou=Groups', 'Dev, Ops'],
    ['lower-case hex escape', 'cn=Dev\\2c Ops,ou=Groups', 'Dev, Ops'],
    ['multi-byte UTF-8 as hex pairs', 'cn=Caf\\C3\\A9,ou=Groups', 'Café'],
    ['three-byte UTF-8 as hex pairs', 'cn=\\E9\\96\\8B\\E7\\99\\BA,ou=Groups', '開発'],
    ['raw non-ASCII', 'cn=開発チーム,ou=Groups', '開発チーム'],
    ['escaped plus, equals and quote', 'cn=a\\+b\\=c\\"d\\"', 'a+b=c"d"'],
    ['escaped backslash', 'cn=a\\\\b,ou=x', 'a\\b'],
    ['escaped leading hash', 'cn=\\#1,ou=x', '#1'],
    ['multi-valued RDN stops at +', 'cn=Dev+uid=dev,ou=Groups', 'Dev'],
    ['spaces around the value trimmed', 'cn=  Dev Ops  ,ou=Groups', 'Dev Ops'],
    ['unescaped = inside the value kept', 'cn=a=b,ou=x', 'a=b'],
  ])('%s', (_name, dn, expected) => {
    expect(firstRdnValue(dn)).toBe(expected);
  });

  test.each([
    ['no =', 'Developers'],
    ['empty string', ''],
    ['= with no attribute type', '=Developers,ou=x'],
    ['trailing lone backslash', 'cn=Dev\\'],
    ['empty value', 'cn=,ou=Groups'],
    ['empty value at the end', 'cn='],
    ['value of spaces only', 'cn=   ,ou=Groups'],
    ['empty value before +', 'cn=+uid=x,ou=Groups'],
  ])('malformed: %s → undefined', (_name, dn) => {
    expect(firstRdnValue(dn)).toBeUndefined();
  });

  it('gives back any value escaped per RFC 4514 with backslashes', () => {
    fc.assert(
      fc.property(value(specialsHeavy), (v) => {
        expect(firstRdnValue(`cn=${escapeRfc4514(v)},ou=x,dc=y`)).toBe(v);
      }),
      { numRuns: 500 },
    );
  });

  it('gives back any Unicode value sent as UTF-8 hex pairs', () => {
    fc.assert(
      fc.property(value(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), fc.boolean(), (v, upper) => {
        expect(firstRdnValue(`cn=${hexEscape(v, upper)},ou=x,dc=y`)).toBe(v);
      }),
      { numRuns: 500 },
    );
  });

  // Known bug (reported, not fixed here): the loop walks UTF-16 code units, so a character outside
  // the BMP written raw or after a backslash is encoded as two lone surrogates (U+FFFD each).
  // Flip to `it` once dn.ts iterates code points.
  it('gives back characters outside the BMP written raw', () => {
    expect(firstRdnValue('cn=Team 🚀,ou=Groups')).toBe('Team 🚀');
  });

  it('never throws on arbitrary strings', () => {
    const dnish = fc.string({ unit: fc.oneof(fc.constantFrom('\\', '=', ',', '+', ' ', '2', 'C', 'f', 'g', '\uD800', '\uDC00', '😀'), fc.string({ unit: 'binary', maxLength: 1 })), maxLength: 30 });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), dnish), (dn) => {
        const v = firstRdnValue(dn);
        // Escaped spaces may end a value (RFC 4514), so only non-emptiness holds for any input.
        expect(v === undefined || (typeof v === 'string' && v !== '')).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('normalizeDn', () => {
  it('ignores case and spaces after commas', () => {
    expect(normalizeDn('CN=Dev Ops, OU=Groups,  DC=Example,\tDC=Org')).toBe('cn=dev ops,ou=groups,dc=example,dc=org');
    expect(normalizeDn('cn=Developers, ou=Groups')).toBe(normalizeDn('CN=developers,OU=groups'));
  });

  it('keeps an escaped comma and the spaces after it: two different groups stay different', () => {
    expect(normalizeDn('cn=Dev\\, Ops,ou=g')).toBe('cn=dev\\, ops,ou=g');
    expect(normalizeDn('cn=Dev\\, Ops,ou=g')).not.toBe(normalizeDn('cn=Dev\\,Ops,ou=g'));
  });

  it('keeps spaces inside values', () => {
    expect(normalizeDn('cn=Dev  Ops,ou=x')).toBe('cn=dev  ops,ou=x');
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'B', ',', ' ', '\t', '=', '\\', 'É') }), (dn) => {
        expect(normalizeDn(normalizeDn(dn))).toBe(normalizeDn(dn));
      }),
    );
  });
});

describe('firstRdnValue: escaped spaces at the ends are part of the value (RFC 4514)', () => {
  it('keeps an escaped trailing or leading space and drops bare ones', () => {
    expect(firstRdnValue('cn=a\\ ,ou=x')).toBe('a ');
    expect(firstRdnValue('cn=\\ a,ou=x')).toBe(' a');
    expect(firstRdnValue('cn=  a  ,ou=x')).toBe('a');
  });
});
