/**
 * Typed bodies of the IETF (vendor 0) PB-TNC messages, RFC 5793 §4.5–§4.11. Decoding is strict
 * (exact sizes, in-range codes, no trailing bytes) because every body error must become a PB-Error
 * pointing at the offending byte, and lenient parsing would hide what the peer got wrong.
 */
import { Reader, Writer, utf8Bytes } from '../bytes.js';
import { PB_ERROR, WireError } from '../wire-error.js';
import { MESSAGE_HEADER_LEN, type PbMessage } from './batch.js';

export const PB_IETF_VENDOR = 0;

export const PbMessageType = {
  EXPERIMENTAL: 0,
  PA: 1,
  ASSESSMENT_RESULT: 2,
  ACCESS_RECOMMENDATION: 3,
  REMEDIATION_PARAMETERS: 4,
  ERROR: 5,
  LANGUAGE_PREFERENCE: 6,
  REASON_STRING: 7,
} as const;
export type PbMessageTypeValue = (typeof PbMessageType)[keyof typeof PbMessageType];

/**
 * Per-type rules a standard peer enforces (strongSwan's pb_tnc_msg_infos): the NOSKIP flag it
 * expects ('either' where both are fine) and whether the type may only appear in a RESULT batch.
 * The strongSwan client rejects a wrong NOSKIP, so the encoder defaults to these.
 */
export const PB_MESSAGE_RULES: Record<PbMessageTypeValue, { noskip: boolean | 'either'; resultBatchOnly: boolean }> = {
  [PbMessageType.EXPERIMENTAL]: { noskip: 'either', resultBatchOnly: false },
  [PbMessageType.PA]: { noskip: true, resultBatchOnly: false },
  [PbMessageType.ASSESSMENT_RESULT]: { noskip: true, resultBatchOnly: true },
  [PbMessageType.ACCESS_RECOMMENDATION]: { noskip: false, resultBatchOnly: true },
  [PbMessageType.REMEDIATION_PARAMETERS]: { noskip: false, resultBatchOnly: true },
  [PbMessageType.ERROR]: { noskip: true, resultBatchOnly: false },
  [PbMessageType.LANGUAGE_PREFERENCE]: { noskip: false, resultBatchOnly: false },
  [PbMessageType.REASON_STRING]: { noskip: false, resultBatchOnly: true },
};

/** PB-Access-Recommendation codes (RFC 5793 §4.7). */
export const AccessRecommendation = { ALLOW: 1, NO_ACCESS: 2, QUARANTINE: 3 } as const;
export type AccessRecommendationCode = (typeof AccessRecommendation)[keyof typeof AccessRecommendation];

/** Flag bits inside bodies. */
const EXCL_FLAG = 0x80;
const FATAL_FLAG = 0x80;
/** IF-IMV evaluation results are 0..4; anything else is not a result (RFC 5793 §4.6). */
const MAX_ASSESSMENT_RESULT = 4;

export interface PbPa {
  kind: 'pa';
  /** EXCL: deliver only to the addressed collector/validator (RFC 5793 §4.5). */
  exclusive: boolean;
  paVendor: number;
  paSubtype: number;
  collectorId: number;
  validatorId: number;
  paMessage: Uint8Array;
}
export interface PbAssessmentResult {
  kind: 'assessment-result';
  result: number;
}
export interface PbAccessRecommendation {
  kind: 'access-recommendation';
  code: AccessRecommendationCode;
}
export interface PbRemediationParameters {
  kind: 'remediation-parameters';
  vendor: number;
  type: number;
  /** Kept raw: for IETF type 1 it is a URI, type 2 a `Len(32) utf8 LangLen(8) lang` string. */
  params: Uint8Array;
}
export interface PbErrorOffset {
  kind: 'error';
  fatal: boolean;
  vendor: number;
  code: number;
  /** Absent when the peer sent no parameters; present for Invalid Parameter and friends. */
  offset?: number;
}
export interface PbErrorVersion {
  kind: 'error';
  fatal: boolean;
  vendor: 0;
  code: 4;
  bad: number;
  max: number;
  min: number;
}
export type PbErrorBody = PbErrorOffset | PbErrorVersion;
export interface PbLanguagePreference {
  kind: 'language-preference';
  /** e.g. `Accept-Language: en` (RFC 5793 §4.10). */
  text: string;
}
export interface PbReasonString {
  kind: 'reason-string';
  reason: string;
  lang: string;
}

