/**
 * PB-TNC batch framing (RFC 5793 §4.1, §4.2). A batch is an 8-byte header followed by messages,
 * each with a 12-byte header. Both length fields include their own header, and the batch length
 * must equal the bytes received exactly: strongSwan's client rejects anything else, and a lying
 * length is how a peer would smuggle bytes past us.
 */
import { Reader, Writer } from '../bytes.js';
import { PB_ERROR, WireError } from '../wire-error.js';

export const BatchType = { CDATA: 1, SDATA: 2, RESULT: 3, CRETRY: 4, SRETRY: 5, CLOSE: 6 } as const;
export type BatchTypeValue = (typeof BatchType)[keyof typeof BatchType];

export const PB_VERSION = 2;
export const BATCH_HEADER_LEN = 8;
export const MESSAGE_HEADER_LEN = 12;
/** Flags bit of the message header (RFC 5793 §4.2): the recipient must understand it or fail. */
export const NOSKIP_FLAG = 0x80;
/** The D ("direction") bit, top bit of byte 1: set on every batch the TNCS sends. */
const DIRECTION_FLAG = 0x80;
/** RFC 5793 §4.2: vendor 0xffffff and type 0xffffffff are reserved and never valid on the wire. */
export const RESERVED_VENDOR = 0xffffff;
export const RESERVED_MESSAGE_TYPE = 0xffffffff;

export interface PbMessage {
  noskip: boolean;
  /** 24-bit IANA enterprise number; 0 is IETF. */
  vendor: number;
  type: number;
  body: Uint8Array;
  /**
   * Where decodeBatch found this message's header within the batch. Only set on decode, so
   * body decoders can report an RFC 5793 §4.9 error offset relative to the batch, as required.
   */
  offset?: number;
}

export interface PbBatch {
  fromServer: boolean;
  type: BatchTypeValue;
  messages: PbMessage[];
}

export interface DecodeBatchOptions {
  /** Largest batch we accept; bigger ones are our resource limit, hence LOCAL_ERROR. */
  maxBatchBytes: number;
  maxMessages?: number;
  /** When set, the D flag must match: a TNCS only accepts client batches and vice versa. */
  expectFromServer?: boolean;
}

const isBatchType = (v: number): v is BatchTypeValue => v >= BatchType.CDATA && v <= BatchType.CLOSE;

const invalid = (message: string, offset: number): WireError => new WireError('pb-tnc', PB_ERROR.INVALID_PARAMETER, message, offset);

/** Encoders take our own values, so a bad one is a programming error, not a protocol error. */
function checkUint(v: number, bits: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v >= 2 ** bits) throw new RangeError(`${what} must be a ${bits}-bit unsigned integer, got ${v}`);
}

export function encodeBatch(b: PbBatch): Buffer {
  if (!isBatchType(b.type)) throw new RangeError(`invalid batch type ${String(b.type)}`);
  const w = new Writer();
  const total = b.messages.reduce((n, m) => n + MESSAGE_HEADER_LEN + m.body.length, BATCH_HEADER_LEN);
  checkUint(total, 32, 'batch length');
  // Version, then D + 19 reserved bits + 4-bit type packed into the next 24 bits.
  w.u8(PB_VERSION).u8(b.fromServer ? DIRECTION_FLAG : 0).u16(b.type).u32(total);
  for (const m of b.messages) {
    checkUint(m.vendor, 24, 'message vendor');
    checkUint(m.type, 32, 'message type');
    w.u8(m.noskip ? NOSKIP_FLAG : 0).u24(m.vendor).u32(m.type).u32(MESSAGE_HEADER_LEN + m.body.length).bytes(m.body);
  }
  return w.finish();
}

export function decodeBatch(buf: Uint8Array, opts: DecodeBatchOptions): PbBatch {
  // Size first, before touching anything: an oversize batch is refused as a local limit.
  if (buf.length > opts.maxBatchBytes) {
    throw new WireError('pb-tnc', PB_ERROR.LOCAL_ERROR, `batch of ${buf.length} bytes exceeds limit ${opts.maxBatchBytes}`, 0);
  }
  const r = new Reader(buf, 'pb-tnc', PB_ERROR.INVALID_PARAMETER);
  // Version before everything else so a peer speaking another version learns what we speak.
  const version = r.u8('batch version');
  if (version !== PB_VERSION) {
    throw new WireError('pb-tnc', PB_ERROR.VERSION_NOT_SUPPORTED, `batch version ${version} not supported`, 0, {
      bad: version,
      max: PB_VERSION,
      min: PB_VERSION,
    });
  }
  const dByte = r.u8('batch flags');
  const fromServer = (dByte & DIRECTION_FLAG) !== 0;
  if (opts.expectFromServer !== undefined && fromServer !== opts.expectFromServer) {
    throw invalid(`batch D flag is ${fromServer ? 'server' : 'client'}, expected ${opts.expectFromServer ? 'server' : 'client'}`, 1);
  }
  // The other 19 reserved bits are ignored on receipt (RFC 5793 §4.1).
  const typeField = r.u16('batch type') & 0x0f;
  // An undefined type value is a malformed field (INVALID_PARAMETER); UNEXPECTED_BATCH_TYPE is
  // for a well-formed type arriving in the wrong state, which the state machine decides.
  if (!isBatchType(typeField)) throw invalid(`invalid batch type ${typeField}`, 3);
  const batchLength = r.u32('batch length');
  if (batchLength !== buf.length) throw invalid(`batch length ${batchLength} but ${buf.length} bytes received`, 4);

  const messages: PbMessage[] = [];
  while (r.remaining > 0) {
    const at = r.offset;
    if (opts.maxMessages !== undefined && messages.length >= opts.maxMessages) {
      throw new WireError('pb-tnc', PB_ERROR.LOCAL_ERROR, `more than ${opts.maxMessages} messages in batch`, at);
    }
    const flags = r.u8('message flags');
    const vendor = r.u24('message vendor');
    const type = r.u32('message type');
    const length = r.u32('message length');
    if (vendor === RESERVED_VENDOR) throw invalid('reserved message vendor 0xffffff', at + 1);
    if (type === RESERVED_MESSAGE_TYPE) throw invalid('reserved message type 0xffffffff', at + 4);
    // Checked here rather than left to r.bytes() so the offset names the length field itself.
    if (length < MESSAGE_HEADER_LEN || at + length > buf.length) {
      throw invalid(`message length ${length} invalid at offset ${at} of ${buf.length}-byte batch`, at + 8);
    }
    const body = r.bytes(length - MESSAGE_HEADER_LEN, 'message body');
    messages.push({ noskip: (flags & NOSKIP_FLAG) !== 0, vendor, type, body, offset: at });
  }
  return { fromServer, type: typeField, messages };
}
