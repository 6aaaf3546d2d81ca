import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { siblingSid, sidToString } from './sid.js';

/** MS-DTYP 2.4.2.2: revision, count, 48-bit big-endian authority, little-endian 32-bit sub-authorities. */
function encodeSid(authority: number, subs: readonly number[], revision = 1): Buffer {
  const b = Buffer.alloc(8 + 4 * subs.length);
  b[0] = revision;
  b[1] = subs.length;
  b.writeUIntBE(authority, 2, 6);
  subs.forEach((s, i) => b.writeUInt32LE(s, 8 + 4 * i));
  return b;
}

// S-1-5-21-1004336348-1177238915-682003330-512, byte by byte as a DC returns objectSid.
const DOMAIN_ADMINS = Buffer.from([
  0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
  0x15, 0x00, 0x00, 0x00,
  0xdc, 0xf4, 0xdc, 0x3b,
  0x83, 0x3d, 0x2b, 0x46,
  0x82, 0x8b, 0xa6, 0x28,
  0x00, 0x02, 0x00, 0x00,
]);

const uint32 = fc.integer({ min: 0, max: 0xffff_ffff });
const authority = fc.integer({ min: 0, max: 2 ** 48 - 1 });

describe('sidToString', () => {
  it('renders a domain group SID built by hand', () => {
    expect(sidToString(DOMAIN_ADMINS)).toBe('S-1-5-21-1004336348-1177238915-682003330-512');
  });

  it('renders well-known SIDs with no or one sub-authority', () => {
    expect(sidToString(encodeSid(5, []))).toBe('S-1-5');
    expect(sidToString(encodeSid(1, [0]))).toBe('S-1-1-0');
  });

  test.each([
    ['empty', Buffer.alloc(0)],
    ['shorter than the header', DOMAIN_ADMINS.subarray(0, 7)],
    ['revision 2', encodeSid(5, [21, 1, 2, 3, 512], 2)],
    ['revision 0', encodeSid(5, [21], 0)],
    ['one byte short of its count', DOMAIN_ADMINS.subarray(0, DOMAIN_ADMINS.length - 1)],
    ['one sub-authority more than its count', Buffer.concat([DOMAIN_ADMINS, Buffer.alloc(4)])],
    ['count larger than the bytes', Buffer.from([1, 3, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0])],
  ])('is undefined for bytes that are not a SID: %s', (_name, bytes) => {
    expect(sidToString(bytes)).toBeUndefined();
  });

  it('renders S-1-<authority>-<sub-authorities> for any encoded SID', () => {
    fc.assert(
      fc.property(authority, fc.array(uint32, { minLength: 1, maxLength: 15 }), (auth, subs) => {
        expect(sidToString(encodeSid(auth, subs))).toBe(`S-1-${auth}-${subs.join('-')}`);
      }),
    );
  });

  it('never throws on arbitrary bytes', () => {
    const sidish = fc.tuple(fc.constantFrom(0, 1, 2), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 80 })).map(([rev, n, rest]) => Buffer.from([rev, n, ...rest]));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a)), sidish), (bytes) => {
        const s = sidToString(bytes);
        expect(s === undefined || /^S-1-\d+(-\d+)*$/.test(s)).toBe(true);
        expect(siblingSid(bytes, 513) === undefined || s !== undefined).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('siblingSid', () => {
  it('replaces the RID and keeps the domain', () => {
    const domainUsers = siblingSid(DOMAIN_ADMINS, 513);
    expect(domainUsers && sidToString(domainUsers)).toBe('S-1-5-21-1004336348-1177238915-682003330-513');
  });

  it('leaves the account SID untouched', () => {
    const before = Buffer.from(DOMAIN_ADMINS);
    siblingSid(DOMAIN_ADMINS, 513);
    expect(DOMAIN_ADMINS.equals(before)).toBe(true);
  });

  it('writes a negative RID as its unsigned 32-bit value', () => {
    const sid = siblingSid(DOMAIN_ADMINS, -1);
    expect(sid && sidToString(sid)).toBe('S-1-5-21-1004336348-1177238915-682003330-4294967295');
  });

  test.each([
    ['too short', DOMAIN_ADMINS.subarray(0, 6)],
    ['wrong revision', encodeSid(5, [21, 1, 2, 3, 512], 2)],
    ['length not matching the count', DOMAIN_ADMINS.subarray(0, DOMAIN_ADMINS.length - 4)],
    ['no sub-authority', encodeSid(5, [])],
    ['one sub-authority (a well-known SID, no domain)', encodeSid(1, [0])],
  ])('is undefined for %s', (_name, bytes) => {
    expect(siblingSid(bytes, 513)).toBeUndefined();
  });

  it('keeps the prefix and ends with the new RID for any SID of two or more sub-authorities', () => {
    fc.assert(
      fc.property(authority, fc.array(uint32, { minLength: 2, maxLength: 15 }), uint32, (auth, subs, rid) => {
        const sid = siblingSid(encodeSid(auth, subs), rid);
        expect(sid).toBeDefined();
        const text = sidToString(sid!)!;
        expect(text).toBe(`S-1-${auth}-${[...subs.slice(0, -1), rid].join('-')}`);
        expect(text.endsWith(`-${rid}`)).toBe(true);
        expect(text.startsWith(`S-1-${auth}-${subs.slice(0, -1).join('-')}-`)).toBe(true);
      }),
    );
  });
});
