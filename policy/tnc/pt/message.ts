/**
 * PT-TLS message header codec (RFC 6876 §3.5). Every PT-TLS message starts with the same 16-byte
 * header; the body is left opaque here so the header rules (and the framer) do not depend on which
 * body types we understand. Body codecs live in bodies.ts.
 */
import { Reader, Writer } from '../bytes.js';
import { PT_ERROR, WireError } from '../wire-error.js';

/** IETF message types (RFC 6876 §3.5, vendor 0). */
export const PT_TYPE = {
  EXPERIMENTAL: 0,
  VERSION_REQUEST: 1,
  VERSION_RESPONSE: 2,
  SASL_MECHANISMS: 3,
  SASL_MECHANISM_SELECTION: 4,
  SASL_AUTHENTICATION_DATA: 5,
  SASL_RESULT: 6,
  PB_TNC_BATCH: 7,
  ERROR: 8,
} as const;

/** Vendor 0 is the IETF namespace; only its types have meanings we know. */
export const IETF_VENDOR = 0;

/** Reserved(8) Vendor(24) Type(32) Length(32) Identifier(32). */
export const PT_HEADER_BYTES = 16;

/**
 * Largest message we accept, header included: 128 TLS records of 2^14 bytes less one header
 * (nea-wire.md "What a standard client does"). Big enough for tens-of-KB Installed Packages
 * batches, small enough that a lying length cannot make us buffer without bound.
 */
export const PT_MAX_MESSAGE_BYTES = 128 * 16384 - 16;

export interface PtMessage {
  vendor: number;
  type: number;
  /** Message Identifier: the sender's counter, echoed in error copies. */
  id: number;
  body: Uint8Array;
}

export interface PtHeader {
  vendor: number;
  type: number;
  /** Whole message length, header included (RFC 6876 §3.5). */
  length: number;
  id: number;
}

/** Byte offset of the Length field, reported with length errors. */
const LENGTH_OFFSET = 8;

/** Encoding takes trusted local values, so a bad field is our bug: a RangeError, not a WireError. */
function checkUint(v: number, bits: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 2 ** bits - 1) throw new RangeError(`PT-TLS ${what} must fit ${bits} bits, got ${v}`);
}

export function encodePtMessage(m: PtMessage): Buffer {
  checkUint(m.vendor, 24, 'vendor');
  checkUint(m.type, 32, 'type');
  checkUint(m.id, 32, 'identifier');
  const length = PT_HEADER_BYTES + m.body.length;
  checkUint(length, 32, 'length');
  // Reserved is sent as 0 (RFC 6876 §3.5).
  return new Writer().u8(0).u24(m.vendor).u32(m.type).u32(length).u32(m.id).bytes(m.body).finish();
}

/**
 * Reads the 16 header bytes at the start of `buf` (only those: the framer calls this before the
 * body has arrived). Reserved is ignored on receipt as the RFC asks. A length below the header
 * size can never be a message, so it is rejected here.
 */
export function decodePtHeader(buf: Uint8Array): PtHeader {
  const r = new Reader(buf, 'pt-tls', PT_ERROR.MALFORMED_MESSAGE);
  r.u8('reserved');
  const vendor = r.u24('vendor');
  const type = r.u32('type');
  const length = r.u32('length');
  const id = r.u32('identifier');
  if (length < PT_HEADER_BYTES) {
    throw new WireError('pt-tls', PT_ERROR.MALFORMED_MESSAGE, `message length ${length} is shorter than the ${PT_HEADER_BYTES}-byte header`, LENGTH_OFFSET);
  }
  return { vendor, type, length, id };
}

/**
 * Decodes exactly one message: the Length field must equal the buffer's size, since a mismatch
 * means the framing is lost. The body is a view into `buf` (no copy); callers own `buf`.
 */
export function decodePtMessage(buf: Uint8Array): PtMessage {
  const h = decodePtHeader(buf);
  if (h.length !== buf.length) {
    throw new WireError('pt-tls', PT_ERROR.MALFORMED_MESSAGE, `message length ${h.length} does not match the ${buf.length} bytes received`, LENGTH_OFFSET);
  }
  const body = new Reader(buf, 'pt-tls', PT_ERROR.MALFORMED_MESSAGE, PT_HEADER_BYTES).rest();
  return { vendor: h.vendor, type: h.type, id: h.id, body };
}
