/**
 * EAP carried in RADIUS (RFC 3579 §3.1): an EAP packet is cut into EAP-Message attributes of at
 * most 253 bytes, in order, and the receiver concatenates every EAP-Message of the packet. EAP-TLS,
 * TTLS and PEAP packets are routinely 1000+ bytes, so this is the normal case, not an edge case.
 */
import { RadiusDecodeError } from './decode-error.js';
import { RADIUS_MAX_ATTRIBUTE_VALUE_BYTES, type RadiusAttribute } from './packet.js';

export const EAP_MESSAGE = 79;

/** RFC 3748 §4, RFC 6696 §5.3 (Initiate/Finish). */
export const EAP_CODE = { REQUEST: 1, RESPONSE: 2, SUCCESS: 3, FAILURE: 4, INITIATE: 5, FINISH: 6 } as const;

/** Method types Kenneki meets at the NAS (RFC 3748 §5, IANA). */
export const EAP_TYPE = { IDENTITY: 1, NOTIFICATION: 2, NAK: 3, MD5_CHALLENGE: 4, TLS: 13, TTLS: 21, PEAP: 25, MSCHAPV2: 26, FAST: 43 } as const;

/** Splits one EAP packet into EAP-Message attributes. An empty packet (EAP-Start) is one empty attribute. */
export function fragmentEap(eap: Uint8Array): RadiusAttribute[] {
  const out: RadiusAttribute[] = [];
  for (let at = 0; at < eap.length || out.length === 0; at += RADIUS_MAX_ATTRIBUTE_VALUE_BYTES) {
    out.push({ type: EAP_MESSAGE, value: eap.subarray(at, at + RADIUS_MAX_ATTRIBUTE_VALUE_BYTES) });
  }
  return out;
}

/** The concatenation of every EAP-Message, in order; undefined when the packet carries none. */
export function reassembleEap(attributes: readonly RadiusAttribute[]): Buffer | undefined {
  const parts = attributes.filter((a) => a.type === EAP_MESSAGE).map((a) => a.value);
  return parts.length === 0 ? undefined : Buffer.concat(parts);
}

export interface EapPacket {
  code: number;
  identifier: number;
  /** Request/Response (and Initiate/Finish) carry a type byte; Success/Failure do not. */
  type?: number;
  /** The bytes after the type (or after the header when there is no type). */
  data: Uint8Array;
}

const HEADER = 4;

/**
 * Parses the EAP header of reassembled bytes. The EAP Length must equal what arrived: RFC 3579
 * §3.1 has a NAS that sees a mismatch discard the packet, and so do we ('bad-eap').
 */
export function decodeEap(bytes: Uint8Array): EapPacket {
  if (bytes.length < HEADER) throw new RadiusDecodeError('bad-eap', `EAP packet of ${bytes.length} bytes is shorter than its header`);
  const code = bytes[0]!;
  const identifier = bytes[1]!;
  const length = (bytes[2]! << 8) | bytes[3]!;
  if (length !== bytes.length) throw new RadiusDecodeError('bad-eap', `EAP Length ${length} but ${bytes.length} bytes reassembled`, 2);
  if (code < EAP_CODE.REQUEST || code > EAP_CODE.FINISH) throw new RadiusDecodeError('bad-eap', `EAP code ${code}`, 0);
  if (code === EAP_CODE.SUCCESS || code === EAP_CODE.FAILURE) {
    if (length !== HEADER) throw new RadiusDecodeError('bad-eap', `EAP ${code === EAP_CODE.SUCCESS ? 'Success' : 'Failure'} of Length ${length}, not 4`, 2);
    return { code, identifier, data: bytes.subarray(HEADER) };
  }
  if (length < HEADER + 1) throw new RadiusDecodeError('bad-eap', `EAP code ${code} without a type byte`, 2);
  return { code, identifier, type: bytes[HEADER]!, data: bytes.subarray(HEADER + 1) };
}

export function encodeEap(p: EapPacket): Buffer {
  const typed = p.type !== undefined;
  const length = HEADER + (typed ? 1 : 0) + p.data.length;
  if (length > 0xffff) throw new RangeError(`EAP packet would be ${length} bytes`);
  const out = Buffer.alloc(length);
  out[0] = p.code;
  out[1] = p.identifier;
  out.writeUInt16BE(length, 2);
  if (typed) out[HEADER] = p.type!;
  out.set(p.data, HEADER + (typed ? 1 : 0));
  return out;
}
