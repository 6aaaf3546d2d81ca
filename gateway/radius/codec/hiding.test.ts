import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import { RadiusDecodeError } from './decode-error.js';
import {
  createSaltSource, hideMppeKey, hideTunnelPassword, hideUserPassword, revealMppeKey, revealTunnelPassword, revealUserPassword, saltDecrypt,
} from './hiding.js';
import { RFC2865_7_1, authenticatorArb, hex, secretArb, toHex } from './test-vectors.js';

describe('User-Password (RFC 2865 §5.2)', () => {
  it('hides "arctangent" as in RFC 2865 §7.1', () => {
    expect(toHex(hideUserPassword('arctangent', RFC2865_7_1.secret, RFC2865_7_1.requestAuthenticator))).toBe(toHex(RFC2865_7_1.hiddenPassword));
  });

  it('reveals the RFC 2865 §7.1 password', () => {
    expect(revealUserPassword(RFC2865_7_1.hiddenPassword, RFC2865_7_1.secret, RFC2865_7_1.requestAuthenticator).toString()).toBe('arctangent');
  });

  it('a wrong secret reveals something else', () => {
    expect(revealUserPassword(RFC2865_7_1.hiddenPassword, 'xyzzy5462', RFC2865_7_1.requestAuthenticator).toString()).not.toBe('arctangent');
  });

  test.each([[0, 16], [1, 16], [16, 16], [17, 32], [128, 128]])('a %i-byte password hides to %i bytes', (n, hidden) => {
    expect(hideUserPassword(new Uint8Array(n).fill(0x61), 's', new Uint8Array(16))).toHaveLength(hidden);
  });

  it('refuses passwords over 128 bytes and a bad authenticator', () => {
    expect(() => hideUserPassword('x'.repeat(129), 's', new Uint8Array(16))).toThrow(RangeError);
    expect(() => hideUserPassword('x', 's', new Uint8Array(15))).toThrow(RangeError);
  });

  test.each([0, 129, 144])('a hidden value of %i bytes is a bad attribute value', (n) => {
    expect(() => revealUserPassword(new Uint8Array(n), 's', new Uint8Array(16))).toThrow(expect.objectContaining({ reason: 'bad-attribute-value' }));
  });

  it('hide → reveal round-trips for any secret, authenticator and password without trailing NULs', () => {
    const password = fc.uint8Array({ maxLength: 128 }).filter((p) => p.length === 0 || p[p.length - 1] !== 0);
    fc.assert(fc.property(password, secretArb, authenticatorArb, (p, s, a) => {
      expect(toHex(revealUserPassword(hideUserPassword(p, s, a), s, a))).toBe(toHex(p));
    }));
  });
});

describe('salted hiding: Tunnel-Password (RFC 2868 §3.5) and MS-MPPE keys (RFC 2548 §2.4.2)', () => {
  const auth = hex('0f403f9473978057bd83d5cb98f4227a');
  const salt = hex('8123');

  it('Tunnel-Password with a fixed salt: layout and round trip', () => {
    const v = hideTunnelPassword(1, 'vlan-secret', 'xyzzy5461', auth, salt);
    // Tag, Salt, then one 16-byte block (length byte + 11 bytes + 4 of padding).
    expect(v).toHaveLength(1 + 2 + 16);
    expect(toHex(v.subarray(0, 3))).toBe('018123');
    const r = revealTunnelPassword(v, 'xyzzy5461', auth);
    expect(r.tag).toBe(1);
    expect(r.password.toString()).toBe('vlan-secret');
  });

  it('the first ciphertext block is p1 xor MD5(secret + request authenticator + salt)', async () => {
    const { createHash } = await import('node:crypto');
    const b1 = createHash('md5').update('xyzzy5461').update(auth).update(salt).digest();
    const v = hideMppeKey(hex('00112233'), 'xyzzy5461', auth, salt);
    const p1 = Buffer.alloc(16);
    p1.set([4, 0x00, 0x11, 0x22, 0x33]);
    expect(toHex(v.subarray(2))).toBe(toHex(Buffer.from(p1.map((x, i) => x ^ b1[i]!))));
  });

  it('a 32-byte MPPE key takes three blocks (length byte + 32 + padding)', () => {
    const key = new Uint8Array(32).fill(7);
    const v = hideMppeKey(key, 's', auth, salt);
    expect(v).toHaveLength(2 + 48);
    expect(toHex(revealMppeKey(v, 's', auth))).toBe(toHex(key));
  });

  it('refuses a salt without the high bit, and data over 239 bytes', () => {
    expect(() => hideMppeKey(new Uint8Array(1), 's', auth, hex('0123'))).toThrow(RangeError);
    expect(() => hideMppeKey(new Uint8Array(240), 's', auth, salt)).toThrow(RangeError);
  });

  test.each([
    ['no ciphertext', '8123'],
    ['partial block', '8123' + '00'.repeat(15)],
    ['empty', ''],
  ])('%s → bad attribute value', (_n, v) => {
    expect(() => saltDecrypt(hex(v), 's', auth)).toThrow(RadiusDecodeError);
  });

  it('a wrong secret is caught by the length byte or yields other bytes, never the key', () => {
    const key = new Uint8Array(32).fill(9);
    const v = hideMppeKey(key, 'right', auth, salt);
    try {
      expect(toHex(revealMppeKey(v, 'wrong', auth))).not.toBe(toHex(key));
    } catch (e) {
      expect(e).toBeInstanceOf(RadiusDecodeError);
    }
  });

  it('salts from one source are unique and have the high bit set', () => {
    const next = createSaltSource(() => Uint8Array.of(0xff, 0xfe));
    const salts = Array.from({ length: 1000 }, () => next());
    expect(new Set(salts.map(toHex)).size).toBe(1000);
    for (const s of salts) expect(s[0]! & 0x80).toBe(0x80);
  });

  it('Tunnel-Password and MPPE hide → reveal round-trip for any secret, authenticator, tag and value', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 239 }), secretArb, authenticatorArb, fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0x8000, max: 0xffff }), (p, s, a, tag, saltN) => {
      const salt = Uint8Array.of(saltN >> 8, saltN & 0xff);
      const t = revealTunnelPassword(hideTunnelPassword(tag, p, s, a, salt), s, a);
      expect(t.tag).toBe(tag);
      expect(toHex(t.password)).toBe(toHex(p));
      expect(toHex(revealMppeKey(hideMppeKey(p, s, a, salt), s, a))).toBe(toHex(p));
    }));
  });

  it('revealing arbitrary bytes returns or throws RadiusDecodeError only', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 260 }), (v) => {
      for (const f of [() => revealTunnelPassword(v, 's', auth), () => revealMppeKey(v, 's', auth), () => revealUserPassword(v, 's', auth)]) {
        try {
          f();
        } catch (e) {
          if (!(e instanceof RadiusDecodeError)) throw e;
        }
      }
    }));
  });
});
