/**
 * MD5 (RFC 1321) and HMAC-MD5 (RFC 2104) in TypeScript, for RADIUS's per-packet authenticators.
 *
 * Why not node:crypto: every RADIUS answer needs three or four MD5s over ~100 bytes (the request's
 * Message-Authenticator, the User-Password keystream, the reply's Message-Authenticator and
 * Response Authenticator). OpenSSL 3 costs 1.5–3.5 µs per call here for fetching and setting up
 * the algorithm, against ~0.2 µs per 64-byte block of actual hashing: the set-up was a fifth of
 * the RADIUS server's CPU under MAB load. Here a call costs only its blocks, and an HMAC key's
 * padded blocks are hashed once per shared secret (`HmacMd5Key`), not once per packet.
 *
 * MD5 is broken for collisions; RADIUS uses it because RFC 2865 does. Use it for nothing else.
 */

const INIT = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476] as const;

/** One 64-byte block, the 16 words of `w` from word `o`, into the state `h` (in place). */
function compress(h: Int32Array, w: Int32Array, o: number): void {
  const x0 = w[o + 0]!, x1 = w[o + 1]!, x2 = w[o + 2]!, x3 = w[o + 3]!;
  const x4 = w[o + 4]!, x5 = w[o + 5]!, x6 = w[o + 6]!, x7 = w[o + 7]!;
  const x8 = w[o + 8]!, x9 = w[o + 9]!, x10 = w[o + 10]!, x11 = w[o + 11]!;
  const x12 = w[o + 12]!, x13 = w[o + 13]!, x14 = w[o + 14]!, x15 = w[o + 15]!;
  let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!;
  let t: number;
  t = (a + ((b & c) | (~b & d)) + x0 + (0xd76aa478 | 0)) | 0;
  a = (((t << 7) | (t >>> 25)) + b) | 0;
  t = (d + ((a & b) | (~a & c)) + x1 + (0xe8c7b756 | 0)) | 0;
  d = (((t << 12) | (t >>> 20)) + a) | 0;
  t = (c + ((d & a) | (~d & b)) + x2 + (0x242070db | 0)) | 0;
  c = (((t << 17) | (t >>> 15)) + d) | 0;
  t = (b + ((c & d) | (~c & a)) + x3 + (0xc1bdceee | 0)) | 0;
  b = (((t << 22) | (t >>> 10)) + c) | 0;
  t = (a + ((b & c) | (~b & d)) + x4 + (0xf57c0faf | 0)) | 0;
  a = (((t << 7) | (t >>> 25)) + b) | 0;
  t = (d + ((a & b) | (~a & c)) + x5 + (0x4787c62a | 0)) | 0;
  d = (((t << 12) | (t >>> 20)) + a) | 0;
  t = (c + ((d & a) | (~d & b)) + x6 + (0xa8304613 | 0)) | 0;
  c = (((t << 17) | (t >>> 15)) + d) | 0;
  t = (b + ((c & d) | (~c & a)) + x7 + (0xfd469501 | 0)) | 0;
  b = (((t << 22) | (t >>> 10)) + c) | 0;
  t = (a + ((b & c) | (~b & d)) + x8 + (0x698098d8 | 0)) | 0;
  a = (((t << 7) | (t >>> 25)) + b) | 0;
  t = (d + ((a & b) | (~a & c)) + x9 + (0x8b44f7af | 0)) | 0;
  d = (((t << 12) | (t >>> 20)) + a) | 0;
  t = (c + ((d & a) | (~d & b)) + x10 + (0xffff5bb1 | 0)) | 0;
  c = (((t << 17) | (t >>> 15)) + d) | 0;
  t = (b + ((c & d) | (~c & a)) + x11 + (0x895cd7be | 0)) | 0;
  b = (((t << 22) | (t >>> 10)) + c) | 0;
  t = (a + ((b & c) | (~b & d)) + x12 + (0x6b901122 | 0)) | 0;
  a = (((t << 7) | (t >>> 25)) + b) | 0;
  t = (d + ((a & b) | (~a & c)) + x13 + (0xfd987193 | 0)) | 0;
  d = (((t << 12) | (t >>> 20)) + a) | 0;
  t = (c + ((d & a) | (~d & b)) + x14 + (0xa679438e | 0)) | 0;
  c = (((t << 17) | (t >>> 15)) + d) | 0;
  t = (b + ((c & d) | (~c & a)) + x15 + (0x49b40821 | 0)) | 0;
  b = (((t << 22) | (t >>> 10)) + c) | 0;
  t = (a + ((b & d) | (c & ~d)) + x1 + (0xf61e2562 | 0)) | 0;
  a = (((t << 5) | (t >>> 27)) + b) | 0;
  t = (d + ((a & c) | (b & ~c)) + x6 + (0xc040b340 | 0)) | 0;
  d = (((t << 9) | (t >>> 23)) + a) | 0;
  t = (c + ((d & b) | (a & ~b)) + x11 + (0x265e5a51 | 0)) | 0;
  c = (((t << 14) | (t >>> 18)) + d) | 0;
  t = (b + ((c & a) | (d & ~a)) + x0 + (0xe9b6c7aa | 0)) | 0;
  b = (((t << 20) | (t >>> 12)) + c) | 0;
  t = (a + ((b & d) | (c & ~d)) + x5 + (0xd62f105d | 0)) | 0;
  a = (((t << 5) | (t >>> 27)) + b) | 0;
  t = (d + ((a & c) | (b & ~c)) + x10 + (0x02441453 | 0)) | 0;
  d = (((t << 9) | (t >>> 23)) + a) | 0;
  t = (c + ((d & b) | (a & ~b)) + x15 + (0xd8a1e681 | 0)) | 0;
  c = (((t << 14) | (t >>> 18)) + d) | 0;
  t = (b + ((c & a) | (d & ~a)) + x4 + (0xe7d3fbc8 | 0)) | 0;
  b = (((t << 20) | (t >>> 12)) + c) | 0;
  t = (a + ((b & d) | (c & ~d)) + x9 + (0x21e1cde6 | 0)) | 0;
  a = (((t << 5) | (t >>> 27)) + b) | 0;
  t = (d + ((a & c) | (b & ~c)) + x14 + (0xc33707d6 | 0)) | 0;
  d = (((t << 9) | (t >>> 23)) + a) | 0;
  t = (c + ((d & b) | (a & ~b)) + x3 + (0xf4d50d87 | 0)) | 0;
  c = (((t << 14) | (t >>> 18)) + d) | 0;
  t = (b + ((c & a) | (d & ~a)) + x8 + (0x455a14ed | 0)) | 0;
  b = (((t << 20) | (t >>> 12)) + c) | 0;
  t = (a + ((b & d) | (c & ~d)) + x13 + (0xa9e3e905 | 0)) | 0;
  a = (((t << 5) | (t >>> 27)) + b) | 0;
  t = (d + ((a & c) | (b & ~c)) + x2 + (0xfcefa3f8 | 0)) | 0;
  d = (((t << 9) | (t >>> 23)) + a) | 0;
  t = (c + ((d & b) | (a & ~b)) + x7 + (0x676f02d9 | 0)) | 0;
  c = (((t << 14) | (t >>> 18)) + d) | 0;
  t = (b + ((c & a) | (d & ~a)) + x12 + (0x8d2a4c8a | 0)) | 0;
  b = (((t << 20) | (t >>> 12)) + c) | 0;
  t = (a + (b ^ c ^ d) + x5 + (0xfffa3942 | 0)) | 0;
  a = (((t << 4) | (t >>> 28)) + b) | 0;
  t = (d + (a ^ b ^ c) + x8 + (0x8771f681 | 0)) | 0;
  d = (((t << 11) | (t >>> 21)) + a) | 0;
  t = (c + (d ^ a ^ b) + x11 + (0x6d9d6122 | 0)) | 0;
  c = (((t << 16) | (t >>> 16)) + d) | 0;
  t = (b + (c ^ d ^ a) + x14 + (0xfde5380c | 0)) | 0;
  b = (((t << 23) | (t >>> 9)) + c) | 0;
  t = (a + (b ^ c ^ d) + x1 + (0xa4beea44 | 0)) | 0;
  a = (((t << 4) | (t >>> 28)) + b) | 0;
  t = (d + (a ^ b ^ c) + x4 + (0x4bdecfa9 | 0)) | 0;
  d = (((t << 11) | (t >>> 21)) + a) | 0;
  t = (c + (d ^ a ^ b) + x7 + (0xf6bb4b60 | 0)) | 0;
  c = (((t << 16) | (t >>> 16)) + d) | 0;
  t = (b + (c ^ d ^ a) + x10 + (0xbebfbc70 | 0)) | 0;
  b = (((t << 23) | (t >>> 9)) + c) | 0;
  t = (a + (b ^ c ^ d) + x13 + (0x289b7ec6 | 0)) | 0;
  a = (((t << 4) | (t >>> 28)) + b) | 0;
  t = (d + (a ^ b ^ c) + x0 + (0xeaa127fa | 0)) | 0;
  d = (((t << 11) | (t >>> 21)) + a) | 0;
  t = (c + (d ^ a ^ b) + x3 + (0xd4ef3085 | 0)) | 0;
  c = (((t << 16) | (t >>> 16)) + d) | 0;
  t = (b + (c ^ d ^ a) + x6 + (0x04881d05 | 0)) | 0;
  b = (((t << 23) | (t >>> 9)) + c) | 0;
  t = (a + (b ^ c ^ d) + x9 + (0xd9d4d039 | 0)) | 0;
  a = (((t << 4) | (t >>> 28)) + b) | 0;
  t = (d + (a ^ b ^ c) + x12 + (0xe6db99e5 | 0)) | 0;
  d = (((t << 11) | (t >>> 21)) + a) | 0;
  t = (c + (d ^ a ^ b) + x15 + (0x1fa27cf8 | 0)) | 0;
  c = (((t << 16) | (t >>> 16)) + d) | 0;
  t = (b + (c ^ d ^ a) + x2 + (0xc4ac5665 | 0)) | 0;
  b = (((t << 23) | (t >>> 9)) + c) | 0;
  t = (a + (c ^ (b | ~d)) + x0 + (0xf4292244 | 0)) | 0;
  a = (((t << 6) | (t >>> 26)) + b) | 0;
  t = (d + (b ^ (a | ~c)) + x7 + (0x432aff97 | 0)) | 0;
  d = (((t << 10) | (t >>> 22)) + a) | 0;
  t = (c + (a ^ (d | ~b)) + x14 + (0xab9423a7 | 0)) | 0;
  c = (((t << 15) | (t >>> 17)) + d) | 0;
  t = (b + (d ^ (c | ~a)) + x5 + (0xfc93a039 | 0)) | 0;
  b = (((t << 21) | (t >>> 11)) + c) | 0;
  t = (a + (c ^ (b | ~d)) + x12 + (0x655b59c3 | 0)) | 0;
  a = (((t << 6) | (t >>> 26)) + b) | 0;
  t = (d + (b ^ (a | ~c)) + x3 + (0x8f0ccc92 | 0)) | 0;
  d = (((t << 10) | (t >>> 22)) + a) | 0;
  t = (c + (a ^ (d | ~b)) + x10 + (0xffeff47d | 0)) | 0;
  c = (((t << 15) | (t >>> 17)) + d) | 0;
  t = (b + (d ^ (c | ~a)) + x1 + (0x85845dd1 | 0)) | 0;
  b = (((t << 21) | (t >>> 11)) + c) | 0;
  t = (a + (c ^ (b | ~d)) + x8 + (0x6fa87e4f | 0)) | 0;
  a = (((t << 6) | (t >>> 26)) + b) | 0;
  t = (d + (b ^ (a | ~c)) + x15 + (0xfe2ce6e0 | 0)) | 0;
  d = (((t << 10) | (t >>> 22)) + a) | 0;
  t = (c + (a ^ (d | ~b)) + x6 + (0xa3014314 | 0)) | 0;
  c = (((t << 15) | (t >>> 17)) + d) | 0;
  t = (b + (d ^ (c | ~a)) + x13 + (0x4e0811a1 | 0)) | 0;
  b = (((t << 21) | (t >>> 11)) + c) | 0;
  t = (a + (c ^ (b | ~d)) + x4 + (0xf7537e82 | 0)) | 0;
  a = (((t << 6) | (t >>> 26)) + b) | 0;
  t = (d + (b ^ (a | ~c)) + x11 + (0xbd3af235 | 0)) | 0;
  d = (((t << 10) | (t >>> 22)) + a) | 0;
  t = (c + (a ^ (d | ~b)) + x2 + (0x2ad7d2bb | 0)) | 0;
  c = (((t << 15) | (t >>> 17)) + d) | 0;
  t = (b + (d ^ (c | ~a)) + x9 + (0xeb86d391 | 0)) | 0;
  b = (((t << 21) | (t >>> 11)) + c) | 0;
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
}