export type IetfPbMessage =
  | PbPa
  | PbAssessmentResult
  | PbAccessRecommendation
  | PbRemediationParameters
  | PbErrorBody
  | PbLanguagePreference
  | PbReasonString;

const KIND_TYPE: Record<IetfPbMessage['kind'], PbMessageTypeValue> = {
  pa: PbMessageType.PA,
  'assessment-result': PbMessageType.ASSESSMENT_RESULT,
  'access-recommendation': PbMessageType.ACCESS_RECOMMENDATION,
  'remediation-parameters': PbMessageType.REMEDIATION_PARAMETERS,
  error: PbMessageType.ERROR,
  'language-preference': PbMessageType.LANGUAGE_PREFERENCE,
  'reason-string': PbMessageType.REASON_STRING,
};

export const isVersionError = (e: PbErrorBody): e is PbErrorVersion =>
  e.vendor === PB_IETF_VENDOR && e.code === PB_ERROR.VERSION_NOT_SUPPORTED && 'bad' in e;

// ---------------------------------------------------------------------------------------------
// decoding

const invalid = (message: string, offset: number): WireError => new WireError('pb-tnc', PB_ERROR.INVALID_PARAMETER, message, offset);

function exactly(r: Reader, what: string): void {
  if (r.remaining !== 0) throw invalid(`${what}: ${r.remaining} trailing bytes`, r.offset);
}

function decodeBody(type: number, r: Reader): IetfPbMessage | undefined {
  switch (type) {
    case PbMessageType.PA: {
      const flags = r.u8('PB-PA flags');
      const paVendor = r.u24('PB-PA vendor');
      const paSubtype = r.u32('PB-PA subtype');
      const collectorId = r.u16('PB-PA collector');
      const validatorId = r.u16('PB-PA validator');
      return { kind: 'pa', exclusive: (flags & EXCL_FLAG) !== 0, paVendor, paSubtype, collectorId, validatorId, paMessage: r.rest() };
    }
    case PbMessageType.ASSESSMENT_RESULT: {
      const at = r.offset;
      const result = r.u32('assessment result');
      if (result > MAX_ASSESSMENT_RESULT) throw invalid(`assessment result ${result} out of range`, at);
      exactly(r, 'PB-Assessment-Result');
      return { kind: 'assessment-result', result };
    }
    case PbMessageType.ACCESS_RECOMMENDATION: {
      r.u16('access recommendation reserved');
      const at = r.offset;
      const code = r.u16('access recommendation');
      if (code !== 1 && code !== 2 && code !== 3) throw invalid(`access recommendation ${code} out of range`, at);
      exactly(r, 'PB-Access-Recommendation');
      return { kind: 'access-recommendation', code };
    }
    case PbMessageType.REMEDIATION_PARAMETERS: {
      r.u8('remediation reserved');
      const vendor = r.u24('remediation vendor');
      const type = r.u32('remediation type');
      return { kind: 'remediation-parameters', vendor, type, params: r.rest() };
    }
    case PbMessageType.ERROR: {
      const fatal = (r.u8('error flags') & FATAL_FLAG) !== 0;
      const vendor = r.u24('error vendor');
      const code = r.u16('error code');
      r.u16('error reserved');
      if (vendor === PB_IETF_VENDOR && code === PB_ERROR.VERSION_NOT_SUPPORTED) {
        const bad = r.u8('bad version');
        const max = r.u8('max version');
        const min = r.u8('min version');
        r.u8('version reserved');
        exactly(r, 'PB-Error');
        return { kind: 'error', fatal, vendor: 0, code: 4, bad, max, min };
      }
      if (vendor === PB_IETF_VENDOR) {
        // IETF errors carry a 32-bit offset; tolerate its absence (some peers omit it for
        // errors where it means nothing) but nothing else.
        if (r.remaining === 0) return { kind: 'error', fatal, vendor, code };
        const offset = r.u32('error offset');
        exactly(r, 'PB-Error');
        return { kind: 'error', fatal, vendor, code, offset };
      }
      // Vendor-specific parameters are opaque; surface the offset only in the IETF shape.
      return r.remaining === 4 ? { kind: 'error', fatal, vendor, code, offset: r.u32('error offset') } : { kind: 'error', fatal, vendor, code };
    }
    case PbMessageType.LANGUAGE_PREFERENCE:
      return { kind: 'language-preference', text: r.utf8(r.remaining, 'language preference') };
    case PbMessageType.REASON_STRING: {
      const at = r.offset;
      const len = r.u32('reason length');
      if (len > r.remaining) throw invalid(`reason length ${len} exceeds message`, at);
      const reason = r.utf8(len, 'reason string');
      const langLen = r.u8('reason language length');
      const lang = r.utf8(langLen, 'reason language');
      exactly(r, 'PB-Reason-String');
      return { kind: 'reason-string', reason, lang };
    }
    default:
      return undefined; // Experimental (0) and unassigned types: the caller applies NOSKIP.
  }
}

