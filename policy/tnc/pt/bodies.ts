/**
 * Typed codecs for the IETF PT-TLS message bodies (RFC 6876 §3.6–3.9) and the SASL PLAIN initial
 * response (RFC 4616). Decoders take only the body (the header is message.ts's job) and throw
 * nothing but WireError: a body that is short, long or carries an impossible value is a Malformed
 * Message, the code RFC 6876 §3.9 gives for failed sanity checks. Semantic checks (is version 1
 * offered? is this message expected now?) belong to the session, which knows the state.
 */
import { Reader, Writer, utf8Bytes } from '../bytes.js';
import { PT_ERROR, WireError } from '../wire-error.js';
import { IETF_VENDOR, PT_TYPE, type PtMessage } from './message.js';

export interface VersionRequest { min: number; max: number; pref: number }
export interface VersionResponse { version: number }
export interface SaslMechanisms { names: string[] }
/** `initial` is the optional SASL initial response; PT-TLS cannot tell "absent" from "empty". */
export interface SaslMechanismSelection { name: string; initial?: Uint8Array }
export interface SaslAuthenticationData { data: Uint8Array }
export interface SaslResult { code: number; data?: Uint8Array }
export interface PbTncBatch { batch: Uint8Array }
export interface PtError { vendor: number; code: number; original: Uint8Array }

/** RFC 6876 §3.8.4 result codes. */
export const SASL_RESULT = { SUCCESS: 0, FAILURE: 1, ABORT: 2, MECHANISM_FAILURE: 3 } as const;

/** RFC 6876 §3.9: the Error message carries at most this much of the offending message. */
export const PT_ERROR_COPY_BYTES = 1024;

const MALFORMED = PT_ERROR.MALFORMED_MESSAGE;

const malformed = (what: string, offset: number): WireError => new WireError('pt-tls', MALFORMED, what, offset);
const reader = (body: Uint8Array): Reader => new Reader(body, 'pt-tls', MALFORMED);

/** Fixed-size bodies must end exactly where their fields do: trailing bytes mean a framing bug. */
function done(r: Reader, what: string): void {
  if (r.remaining !== 0) throw malformed(`${what}: ${r.remaining} unexpected trailing bytes`, r.offset);
}

function checkUint(v: number, bits: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 2 ** bits - 1) throw new RangeError(`PT-TLS ${what} must fit ${bits} bits, got ${v}`);
}

/** Copies out of the caller's buffer, so decoded values never alias a reused network buffer. */
const copy = (b: Uint8Array): Uint8Array => Uint8Array.from(b);

// ---- Version Request / Response (§3.6) -------------------------------------------------------

export function encodeVersionRequest(v: VersionRequest): Buffer {
  checkUint(v.min, 8, 'min version');
  checkUint(v.max, 8, 'max version');
  checkUint(v.pref, 8, 'preferred version');
  return new Writer().u8(0).u8(v.min).u8(v.max).u8(v.pref).finish();
}

export function decodeVersionRequest(body: Uint8Array): VersionRequest {
  const r = reader(body);
  r.u8('version request reserved');
  const v = { min: r.u8('min version'), max: r.u8('max version'), pref: r.u8('preferred version') };
  done(r, 'version request');
  return v;
}

export function encodeVersionResponse(v: VersionResponse): Buffer {
  checkUint(v.version, 8, 'version');
  return new Writer().u24(0).u8(v.version).finish();
}

export function decodeVersionResponse(body: Uint8Array): VersionResponse {
  const r = reader(body);
  r.u24('version response reserved');
  const v = { version: r.u8('version') };
  done(r, 'version response');
  return v;
}

// ---- SASL mechanism names (§3.8.1, RFC 4422 §3.1) --------------------------------------------

/** RFC 4422: 1 to 20 characters from upper-case letters, digits, hyphen and underscore. */
const MECHANISM_NAME = /^[A-Z0-9_-]{1,20}$/;

function writeName(w: Writer, name: string): void {
  if (!MECHANISM_NAME.test(name)) throw new RangeError(`invalid SASL mechanism name ${JSON.stringify(name)}`);
  // Reserved(3) Len(5): the name is ASCII, so its length in bytes is its length in characters.
  w.u8(name.length).bytes(utf8Bytes(name));
}