/**
 * Messages are gathered into one scratch buffer and padded there, so a hash allocates nothing but
 * its result. Safe because every call runs to completion synchronously.
 */
let scratch = new Uint8Array(8192);
let words = new Int32Array(scratch.buffer);
const state = new Int32Array(4);

/** MD5 reads little-endian words; a big-endian host byte-swaps the scratch before hashing it. */
const BIG_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 0;

function hashBlocks(h: Int32Array, bytes: Uint8Array, w: Int32Array, end: number): void {
  if (BIG_ENDIAN) for (let i = 0; i < end; i += 4) bytes.subarray(i, i + 4).reverse();
  for (let o = 0; o < end; o += 64) compress(h, w, o >>> 2);
}

function gather(parts: readonly Uint8Array[]): number {
  let len = 0;
  for (const p of parts) len += p.length;
  if (len + 72 > scratch.length) {
    scratch = new Uint8Array(len + 72 + 4096);
    words = new Int32Array(scratch.buffer);
  }
  let at = 0;
  for (const p of parts) {
    scratch.set(p, at);
    at += p.length;
  }
  return len;
}

/** Pads the `len` bytes in scratch (after `prefix` bytes already hashed into h) and hashes them. */
function finish(h: Int32Array, len: number, prefix: number): void {
  const b = scratch;
  const bits = (len + prefix) * 8;
  b[len] = 0x80;
  const end = (((len + 8) >>> 6) + 1) * 64;
  // A loop, not fill(): for the few bytes here the builtin's call cost more than the zeroing.
  for (let i = len + 1; i < end - 8; i++) b[i] = 0;
  // The 64-bit little-endian bit length; messages here are far below 2^53 bits.
  const lo = bits >>> 0;
  const hi = Math.floor(bits / 0x1_0000_0000) >>> 0;
  b[end - 8] = lo; b[end - 7] = lo >>> 8; b[end - 6] = lo >>> 16; b[end - 5] = lo >>> 24;
  b[end - 4] = hi; b[end - 3] = hi >>> 8; b[end - 2] = hi >>> 16; b[end - 1] = hi >>> 24;
  hashBlocks(h, b, words, end);
}

