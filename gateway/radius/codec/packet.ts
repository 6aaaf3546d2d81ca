/**
 * RADIUS packet codec (RFC 2865 §3, §5): Code, Identifier, Length, 16-byte Authenticator, then
 * type-length-value attributes. Attributes stay raw and in order, because order carries meaning
 * (EAP-Message fragments, Proxy-State, multi-valued Reply-Message) and because authenticators are
 * computed over the exact bytes; typed views live in attributes.ts and dictionary.ts.
 *
 * Decoding is total: any input returns a packet or throws RadiusDecodeError with a drop reason.
 * Encoding takes trusted local values, so a bad field is our bug: a RangeError.
 */
import { RadiusDecodeError } from './decode-error.js';

/** Packet codes we speak (RFC 2865 §3, 2866 §3, 5997, 5176 §3). */
export const RADIUS_CODE = {
  ACCESS_REQUEST: 1,
  ACCESS_ACCEPT: 2,
  ACCESS_REJECT: 3,
  ACCOUNTING_REQUEST: 4,
  ACCOUNTING_RESPONSE: 5,
  ACCESS_CHALLENGE: 11,
  STATUS_SERVER: 12,
  STATUS_CLIENT: 13,
  DISCONNECT_REQUEST: 40,
  DISCONNECT_ACK: 41,
  DISCONNECT_NAK: 42,
  COA_REQUEST: 43,
  COA_ACK: 44,
  COA_NAK: 45,
} as const;

export type RadiusCode = (typeof RADIUS_CODE)[keyof typeof RADIUS_CODE];

const KNOWN_CODES: ReadonlySet<number> = new Set(Object.values(RADIUS_CODE));

export function isRadiusCode(n: number): n is RadiusCode {
  return KNOWN_CODES.has(n);
}

/** Code(1) Identifier(1) Length(2) Authenticator(16). */
export const RADIUS_HEADER_BYTES = 20;
/** RFC 2865 §3: the largest packet. Anything longer is refused before we look at attributes. */
export const RADIUS_MAX_PACKET_BYTES = 4096;
export const RADIUS_AUTHENTICATOR_BYTES = 16;
/** Type(1) Length(1), then at most 253 value bytes. */
export const RADIUS_MAX_ATTRIBUTE_VALUE_BYTES = 253;

/** Byte offsets in the header, reported with errors and used by the crypto helpers. */
export const LENGTH_OFFSET = 2;
export const AUTHENTICATOR_OFFSET = 4;

export interface RadiusAttribute {
  type: number;
  /** Decoded values are Buffer views into the datagram (no copy); the caller owns the datagram. */
  value: Uint8Array;
}

export interface RadiusPacket {
  code: RadiusCode;
  identifier: number;
  authenticator: Uint8Array;
  attributes: RadiusAttribute[];
}

function checkByte(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 255) throw new RangeError(`RADIUS ${what} must fit 8 bits, got ${v}`);
}

/** Serialises the packet exactly as given: no attribute is added, reordered or signed here. */
export function encodePacket(p: RadiusPacket): Buffer {
  if (!isRadiusCode(p.code)) throw new RangeError(`unknown RADIUS code ${p.code}`);
  checkByte(p.identifier, 'identifier');
  if (p.authenticator.length !== RADIUS_AUTHENTICATOR_BYTES) throw new RangeError(`RADIUS authenticator must be 16 bytes, got ${p.authenticator.length}`);
  let length = RADIUS_HEADER_BYTES;
  for (const a of p.attributes) {
    checkByte(a.type, 'attribute type');
    if (a.value.length > RADIUS_MAX_ATTRIBUTE_VALUE_BYTES) throw new RangeError(`RADIUS attribute ${a.type} value is ${a.value.length} bytes; the limit is 253`);
    length += 2 + a.value.length;
  }
  if (length > RADIUS_MAX_PACKET_BYTES) throw new RangeError(`RADIUS packet would be ${length} bytes; the limit is ${RADIUS_MAX_PACKET_BYTES}`);
  // Every byte is written below (length is exactly header + attributes), so the buffer can come
  // from Node's pool unzeroed: one less allocation of its own on every answer.
  const out = Buffer.allocUnsafe(length);
  out[0] = p.code;
  out[1] = p.identifier;
  out.writeUInt16BE(length, LENGTH_OFFSET);
  out.set(p.authenticator, AUTHENTICATOR_OFFSET);
  let at = RADIUS_HEADER_BYTES;
  for (const a of p.attributes) {
    out[at] = a.type;
    out[at + 1] = 2 + a.value.length;
    out.set(a.value, at + 2);
    at += 2 + a.value.length;
  }
  return out;
}

