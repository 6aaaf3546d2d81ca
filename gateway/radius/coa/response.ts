/**
 * Judging a datagram that arrived on the client's socket: is it the verified answer to a request
 * we have in flight, and if so ACK or NAK with which Error-Cause. Pure: no socket, no state, so
 * the property test can throw anything at it.
 *
 * Message-Authenticator in a response is optional here: RFC 5176 does not require it, and
 * FreeRADIUS 3.2 and many switches answer without one. The Response Authenticator (MD5 over the
 * packet, our request authenticator and the secret) authenticates the answer either way; when
 * Message-Authenticator is present it must verify too, else the packet is a forgery.
 */
import {
  attr, decodePacket, getInteger, hasMessageAuthenticator, valueName, verifyMessageAuthenticator, verifyResponseAuthenticator,
  RADIUS_CODE, type RadiusPacket,
} from '../codec/index.js';
import { RESPONSE_CODES } from './request.js';
import type { DynamicAuthDropReason, DynamicAuthStep } from './types.js';

/** What the client kept of a request in flight, to check its answer against. */
export interface InFlightRequest {
  request: DynamicAuthStep['request'];
  authenticator: Uint8Array;
  secret: Buffer;
}

export type Verdict =
  | { kind: 'drop'; reason: DynamicAuthDropReason }
  | { kind: 'answer'; result: 'ack' | 'nak'; errorCause?: number; errorCauseName?: string };

const RESPONSES: ReadonlySet<number> = new Set([RADIUS_CODE.DISCONNECT_ACK, RADIUS_CODE.DISCONNECT_NAK, RADIUS_CODE.COA_ACK, RADIUS_CODE.COA_NAK]);

/** The header fields needed to find the request, or the reason to drop before any crypto. */
export function peek(datagram: Uint8Array): { kind: 'packet'; packet: RadiusPacket } | { kind: 'drop'; reason: DynamicAuthDropReason } {
  let packet: RadiusPacket;
  try {
    packet = decodePacket(datagram);
  } catch {
    return { kind: 'drop', reason: 'malformed' };
  }
  return RESPONSES.has(packet.code) ? { kind: 'packet', packet } : { kind: 'drop', reason: 'unexpected-code' };
}

function errorCause(packet: RadiusPacket): { errorCause?: number; errorCauseName?: string } {
  try {
    const n = getInteger(packet, attr('Error-Cause'));
    if (n === undefined) return {};
    const name = valueName(attr('Error-Cause'), n);
    return name === undefined ? { errorCause: n } : { errorCause: n, errorCauseName: name };
  } catch {
    // A malformed Error-Cause is a remark we cannot read, not a reason to disbelieve a verified answer.
    return {};
  }
}

/** Verifies `datagram` (already peeked into `packet`) as the answer to `sent`. */
export function judge(datagram: Uint8Array, packet: RadiusPacket, sent: InFlightRequest): Verdict {
  const [ack, nak] = RESPONSE_CODES[sent.request];
  if (packet.code !== ack && packet.code !== nak) return { kind: 'drop', reason: 'wrong-code' };
  if (!verifyResponseAuthenticator(datagram, sent.authenticator, sent.secret)) return { kind: 'drop', reason: 'bad-authenticator' };
  if (hasMessageAuthenticator(packet.attributes) && !verifyMessageAuthenticator(datagram, sent.secret, sent.authenticator)) {
    return { kind: 'drop', reason: 'bad-message-authenticator' };
  }
  return { kind: 'answer', result: packet.code === ack ? 'ack' : 'nak', ...errorCause(packet) };
}
