/**
 * PA-TNC message framing (RFC 5792 §4.1): an 8-byte header and a sequence of TLV attributes.
 * Attribute values stay opaque here; ietf-attributes.ts interprets vendor-0 values. All binary
 * access goes through Reader/Writer so that bad input can only surface as a WireError.
 */
import { Reader, Writer } from '../bytes.js';
import { PA_ERROR, WireError } from '../wire-error.js';
import { NOSKIP_FLAG, PA_ATTRIBUTE_HEADER_LENGTH, PA_VERSION, VENDOR_RESERVED } from './constants.js';

export interface PaAttribute {
  /** The NOSKIP flag: a receiver that does not understand the attribute must reject the message. */
  noskip: boolean;
  /** 24-bit IANA enterprise number (0 = IETF). */
  vendor: number;
  type: number;
  value: Uint8Array;
}

export interface PaMessage {
  version: 1;
  /** Message Identifier, echoed by the peer in error attributes so it can match them. */
  id: number;
  attributes: PaAttribute[];
}

export interface DecodePaOptions {
  /**
   * Upper bound on attributes per message. Each attribute costs at least 12 bytes so the input
   * size bounds the count anyway; this lets callers bound work further per message.
   */
  maxAttributes?: number;
}

/** Generous: strongSwan's OS IMC sends a handful; SWIMA inventories go in one attribute each. */
export const DEFAULT_MAX_ATTRIBUTES = 4096;

const u32 = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

/** Encoder input errors are programming errors (we built the message), hence RangeError. */
function checkAttribute(a: PaAttribute, i: number): void {
  if (!Number.isInteger(a.vendor) || a.vendor < 0 || a.vendor >= VENDOR_RESERVED) {
    throw new RangeError(`attribute ${i}: vendor ${a.vendor} is not a usable 24-bit vendor id`);
  }
  if (!u32(a.type)) throw new RangeError(`attribute ${i}: type ${a.type} is not a 32-bit value`);
  if (a.value.length > 0xffffffff - PA_ATTRIBUTE_HEADER_LENGTH) throw new RangeError(`attribute ${i}: value too long`);
}

export function encodePaAttribute(w: Writer, a: PaAttribute): Writer {
  return w
    .u8(a.noskip ? NOSKIP_FLAG : 0)
    .u24(a.vendor)
    .u32(a.type)
    .u32(PA_ATTRIBUTE_HEADER_LENGTH + a.value.length)
    .bytes(a.value);
}

export function encodePaMessage(m: PaMessage): Buffer {
  if (m.version !== PA_VERSION) throw new RangeError(`PA-TNC version ${String(m.version)} is not 1`);
  if (!u32(m.id)) throw new RangeError(`message id ${m.id} is not a 32-bit value`);
  const w = new Writer().u8(PA_VERSION).u24(0).u32(m.id);
  m.attributes.forEach((a, i) => {
    checkAttribute(a, i);
    encodePaAttribute(w, a);
  });
  return w.finish();
}

export function decodePaMessage(buf: Uint8Array, opts: DecodePaOptions = {}): PaMessage {
  const max = opts.maxAttributes ?? DEFAULT_MAX_ATTRIBUTES;
  const r = new Reader(buf, 'pa-tnc', PA_ERROR.INVALID_PARAMETER);
  const version = r.u8('PA-TNC version');
  // Checked before the rest of the header so a short message of a future version still gets
  // Version Not Supported (which tells the peer what we speak) rather than Invalid Parameter.
  if (version !== PA_VERSION) {
    throw new WireError('pa-tnc', PA_ERROR.VERSION_NOT_SUPPORTED, `PA-TNC version ${version} not supported`, 0, {
      max: PA_VERSION,
      min: PA_VERSION,
    });
  }
  r.u24('reserved'); // RFC 5792: reserved bits are ignored on receipt.
  const id = r.u32('message identifier');
  const attributes: PaAttribute[] = [];
  while (r.remaining > 0) {
    const start = r.offset;
    if (attributes.length >= max) {
      throw new WireError('pa-tnc', PA_ERROR.INVALID_PARAMETER, `more than ${max} attributes`, start);
    }
    const flags = r.u8('attribute flags');
    const vendorOffset = r.offset;
    const vendor = r.u24('attribute vendor');
    const type = r.u32('attribute type');
    const lengthOffset = r.offset;
    const length = r.u32('attribute length');
    if (vendor === VENDOR_RESERVED) {
      throw new WireError('pa-tnc', PA_ERROR.INVALID_PARAMETER, 'reserved vendor id 0xffffff', vendorOffset);
    }
    // The length must at least cover its own header and must not run past the message: report
    // the length field itself, which is what the peer got wrong.
    if (length < PA_ATTRIBUTE_HEADER_LENGTH || length - PA_ATTRIBUTE_HEADER_LENGTH > r.remaining) {
      throw new WireError('pa-tnc', PA_ERROR.INVALID_PARAMETER, `attribute length ${length} invalid`, lengthOffset);
    }
    // Copy so a decoded message does not pin (or alias) the caller's receive buffer.
    const value = Uint8Array.from(r.bytes(length - PA_ATTRIBUTE_HEADER_LENGTH, 'attribute value'));
    attributes.push({ noskip: (flags & NOSKIP_FLAG) !== 0, vendor, type, value });
  }
  return { version: PA_VERSION, id, attributes };
}