function readName(r: Reader): string {
  const at = r.offset;
  // The top 3 bits are reserved and ignored on receipt.
  const len = r.u8('mechanism name length') & 0x1f;
  const raw = r.bytes(len, 'mechanism name');
  // latin1 maps each byte to one character, so the regex also rejects any non-ASCII byte.
  const name = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
  if (!MECHANISM_NAME.test(name)) throw malformed(`invalid SASL mechanism name ${JSON.stringify(name)}`, at);
  return name;
}

export function encodeSaslMechanisms(m: SaslMechanisms): Buffer {
  const w = new Writer();
  for (const n of m.names) writeName(w, n);
  return w.finish();
}

/** An empty body is valid: it tells the client no (further) authentication is needed. */
export function decodeSaslMechanisms(body: Uint8Array): SaslMechanisms {
  const r = reader(body);
  const names: string[] = [];
  while (r.remaining > 0) names.push(readName(r));
  return { names };
}

export function encodeSaslMechanismSelection(s: SaslMechanismSelection): Buffer {
  const w = new Writer();
  writeName(w, s.name);
  if (s.initial) w.bytes(s.initial);
  return w.finish();
}

export function decodeSaslMechanismSelection(body: Uint8Array): SaslMechanismSelection {
  const r = reader(body);
  const name = readName(r);
  // Whatever follows the name is the initial response; none at all means "no initial response".
  return r.remaining > 0 ? { name, initial: copy(r.rest()) } : { name };
}

// ---- SASL Authentication Data / Result (§3.8.3–3.8.4) ----------------------------------------

export function encodeSaslAuthenticationData(a: SaslAuthenticationData): Buffer {
  return Buffer.from(a.data);
}

export function decodeSaslAuthenticationData(body: Uint8Array): SaslAuthenticationData {
  return { data: copy(body) };
}

/**
 * Result Code is 16 bits on the wire. strongSwan reads only 8 of them (nea-wire.md), so a failure
 * can look like success to it: the session must close the connection after any failure.
 */
export function encodeSaslResult(s: SaslResult): Buffer {
  checkUint(s.code, 16, 'SASL result code');
  const w = new Writer().u16(s.code);
  if (s.data) w.bytes(s.data);
  return w.finish();
}

export function decodeSaslResult(body: Uint8Array): SaslResult {
  const r = reader(body);
  const code = r.u16('SASL result code');
  if (code > SASL_RESULT.MECHANISM_FAILURE) throw malformed(`unknown SASL result code ${code}`, 0);
  return r.remaining > 0 ? { code, data: copy(r.rest()) } : { code };
}

// ---- PB-TNC Batch (§3.7) ---------------------------------------------------------------------

export function encodePbTncBatch(b: PbTncBatch): Buffer {
  return Buffer.from(b.batch);
}

/** Opaque here: the PB-TNC decoder validates the batch and answers with PB-TNC errors. */
export function decodePbTncBatch(body: Uint8Array): PbTncBatch {
  return { batch: copy(body) };
}

// ---- Error (§3.9) ----------------------------------------------------------------------------

export function encodePtError(e: PtError): Buffer {
  checkUint(e.vendor, 24, 'error vendor');
  checkUint(e.code, 32, 'error code');
  return new Writer().u8(0).u24(e.vendor).u32(e.code).bytes(e.original).finish();
}

export function decodePtError(body: Uint8Array): PtError {
  const r = reader(body);
  r.u8('error reserved');
  const vendor = r.u24('error vendor');
  const code = r.u32('error code');
  return { vendor, code, original: copy(r.rest()) };
}

// ---- Dispatch on the IETF types --------------------------------------------------------------

export type PtBody =
  | ({ type: typeof PT_TYPE.VERSION_REQUEST } & VersionRequest)
  | ({ type: typeof PT_TYPE.VERSION_RESPONSE } & VersionResponse)
  | ({ type: typeof PT_TYPE.SASL_MECHANISMS } & SaslMechanisms)
  | ({ type: typeof PT_TYPE.SASL_MECHANISM_SELECTION } & SaslMechanismSelection)
  | ({ type: typeof PT_TYPE.SASL_AUTHENTICATION_DATA } & SaslAuthenticationData)
  | ({ type: typeof PT_TYPE.SASL_RESULT } & SaslResult)
  | ({ type: typeof PT_TYPE.PB_TNC_BATCH } & PbTncBatch)
  | ({ type: typeof PT_TYPE.ERROR } & PtError);

/**
 * Decodes a message's body by its type. Other vendors' types and Experimental get Type Not
 * Supported, which RFC 6876 §3.9 lets the receiver report and then carry on.
 */