function output(h: Int32Array): Buffer {
  const out = Buffer.allocUnsafe(16);
  for (let i = 0; i < 4; i++) out.writeInt32LE(h[i]!, i * 4);
  return out;
}

/** MD5 over the concatenation of `parts`. */
export function md5(...parts: Uint8Array[]): Buffer {
  state.set(INIT);
  finish(state, gather(parts), 0);
  return output(state);
}

/** An HMAC-MD5 key with its inner and outer padded blocks already hashed. */
export class HmacMd5Key {
  private readonly inner = Int32Array.from(INIT);
  private readonly outer = Int32Array.from(INIT);

  constructor(key: Uint8Array) {
    const k = key.length > 64 ? md5(key) : key;
    const pad = new Uint8Array(64);
    for (const [h, fill] of [[this.inner, 0x36], [this.outer, 0x5c]] as const) {
      pad.fill(fill);
      for (let i = 0; i < k.length; i++) pad[i]! ^= k[i]!;
      hashBlocks(h, pad, new Int32Array(pad.buffer), 64);
    }
  }

  /** HMAC-MD5 over the concatenation of `parts`. */
  mac(...parts: Uint8Array[]): Buffer {
    state.set(this.inner);
    finish(state, gather(parts), 64);
    for (let i = 0; i < 4; i++) {
      const w = state[i]!;
      scratch[i * 4] = w; scratch[i * 4 + 1] = w >>> 8; scratch[i * 4 + 2] = w >>> 16; scratch[i * 4 + 3] = w >>> 24;
    }
    state.set(this.outer);
    finish(state, 16, 64);
    return output(state);
  }
}
