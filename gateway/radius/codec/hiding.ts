/**
 * Attribute hiding: User-Password (RFC 2865 §5.2) and the salted scheme shared by Tunnel-Password
 * (RFC 2868 §3.5) and MS-MPPE-Send/Recv-Key (RFC 2548 §2.4.2–3). Both are an MD5 keystream over
 * the shared secret and the Access-Request's Request Authenticator, chained through the previous
 * ciphertext block. In responses, `requestAuthenticator` is still the request's.
 *
 * Hiding takes trusted local values (a too-long password is our bug: RangeError). Revealing takes
 * network bytes and throws RadiusDecodeError('bad-attribute-value') when they cannot be hidden
 * data, so a garbled attribute is one typed outcome like every other decode failure.
 */
import { randomBytes } from 'node:crypto';
import { RadiusDecodeError } from './decode-error.js';
import { md5 } from './md5.js';
import { RADIUS_AUTHENTICATOR_BYTES } from './packet.js';
import { secretBytes, type Secret } from './secret-key.js';

const BLOCK = 16;
/** RFC 2865 §5.2: "the password ... up to 128 characters". */
export const MAX_USER_PASSWORD_BYTES = 128;
/** Tag(1) Salt(2) then ≤ 250 bytes, rounded down to blocks: 240 = 1 length byte + 239 of data. */
export const MAX_SALTED_DATA_BYTES = 239;

function checkAuthenticator(a: Uint8Array): void {
  if (a.length !== RADIUS_AUTHENTICATOR_BYTES) throw new RangeError(`request authenticator must be 16 bytes, got ${a.length}`);
}

/**
 * XORs `data` with the chained keystream b1 = MD5(S + first), bi = MD5(S + c(i-1)). `encrypting`
 * says which side is the ciphertext that feeds the chain. A partial last block is allowed (some
 * NASes do not pad), as FreeRADIUS allows it.
 */
function chain(data: Uint8Array, secret: Buffer, first: Uint8Array, encrypting: boolean): Buffer {
  // Every byte is written below.
  const out = Buffer.allocUnsafe(data.length);
  let prev: Uint8Array = first;
  for (let at = 0; at < data.length; at += BLOCK) {
    const b = md5(secret, prev);
    const end = Math.min(at + BLOCK, data.length);
    for (let i = at; i < end; i++) out[i] = data[i]! ^ b[i - at]!;
    prev = encrypting ? out.subarray(at, end) : data.subarray(at, end);
  }
  return out;
}

const padToBlock = (b: Uint8Array): Buffer => {
  const n = Math.max(BLOCK, Math.ceil(b.length / BLOCK) * BLOCK);
  const out = Buffer.alloc(n);
  out.set(b);
  return out;
};

export function hideUserPassword(password: Uint8Array | string, secret: Secret, requestAuthenticator: Uint8Array): Buffer {
  checkAuthenticator(requestAuthenticator);
  const p = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  if (p.length > MAX_USER_PASSWORD_BYTES) throw new RangeError(`User-Password is ${p.length} bytes; the limit is ${MAX_USER_PASSWORD_BYTES}`);
  return chain(padToBlock(p), secretBytes(secret), requestAuthenticator, true);
}

/**
 * The password bytes, trailing NUL padding removed. A password that itself ends in NUL cannot be
 * told from padding: RFC 2865 has the same ambiguity.
 */
export function revealUserPassword(hidden: Uint8Array, secret: Secret, requestAuthenticator: Uint8Array): Buffer {
  checkAuthenticator(requestAuthenticator);
  if (hidden.length === 0 || hidden.length > MAX_USER_PASSWORD_BYTES) {
    throw new RadiusDecodeError('bad-attribute-value', `hidden User-Password is ${hidden.length} bytes, not 1–${MAX_USER_PASSWORD_BYTES}`);
  }
  const plain = chain(hidden, secretBytes(secret), requestAuthenticator, false);
  let end = plain.length;
  while (end > 0 && plain[end - 1] === 0) end--;
  return plain.subarray(0, end);
}

/**
 * Salts for one packet: the high bit set (RFC 2868 §3.5, RFC 2548 §2.4.2) and each one unique
 * within the packet. A random start then an increment gives 32768 distinct salts, far more than a
 * packet has room for. Make one source per packet.
 */
export function createSaltSource(random: (n: number) => Uint8Array = randomBytes): () => Buffer {
  const r = random(2);
  let next = ((r[0]! << 8) | r[1]!) & 0x7fff;
  return () => {
    const v = 0x8000 | next;
    next = (next + 1) & 0x7fff;
    return Buffer.from([v >>> 8, v & 0xff]);
  };
}

/** Salt(2) + ciphertext of Length(1) Data Padding; b1 = MD5(S + R + Salt). */
export function saltEncrypt(data: Uint8Array, secret: Secret, requestAuthenticator: Uint8Array, salt: Uint8Array): Buffer {
  checkAuthenticator(requestAuthenticator);
  if (salt.length !== 2 || (salt[0]! & 0x80) === 0) throw new RangeError('salt must be 2 bytes with the high bit set');
  if (data.length > MAX_SALTED_DATA_BYTES) throw new RangeError(`salted value is ${data.length} bytes; the limit is ${MAX_SALTED_DATA_BYTES}`);
  const plain = padToBlock(Buffer.concat([Uint8Array.of(data.length), data]));
  return Buffer.concat([salt, chain(plain, secretBytes(secret), Buffer.concat([requestAuthenticator, salt]), true)]);
}

/** Inverse of saltEncrypt on `salt + ciphertext`. The salt's high bit is not enforced on receipt. */
export function saltDecrypt(value: Uint8Array, secret: Secret, requestAuthenticator: Uint8Array): Buffer {
  checkAuthenticator(requestAuthenticator);
  const cipher = value.subarray(2);
  if (value.length < 2 || cipher.length === 0 || cipher.length % BLOCK !== 0) {
    throw new RadiusDecodeError('bad-attribute-value', `salted value has ${Math.max(0, cipher.length)} ciphertext bytes, not a positive multiple of 16`);
  }
  const plain = chain(cipher, secretBytes(secret), Buffer.concat([requestAuthenticator, value.subarray(0, 2)]), false);
  const length = plain[0]!;
  // A length past the plaintext means a wrong secret or a garbled attribute; say so, not truncate.
  if (length > plain.length - 1) throw new RadiusDecodeError('bad-attribute-value', `salted value claims ${length} bytes of ${plain.length - 1}`);
  return plain.subarray(1, 1 + length);
}

/** Tunnel-Password value: Tag(1) then the salted password. Tag 0 is sent as a 0 byte here. */
export function hideTunnelPassword(tag: number, password: Uint8Array | string, secret: Secret, requestAuthenticator: Uint8Array, salt: Uint8Array): Buffer {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0x1f) throw new RangeError(`RFC 2868 tag must be 0–31, got ${tag}`);
  const p = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  return Buffer.concat([Uint8Array.of(tag), saltEncrypt(p, secret, requestAuthenticator, salt)]);
}

export function revealTunnelPassword(value: Uint8Array, secret: Secret, requestAuthenticator: Uint8Array): { tag: number; password: Buffer } {
  if (value.length < 1) throw new RadiusDecodeError('bad-attribute-value', 'empty Tunnel-Password');
  return { tag: value[0]!, password: saltDecrypt(value.subarray(1), secret, requestAuthenticator) };
}

/** MS-MPPE-Send-Key / MS-MPPE-Recv-Key value (RFC 2548 §2.4.2–3): no tag, otherwise the same. */
export const hideMppeKey = saltEncrypt;
export const revealMppeKey = saltDecrypt;