/**
 * Decodes an IETF PB-TNC message body. Returns undefined for other vendors and unknown types:
 * whether that is an error depends on NOSKIP, which the caller owns. Error offsets are relative
 * to the batch when the message came from decodeBatch (its `offset` is set), else to the header.
 */
export function decodeIetfPbMessage(m: PbMessage): IetfPbMessage | undefined {
  if (m.vendor !== PB_IETF_VENDOR) return undefined;
  const base = (m.offset ?? 0) + MESSAGE_HEADER_LEN;
  try {
    return decodeBody(m.type, new Reader(m.body, 'pb-tnc', PB_ERROR.INVALID_PARAMETER));
  } catch (e) {
    // The Reader counts from the body start; the peer needs offsets from the batch start.
    if (e instanceof WireError) throw new WireError(e.layer, e.code, e.message.replace(/^pb-tnc: /, ''), e.offset + base, e.detail);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// encoding

function encodeBody(x: IetfPbMessage): Buffer {
  const w = new Writer();
  switch (x.kind) {
    case 'pa':
      return w.u8(x.exclusive ? EXCL_FLAG : 0).u24(x.paVendor).u32(x.paSubtype).u16(x.collectorId).u16(x.validatorId).bytes(x.paMessage).finish();
    case 'assessment-result':
      return w.u32(x.result).finish();
    case 'access-recommendation':
      return w.u16(0).u16(x.code).finish();
    case 'remediation-parameters':
      return w.u8(0).u24(x.vendor).u32(x.type).bytes(x.params).finish();
    case 'error':
      w.u8(x.fatal ? FATAL_FLAG : 0).u24(x.vendor).u16(x.code).u16(0);
      if (isVersionError(x)) w.u8(x.bad).u8(x.max).u8(x.min).u8(0);
      else if (x.offset !== undefined) w.u32(x.offset);
      return w.finish();
    case 'language-preference':
      return w.bytes(utf8Bytes(x.text)).finish();
    case 'reason-string': {
      const reason = utf8Bytes(x.reason);
      const lang = utf8Bytes(x.lang);
      if (lang.length > 0xff) throw new RangeError('reason language tag longer than 255 bytes');
      return w.u32(reason.length).bytes(reason).u8(lang.length).bytes(lang).finish();
    }
  }
}

/** `noskip` defaults to what a standard peer expects for the type (PB_MESSAGE_RULES). */
export function encodeIetfPbMessage(x: IetfPbMessage, noskip?: boolean): PbMessage {
  const type = KIND_TYPE[x.kind];
  const rule = PB_MESSAGE_RULES[type].noskip;
  return { noskip: noskip ?? rule === true, vendor: PB_IETF_VENDOR, type, body: encodeBody(x) };
}

/**
 * The fatal PB-Error to send for a decode failure (RFC 5793 §4.9): same code, the offending
 * offset, or the versions we support for Version Not Supported.
 */
export function pbErrorFor(e: WireError): PbMessage {
  if (e.code === PB_ERROR.VERSION_NOT_SUPPORTED) {
    return encodeIetfPbMessage({ kind: 'error', fatal: true, vendor: 0, code: 4, bad: e.detail['bad'] ?? 0, max: e.detail['max'] ?? 2, min: e.detail['min'] ?? 2 });
  }
  return encodeIetfPbMessage({ kind: 'error', fatal: true, vendor: PB_IETF_VENDOR, code: e.code, offset: e.offset });
}