export function decodePtBody(m: PtMessage): PtBody {
  if (m.vendor === IETF_VENDOR) {
    switch (m.type) {
      case PT_TYPE.VERSION_REQUEST: return { type: m.type, ...decodeVersionRequest(m.body) };
      case PT_TYPE.VERSION_RESPONSE: return { type: m.type, ...decodeVersionResponse(m.body) };
      case PT_TYPE.SASL_MECHANISMS: return { type: m.type, ...decodeSaslMechanisms(m.body) };
      case PT_TYPE.SASL_MECHANISM_SELECTION: return { type: m.type, ...decodeSaslMechanismSelection(m.body) };
      case PT_TYPE.SASL_AUTHENTICATION_DATA: return { type: m.type, ...decodeSaslAuthenticationData(m.body) };
      case PT_TYPE.SASL_RESULT: return { type: m.type, ...decodeSaslResult(m.body) };
      case PT_TYPE.PB_TNC_BATCH: return { type: m.type, ...decodePbTncBatch(m.body) };
      case PT_TYPE.ERROR: return { type: m.type, ...decodePtError(m.body) };
    }
  }
  throw new WireError('pt-tls', PT_ERROR.TYPE_NOT_SUPPORTED, `message type ${m.vendor}/${m.type} not supported`, 1, { vendor: m.vendor, type: m.type });
}

export function encodePtBody(b: PtBody): Buffer {
  switch (b.type) {
    case PT_TYPE.VERSION_REQUEST: return encodeVersionRequest(b);
    case PT_TYPE.VERSION_RESPONSE: return encodeVersionResponse(b);
    case PT_TYPE.SASL_MECHANISMS: return encodeSaslMechanisms(b);
    case PT_TYPE.SASL_MECHANISM_SELECTION: return encodeSaslMechanismSelection(b);
    case PT_TYPE.SASL_AUTHENTICATION_DATA: return encodeSaslAuthenticationData(b);
    case PT_TYPE.SASL_RESULT: return encodeSaslResult(b);
    case PT_TYPE.PB_TNC_BATCH: return encodePbTncBatch(b);
    case PT_TYPE.ERROR: return encodePtError(b);
  }
}

/** Wraps a typed body in an IETF message with the sender's identifier. */
export function ptMessage(b: PtBody, id: number): PtMessage {
  return { vendor: IETF_VENDOR, type: b.type, id, body: encodePtBody(b) };
}

// ---- SASL PLAIN (RFC 4616) -------------------------------------------------------------------

export interface SaslPlain { authzid: string; user: string; password: string }

/** RFC 4616 §2: each field is at most 255 octets of UTF-8. */
const PLAIN_FIELD_MAX = 255;

/**
 * Parses `[authzid] NUL authcid NUL passwd`. Any defect is a SASL Mechanism Error: the client
 * spoke PLAIN badly, which is not a framing problem. authcid and passwd are `1*SAFE` in the RFC,
 * so both must be non-empty; a third NUL would put a NUL inside the password, which SAFE forbids.
 */
export function saslPlain(initial: Uint8Array): SaslPlain {
  const SASL = PT_ERROR.SASL_MECHANISM_ERROR;
  const fail = (what: string, offset: number): WireError => new WireError('pt-tls', SASL, `SASL PLAIN: ${what}`, offset);
  const first = initial.indexOf(0);
  const second = first < 0 ? -1 : initial.indexOf(0, first + 1);
  if (first < 0 || second < 0) throw fail('expected authzid NUL user NUL password', initial.length);
  if (initial.indexOf(0, second + 1) >= 0) throw fail('password contains NUL', second + 1);
  const r = new Reader(initial, 'pt-tls', SASL);
  const field = (len: number, what: string): string => {
    if (len > PLAIN_FIELD_MAX) throw fail(`${what} is ${len} bytes, more than ${PLAIN_FIELD_MAX}`, r.offset);
    const s = r.utf8(len, `SASL PLAIN ${what}`);
    if (r.remaining > 0) r.u8('NUL separator');
    return s;
  };
  const authzid = field(first, 'authzid');
  const user = field(second - first - 1, 'user');
  const password = field(initial.length - second - 1, 'password');
  if (user === '') throw fail('empty user', first + 1);
  if (password === '') throw fail('empty password', second + 1);
  return { authzid, user, password };
}
