import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HmacMd5Key, md5 } from './md5.js';
import { secretKey } from './secret-key.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('md5', () => {
  it('matches the RFC 1321 §A.5 test suite', () => {
    const suite: [string, string][] = [
      ['', 'd41d8cd98f00b204e9800998ecf8427e'],
      ['a', '0cc175b9c0f1b6a831c399e269772661'],
      ['abc', '900150983cd24fb0d6963f7d28e17f72'],
      ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
      ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
      ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
      ['1234567890'.repeat(8), '57edf4a22be3c955ac49da2e2107b67a'],
    ];
    for (const [input, digest] of suite) expect(hex(md5(ascii(input))), input).toBe(digest);
  });

  it('agrees with OpenSSL for any message split into any parts, across every padding boundary', () => {
    const parts = fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 5 });
    fc.assert(
      fc.property(parts, (ps) => {
        const whole = Buffer.concat(ps);
        expect(hex(md5(...ps))).toBe(createHash('md5').update(whole).digest('hex'));
      }),
      { numRuns: 2000 },
    );
    for (let n = 0; n <= 200; n++) {
      const m = Buffer.alloc(n, n);
      expect(hex(md5(m)), `${n} bytes`).toBe(createHash('md5').update(m).digest('hex'));
    }
  });

  it('hashes a message bigger than its scratch buffer', () => {
    const big = Buffer.alloc(20_000, 0xa5);
    expect(hex(md5(big))).toBe(createHash('md5').update(big).digest('hex'));
    expect(hex(md5(ascii('abc')))).toBe('900150983cd24fb0d6963f7d28e17f72');
  });
});

describe('HmacMd5Key', () => {
  it('matches the RFC 2202 §2 HMAC-MD5 test cases', () => {
    const cases: [Buffer, Buffer, string][] = [
      [Buffer.alloc(16, 0x0b), ascii('Hi There'), '9294727a3638bb1c13f48ef8158bfc9d'],
      [ascii('Jefe'), ascii('what do ya want for nothing?'), '750c783e6ab0b503eaa86e310a5db738'],
      [Buffer.alloc(16, 0xaa), Buffer.alloc(50, 0xdd), '56be34521d144c88dbb8c733f0e8b3f6'],
      [Buffer.from('0102030405060708090a0b0c0d0e0f10111213141516171819', 'hex'), Buffer.alloc(50, 0xcd), '697eaf0aca3a3aea3a75164746ffaa79'],
      [Buffer.alloc(80, 0xaa), ascii('Test Using Larger Than Block-Size Key - Hash Key First'), '6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd'],
      [Buffer.alloc(80, 0xaa), ascii('Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data'), '6f630fad67cda0ee1fb1f562db3aa53e'],
    ];
    for (const [key, data, digest] of cases) expect(hex(new HmacMd5Key(key).mac(data))).toBe(digest);
  });

  it('agrees with OpenSSL for any key and message, and a key can be used again and again', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 150 }), fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 4 }), (key, ps) => {
        const k = new HmacMd5Key(key);
        const expected = createHmac('md5', key).update(Buffer.concat(ps)).digest('hex');
        expect(hex(k.mac(...ps))).toBe(expected);
        expect(hex(k.mac(Buffer.concat(ps)))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('secretKey', () => {
  it('derives a string secret and its UTF-8 bytes to the same key', () => {
    const s = 'søme-shared-secret-0123456789';
    const data = ascii('packet');
    expect(secretKey(s).bytes.equals(Buffer.from(s, 'utf8'))).toBe(true);
    expect(hex(secretKey(s).hmac.mac(data))).toBe(hex(secretKey(Buffer.from(s, 'utf8')).hmac.mac(data)));
    expect(secretKey(s)).toBe(secretKey(s));
  });

  it('keeps working past the string cache bound', () => {
    for (let i = 0; i < 3000; i++) {
      const s = `secret-${i}-0123456789abcdef`;
      expect(hex(secretKey(s).hmac.mac(ascii('x')))).toBe(createHmac('md5', s).update('x').digest('hex'));
    }
  });
});
