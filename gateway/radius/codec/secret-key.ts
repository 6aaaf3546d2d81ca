/**
 * A shared secret in the forms the per-packet hashes want: its bytes, and an HMAC-MD5 key whose
 * padded blocks are already hashed. Derived once per secret rather than once per packet.
 *
 * Byte secrets are remembered by identity (a NAS client's secret Buffer lives as long as the
 * client table that holds it), so such a Buffer must not be changed after its first use. String
 * secrets are remembered by value, in a small map that is simply emptied when it fills.
 */
import { HmacMd5Key } from './md5.js';

export type Secret = string | Uint8Array;

export interface SecretKey {
  readonly bytes: Buffer;
  readonly hmac: HmacMd5Key;
}

const MAX_STRING_SECRETS = 1024;
const byBytes = new WeakMap<Uint8Array, SecretKey>();
const byString = new Map<string, SecretKey>();

const derive = (bytes: Buffer): SecretKey => ({ bytes, hmac: new HmacMd5Key(bytes) });

export function secretKey(s: Secret): SecretKey {
  if (typeof s === 'string') {
    let k = byString.get(s);
    if (!k) {
      if (byString.size >= MAX_STRING_SECRETS) byString.clear();
      k = derive(Buffer.from(s, 'utf8'));
      byString.set(s, k);
    }
    return k;
  }
  let k = byBytes.get(s);
  if (!k) {
    k = derive(Buffer.from(s));
    byBytes.set(s, k);
  }
  return k;
}

export const secretBytes = (s: Secret): Buffer => secretKey(s).bytes;
