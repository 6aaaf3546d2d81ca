/**
 * MD4 (RFC 1320), for the NT hash of MS-CHAPv2 only. OpenSSL 3 moved MD4 to its legacy
 * provider, which Node 20 does not load, so `createHash('md4')` throws here; MS-CHAPv2 cannot
 * work without it. Never use it for anything but that interoperability.
 */
const rotl = (x: number, n: number): number => ((x << n) | (x >>> (32 - n))) >>> 0;

export function md4(message: Uint8Array): Buffer {
  const bitLength = message.length * 8;
  // Padding: 0x80, zeros to 56 mod 64, then the 64-bit little-endian bit length.
  const padded = Buffer.alloc(((message.length + 8) >>> 6) * 64 + 64);
  padded.set(message);
  padded[message.length] = 0x80;
  padded.writeUInt32LE(bitLength >>> 0, padded.length - 8);
  padded.writeUInt32LE(Math.floor(bitLength / 0x1_0000_0000) >>> 0, padded.length - 4);

  let a = 0x67452301;
  let b = 0xefcdab89;
  let c = 0x98badcfe;
  let d = 0x10325476;
  const x = new Uint32Array(16);
  const f = (p: number, q: number, r: number): number => (p & q) | (~p & r);
  const g = (p: number, q: number, r: number): number => (p & q) | (p & r) | (q & r);
  const h = (p: number, q: number, r: number): number => p ^ q ^ r;
  for (let block = 0; block < padded.length; block += 64) {
    for (let i = 0; i < 16; i++) x[i] = padded.readUInt32LE(block + i * 4);
    const [aa, bb, cc, dd] = [a, b, c, d];
    const r1 = [3, 7, 11, 19];
    for (let i = 0; i < 16; i++) {
      const t = rotl((a + f(b, c, d) + x[i]!) >>> 0, r1[i % 4]!);
      [a, b, c, d] = [d, t, b, c];
    }
    const r2 = [3, 5, 9, 13];
    for (let i = 0; i < 16; i++) {
      const k = (i % 4) * 4 + (i >> 2);
      const t = rotl((a + g(b, c, d) + x[k]! + 0x5a827999) >>> 0, r2[i % 4]!);
      [a, b, c, d] = [d, t, b, c];
    }
    const r3 = [3, 9, 11, 15];
    const order = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];
    for (let i = 0; i < 16; i++) {
      const t = rotl((a + h(b, c, d) + x[order[i]!]! + 0x6ed9eba1) >>> 0, r3[i % 4]!);
      [a, b, c, d] = [d, t, b, c];
    }
    a = (a + aa) >>> 0;
    b = (b + bb) >>> 0;
    c = (c + cc) >>> 0;
    d = (d + dd) >>> 0;
  }
  const out = Buffer.alloc(16);
  out.writeUInt32LE(a, 0);
  out.writeUInt32LE(b, 4);
  out.writeUInt32LE(c, 8);
  out.writeUInt32LE(d, 12);
  return out;
}

/** The NT hash (MD4 of the UTF-16LE password) MS-CHAPv2 works from. */
export const ntHashOf = (password: string): Buffer => md4(Buffer.from(password, 'utf16le'));
