/**
 * Packet authentication: the Response Authenticator (RFC 2865 §3), the Accounting/CoA/Disconnect
 * Request Authenticator (RFC 2866 §3, RFC 5176 §2.3) and Message-Authenticator (RFC 3579 §3.2,
 * RFC 5176 §3.4), plus encoders that sign in the right order.
 *
 * Two orders exist, and getting them backwards is the bug that made the npm `radius` package
 * reject FreeRADIUS's CoA requests:
 * - Access-Request, Status-Server: the Request Authenticator is random; Message-Authenticator is
 *   the HMAC over the packet as sent.
 * - Accounting-Request, CoA-Request, Disconnect-Request: the HMAC is computed FIRST, over the
 *   packet with the authenticator field zeroed; then the Request Authenticator is MD5 over the
 *   packet holding the final HMAC (again with the field zeroed) and the secret.
 * - Responses: the HMAC uses the request's authenticator in the field, then the Response
 *   Authenticator is MD5 over the packet holding the final HMAC.
 *
 * Every response and request we sign carries Message-Authenticator as its FIRST attribute
 * (BlastRADIUS, CVE-2024-3596: an attacker's chosen-prefix collision needs attributes before it).
 * Verifiers return booleans and compare bytes in constant time, never through strings.
 */
import { randomBytes } from 'node:crypto';
import { withoutType } from './attributes.js';
import { equalBytes } from './equal-bytes.js';
import { md5 } from './md5.js';
import { secretKey, type Secret, type SecretKey } from './secret-key.js';
import {
  AUTHENTICATOR_OFFSET, RADIUS_AUTHENTICATOR_BYTES, RADIUS_CODE, attributeSpans, encodePacket, isRadiusCode, isRequestCode, packetBytes,
  type RadiusAttribute, type RadiusCode,
} from './packet.js';

export const MESSAGE_AUTHENTICATOR = 80;
const MA_BYTES = 16;
const ZERO_AUTH = Buffer.alloc(RADIUS_AUTHENTICATOR_BYTES);
const ZERO_MA = Buffer.alloc(MA_BYTES);

/** Requests whose Request Authenticator is an MD5 over the packet rather than random bytes. */
const HASHED_REQUESTS: ReadonlySet<number> = new Set([RADIUS_CODE.ACCOUNTING_REQUEST, RADIUS_CODE.COA_REQUEST, RADIUS_CODE.DISCONNECT_REQUEST]);

/** True for Accounting-, CoA- and Disconnect-Request: authenticator zeroed, HMAC before MD5. */
export function hasHashedRequestAuthenticator(code: number): boolean {
  return HASHED_REQUESTS.has(code);
}

const hmac = (secret: SecretKey, data: Uint8Array): Buffer => secret.hmac.mac(data);

/** Offset of the one Message-Authenticator value; undefined when absent, duplicated or not 16 bytes. */
function messageAuthenticatorOffset(pkt: Buffer): number | undefined {
  let found: number | undefined;
  for (const s of attributeSpans(pkt)) {
    if (s.type !== MESSAGE_AUTHENTICATOR) continue;
    // RFC 3579 §3.2: exactly one, of Length 18. Two would let an attacker choose which is checked.
    if (found !== undefined || s.length !== 2 + MA_BYTES) return undefined;
    found = s.offset + 2;
  }
  return found;
}

/** Runs a check on the length-cut packet; a packet that does not decode verifies as false. */
function guarded(datagram: Uint8Array, f: (pkt: Buffer) => boolean): boolean {
  try {
    return f(packetBytes(datagram));
  } catch {
    return false;
  }
}

/**
 * Verifies Message-Authenticator. For responses pass the authenticator of the request we sent;
 * without it a response never verifies. False when the attribute is absent: callers that allow
 * legacy NASes check `hasMessageAuthenticator` first, deliberately.
 */
export function verifyMessageAuthenticator(datagram: Uint8Array, secret: Secret, requestAuthenticator?: Uint8Array): boolean {
  return guarded(datagram, (pkt) => {
    const code = pkt[0]!;
    if (!isRadiusCode(code)) return false;
    const at = messageAuthenticatorOffset(pkt);
    if (at === undefined) return false;
    const claimed = pkt.subarray(at, at + MA_BYTES);
    if (isRequestCode(code) && !HASHED_REQUESTS.has(code)) {
      // Access-Request, Status-Server: the packet as sent with the attribute zeroed, no copy.
      return equalBytes(secretKey(secret).hmac.mac(pkt.subarray(0, at), ZERO_MA, pkt.subarray(at + MA_BYTES)), claimed);
    }
    const copy = Buffer.from(pkt);
    copy.fill(0, at, at + MA_BYTES);
    if (!isRequestCode(code)) {
      if (requestAuthenticator?.length !== RADIUS_AUTHENTICATOR_BYTES) return false;
      copy.set(requestAuthenticator, AUTHENTICATOR_OFFSET);
    } else if (HASHED_REQUESTS.has(code)) {
      copy.fill(0, AUTHENTICATOR_OFFSET, AUTHENTICATOR_OFFSET + RADIUS_AUTHENTICATOR_BYTES);
    }
    return equalBytes(hmac(secretKey(secret), copy), claimed);
  });
}

