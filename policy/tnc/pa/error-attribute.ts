/**
 * Turning a decode failure into the PA-TNC Error attribute the peer must receive (RFC 5792
 * §4.2.8): Info = a copy of the offending message's 8-byte header, then a code-specific tail.
 * Also parses that Info back, for errors a peer sends us.
 */
import { Reader, Writer } from '../bytes.js';
import { PA_ERROR, WireError } from '../wire-error.js';
import { PA_MESSAGE_HEADER_LENGTH, PA_VERSION, VENDOR } from './constants.js';
import { encodeIetfAttribute } from './ietf-attributes.js';
import type { PaAttribute } from './message.js';

/** The header copy is always 8 bytes; a message too short to have one is zero-padded. */
function headerCopy(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(PA_MESSAGE_HEADER_LENGTH);
  out.set(message.subarray(0, PA_MESSAGE_HEADER_LENGTH));
  return out;
}

/** Info bytes for a PA-TNC WireError, per its code. */
export function paErrorInfo(err: WireError, message: Uint8Array): Buffer {
  const w = new Writer().bytes(headerCopy(message));
  switch (err.code) {
    case PA_ERROR.INVALID_PARAMETER:
      w.u32(err.offset);
      break;
    case PA_ERROR.VERSION_NOT_SUPPORTED:
      w.u8(err.detail['max'] ?? PA_VERSION).u8(err.detail['min'] ?? PA_VERSION).u16(0);
      break;
    case PA_ERROR.ATTRIBUTE_TYPE_NOT_SUPPORTED:
      w.u8(err.detail['flags'] ?? 0).u24(err.detail['vendor'] ?? 0).u32(err.detail['type'] ?? 0);
      break;
    // Other codes have no defined tail: the header copy alone.
  }
  return w.finish();
}

/** The IETF PA-TNC Error attribute answering `err`, raised while decoding `message`. */
export function paErrorAttribute(err: WireError, message: Uint8Array): PaAttribute {
  if (err.layer !== 'pa-tnc') throw new RangeError(`not a PA-TNC error: ${err.layer}`);
  return encodeIetfAttribute({ type: 'pa-tnc-error', vendor: VENDOR.IETF, code: err.code, info: paErrorInfo(err, message) });
}

/**
 * The error to raise for an unknown NOSKIP attribute (the codec skips unknown attributes; the
 * IMV decides, since "unknown" depends on which vendor types it implements).
 */
export function attributeTypeNotSupported(attr: Pick<PaAttribute, 'noskip' | 'vendor' | 'type'>, offset = 0): WireError {
  return new WireError('pa-tnc', PA_ERROR.ATTRIBUTE_TYPE_NOT_SUPPORTED, `unsupported NOSKIP attribute ${attr.vendor}/${attr.type}`, offset, {
    flags: attr.noskip ? 0x80 : 0,
    vendor: attr.vendor,
    type: attr.type,
  });
}

export type PaErrorInfo =
  | { code: 1; header: Uint8Array; offset: number }
  | { code: 2; header: Uint8Array; max: number; min: number }
  | { code: 3; header: Uint8Array; flags: number; vendor: number; type: number }
  | { code: number; header: Uint8Array; rest: Uint8Array };

/** Parse the Info of an IETF PA-TNC Error received from a peer. Malformed → WireError. */
export function decodePaErrorInfo(code: number, info: Uint8Array): PaErrorInfo {
  const r = new Reader(info, 'pa-tnc', PA_ERROR.INVALID_PARAMETER);
  const header = Uint8Array.from(r.bytes(PA_MESSAGE_HEADER_LENGTH, 'message header copy'));
  let out: PaErrorInfo;
  switch (code) {
    case PA_ERROR.INVALID_PARAMETER:
      out = { code, header, offset: r.u32('offset') };
      break;
    case PA_ERROR.VERSION_NOT_SUPPORTED: {
      const max = r.u8('max version');
      const min = r.u8('min version');
      r.u16('reserved');
      out = { code, header, max, min };
      break;
    }
    case PA_ERROR.ATTRIBUTE_TYPE_NOT_SUPPORTED:
      out = { code, header, flags: r.u8('flags'), vendor: r.u24('vendor'), type: r.u32('type') };
      break;
    default:
      return { code, header, rest: Uint8Array.from(r.rest()) };
  }
  if (r.remaining !== 0) throw new WireError('pa-tnc', PA_ERROR.INVALID_PARAMETER, 'trailing bytes in error info', r.offset);
  return out;
}
