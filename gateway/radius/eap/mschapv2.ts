/**
 * MS-CHAPv2 (RFC 2759) as the authenticator computes it: the NT hash of a password, the
 * NT-Response a peer must have sent, and the "S=" authenticator response that proves to the peer
 * that we know its password hash too.
 *
 * DES-ECB and MD4 are not in OpenSSL 3's default provider; single DES is DES-EDE with both keys
 * equal (E_k(D_k(E_k(x))) = E_k(x)), and DES-EDE is still in the default provider. MD4 is our own
 * (md4.ts). The RFC 2759 §9.2 vectors are the reference for all of it (mschapv2.test.ts).
 */
import { createCipheriv, createHash, timingSafeEqual } from 'node:crypto';
import { md4, ntHashOf } from '../../../policy/util/md4.js';

/** NtPasswordHash (RFC 2759 §8.3): MD4 of the UTF-16LE password; what a local user store keeps. */
export { ntHashOf };

/** ChallengeHash (§8.2): the first 8 bytes of SHA-1(PeerChallenge | AuthenticatorChallenge | UserName). */
export function challengeHash(peerChallenge: Uint8Array, authenticatorChallenge: Uint8Array, userName: string): Buffer {
  return createHash('sha1').update(peerChallenge).update(authenticatorChallenge).update(Buffer.from(stripDomain(userName), 'utf8')).digest().subarray(0, 8);
}

/** Windows peers send DOMAIN\user and hash only the user part (§8.2 "the user name ... without domain"). */
export function stripDomain(userName: string): string {
  const at = userName.lastIndexOf('\\');
  return at >= 0 ? userName.slice(at + 1) : userName;
}

/** A 7-byte DES key spread over 8 bytes, parity bits left as zero (DES ignores them). */
function desKey(seven: Uint8Array): Buffer {
  const k = Buffer.alloc(8);
  let bits = 0n;
  for (const b of seven) bits = (bits << 8n) | BigInt(b);
  for (let i = 0; i < 8; i++) k[i] = Number((bits >> BigInt(49 - 7 * i)) & 0x7fn) << 1;
  return k;
}

function desEncrypt(block: Uint8Array, seven: Uint8Array): Buffer {
  const k = desKey(seven);
  const c = createCipheriv('des-ede-ecb', Buffer.concat([k, k]), null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

/** ChallengeResponse (§8.5): the 8-byte challenge DES-encrypted under three slices of the zero-padded hash. */
export function challengeResponse(challenge: Uint8Array, ntHash: Uint8Array): Buffer {
  const z = Buffer.alloc(21);
  z.set(ntHash.subarray(0, 16));
  return Buffer.concat([desEncrypt(challenge, z.subarray(0, 7)), desEncrypt(challenge, z.subarray(7, 14)), desEncrypt(challenge, z.subarray(14, 21))]);
}

/** GenerateNTResponse (§8.1). */
export function ntResponse(authenticatorChallenge: Uint8Array, peerChallenge: Uint8Array, userName: string, ntHash: Uint8Array): Buffer {
  return challengeResponse(challengeHash(peerChallenge, authenticatorChallenge, userName), ntHash);
}

const MAGIC1 = Buffer.from('Magic server to client signing constant', 'ascii');
const MAGIC2 = Buffer.from('Pad to make it do more than one iteration', 'ascii');

/** GenerateAuthenticatorResponse (§8.7): "S=" and 40 upper-case hex digits. */
export function authenticatorResponse(ntHash: Uint8Array, ntResp: Uint8Array, peerChallenge: Uint8Array, authenticatorChallenge: Uint8Array, userName: string): string {
  const hashHash = md4(ntHash);
  const digest = createHash('sha1').update(hashHash).update(ntResp).update(MAGIC1).digest();
  const final = createHash('sha1').update(digest).update(challengeHash(peerChallenge, authenticatorChallenge, userName)).update(MAGIC2).digest();
  return `S=${final.toString('hex').toUpperCase()}`;
}

/** Whether the peer's NT-Response proves the password; compared in constant time. */
export function verifyNtResponse(authenticatorChallenge: Uint8Array, peerChallenge: Uint8Array, userName: string, ntHash: Uint8Array, received: Uint8Array): boolean {
  const expected = ntResponse(authenticatorChallenge, peerChallenge, userName, ntHash);
  return received.length === expected.length && timingSafeEqual(expected, received);
}