export function hasMessageAuthenticator(attributes: readonly RadiusAttribute[]): boolean {
  return attributes.some((a) => a.type === MESSAGE_AUTHENTICATOR);
}

/** MD5(Code+Identifier+Length+`auth`+Attributes+Secret) for a packet, with `auth` in the field. */
function md5Authenticator(pkt: Uint8Array, auth: Uint8Array, secret: Buffer): Buffer {
  return md5(pkt.subarray(0, AUTHENTICATOR_OFFSET), auth, pkt.subarray(AUTHENTICATOR_OFFSET + RADIUS_AUTHENTICATOR_BYTES), secret);
}

const authField = (pkt: Buffer): Buffer => pkt.subarray(AUTHENTICATOR_OFFSET, AUTHENTICATOR_OFFSET + RADIUS_AUTHENTICATOR_BYTES);

/** Accounting-, CoA- and Disconnect-Request: the authenticator is MD5 over the zeroed packet. */
export function verifyRequestAuthenticator(datagram: Uint8Array, secret: Secret): boolean {
  return guarded(datagram, (pkt) => HASHED_REQUESTS.has(pkt[0]!) && equalBytes(md5Authenticator(pkt, ZERO_AUTH, secretKey(secret).bytes), authField(pkt)));
}

/** A response to our request, whose authenticator we kept (RFC 2865 §3 Response Authenticator). */
export function verifyResponseAuthenticator(datagram: Uint8Array, requestAuthenticator: Uint8Array, secret: Secret): boolean {
  if (requestAuthenticator.length !== RADIUS_AUTHENTICATOR_BYTES) return false;
  return guarded(datagram, (pkt) => isRadiusCode(pkt[0]!) && !isRequestCode(pkt[0]! as RadiusCode) && equalBytes(md5Authenticator(pkt, requestAuthenticator, secretKey(secret).bytes), authField(pkt)));
}

export interface UnsignedPacket {
  code: RadiusCode;
  identifier: number;
  /** Any Message-Authenticator here is dropped: the signer places its own, first. */
  attributes: RadiusAttribute[];
}

export interface SignOptions {
  /** Default true. False only for a NAS profile explicitly marked legacy. */
  messageAuthenticator?: boolean;
}

/** Encodes with a zeroed Message-Authenticator first (when wanted) and returns its value offset. */
function layout(p: UnsignedPacket, authenticator: Uint8Array, withMa: boolean): { pkt: Buffer; maAt: number | undefined } {
  const rest = withoutType(p.attributes, MESSAGE_AUTHENTICATOR);
  // The zeroed placeholder is only copied into the packet, where the HMAC then replaces it.
  const attributes = withMa ? [{ type: MESSAGE_AUTHENTICATOR, value: ZERO_MA }, ...rest] : rest;
  const pkt = encodePacket({ code: p.code, identifier: p.identifier, authenticator, attributes });
  return { pkt, maAt: withMa ? AUTHENTICATOR_OFFSET + RADIUS_AUTHENTICATOR_BYTES + 2 : undefined };
}

/**
 * Encodes and signs a response to the request whose authenticator is given: HMAC over the packet
 * with the request authenticator in place, then the Response Authenticator over the final bytes.
 */
export function encodeResponse(p: UnsignedPacket, requestAuthenticator: Uint8Array, secret: Secret, opts: SignOptions = {}): Buffer {
  if (isRequestCode(p.code)) throw new RangeError(`code ${p.code} is a request, not a response`);
  if (requestAuthenticator.length !== RADIUS_AUTHENTICATOR_BYTES) throw new RangeError('request authenticator must be 16 bytes');
  const s = secretKey(secret);
  const { pkt, maAt } = layout(p, requestAuthenticator, opts.messageAuthenticator ?? true);
  if (maAt !== undefined) pkt.set(hmac(s, pkt), maAt);
  pkt.set(md5(pkt, s.bytes), AUTHENTICATOR_OFFSET);
  return pkt;
}

/**
 * Encodes and signs a request. Access-Request and Status-Server use `authenticator` (random when
 * omitted; pass it when User-Password was hidden with it). Accounting, CoA and Disconnect ignore
 * it: their authenticator is computed, after the HMAC, over the zeroed field.
 */
export function encodeRequest(p: UnsignedPacket, secret: Secret, opts: SignOptions & { authenticator?: Uint8Array } = {}): Buffer {
  if (!isRequestCode(p.code)) throw new RangeError(`code ${p.code} is a response, not a request`);
  const s = secretKey(secret);
  const hashed = HASHED_REQUESTS.has(p.code);
  const auth = hashed ? ZERO_AUTH : (opts.authenticator ?? randomBytes(RADIUS_AUTHENTICATOR_BYTES));
  const { pkt, maAt } = layout(p, auth, opts.messageAuthenticator ?? true);
  if (maAt !== undefined) pkt.set(hmac(s, pkt), maAt);
  if (hashed) pkt.set(md5(pkt, s.bytes), AUTHENTICATOR_OFFSET);
  return pkt;
}