/**
 * The bytes of the packet proper: the datagram cut to its Length field. RFC 2865 §3: octets
 * beyond Length are padding and ignored; a datagram shorter than Length is silently discarded.
 * The authenticator helpers use this too, so they hash exactly what was decoded.
 */
export function packetBytes(datagram: Uint8Array): Buffer {
  const buf = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  // A legitimate NAS never sends more than 4096 bytes, trailing padding or not: refuse before work.
  if (buf.length > RADIUS_MAX_PACKET_BYTES) throw new RadiusDecodeError('too-long', `datagram of ${buf.length} bytes exceeds ${RADIUS_MAX_PACKET_BYTES}`);
  if (buf.length < RADIUS_HEADER_BYTES) throw new RadiusDecodeError('short', `datagram of ${buf.length} bytes is shorter than the 20-byte header`);
  const length = buf.readUInt16BE(LENGTH_OFFSET);
  if (length < RADIUS_HEADER_BYTES) throw new RadiusDecodeError('short', `Length field ${length} is below the 20-byte minimum`, LENGTH_OFFSET);
  if (length > RADIUS_MAX_PACKET_BYTES) throw new RadiusDecodeError('too-long', `Length field ${length} exceeds ${RADIUS_MAX_PACKET_BYTES}`, LENGTH_OFFSET);
  if (length > buf.length) throw new RadiusDecodeError('length-mismatch', `Length field ${length} but only ${buf.length} bytes received`, LENGTH_OFFSET);
  return buf.subarray(0, length);
}

/** One attribute's place in a packet: its type, the offset of its header, its Length. */
export interface AttributeSpan {
  type: number;
  offset: number;
  length: number;
}

/**
 * The attribute list of an already length-checked packet, as spans. Shared by the decoder and by
 * Message-Authenticator verification, which needs the offsets rather than the values. A plain
 * loop into an array, not a generator: this runs twice for every datagram.
 */
export function attributeSpans(pkt: Buffer): AttributeSpan[] {
  const spans: AttributeSpan[] = [];
  let at = RADIUS_HEADER_BYTES;
  while (at < pkt.length) {
    if (at + 2 > pkt.length) throw new RadiusDecodeError('bad-attribute-length', `attribute header at offset ${at} runs past the packet`, at);
    const type = pkt[at]!;
    const length = pkt[at + 1]!;
    if (length < 2) throw new RadiusDecodeError('bad-attribute-length', `attribute ${type} at offset ${at} has Length ${length} (< 2)`, at + 1);
    if (at + length > pkt.length) throw new RadiusDecodeError('bad-attribute-length', `attribute ${type} at offset ${at} runs ${at + length - pkt.length} bytes past the packet`, at + 1);
    spans.push({ type, offset: at, length });
    at += length;
  }
  return spans;
}

export function decodePacket(datagram: Uint8Array): RadiusPacket {
  const pkt = packetBytes(datagram);
  const code = pkt[0]!;
  if (!isRadiusCode(code)) throw new RadiusDecodeError('unknown-code', `code ${code}`, 0);
  const attributes: RadiusAttribute[] = [];
  for (const s of attributeSpans(pkt)) attributes.push({ type: s.type, value: pkt.subarray(s.offset + 2, s.offset + s.length) });
  return {
    code,
    identifier: pkt[1]!,
    authenticator: pkt.subarray(AUTHENTICATOR_OFFSET, AUTHENTICATOR_OFFSET + RADIUS_AUTHENTICATOR_BYTES),
    attributes,
  };
}

/** Packets a NAS or a dynamic-authorization client sends us and we answer. */
export const REQUEST_CODES: ReadonlySet<RadiusCode> = new Set([
  RADIUS_CODE.ACCESS_REQUEST,
  RADIUS_CODE.ACCOUNTING_REQUEST,
  RADIUS_CODE.STATUS_SERVER,
  RADIUS_CODE.STATUS_CLIENT,
  RADIUS_CODE.DISCONNECT_REQUEST,
  RADIUS_CODE.COA_REQUEST,
]);

export function isRequestCode(code: RadiusCode): boolean {
  return REQUEST_CODES.has(code);
}
