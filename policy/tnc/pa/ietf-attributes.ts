/**
 * Typed values of the IETF (vendor 0) PA-TNC attributes, RFC 5792 §4.2.1–4.2.12. Decoding is
 * strict: a value that is too short, too long, has a count that disagrees with its entries or
 * carries an out-of-range enum is an Invalid Parameter, reported with the offset of the bad field
 * (relative to the attribute value, plus `valueOffset` when the caller knows where it sat in the
 * message). Encoding rejects values that cannot be represented with a RangeError: that is our bug,
 * not the peer's.
 */
import { Reader, Writer, utf8Bytes } from '../bytes.js';
import { PA_ERROR, WireError } from '../wire-error.js';
import { IETF_ATTR, REMEDIATION_PARAMS, VENDOR, VENDOR_RESERVED } from './constants.js';
import type { PaAttribute } from './message.js';

export interface AttributeId {
  vendor: number;
  type: number;
}
export interface PortFilterEntry {
  blocked: boolean;
  /** IANA protocol number (6 TCP, 17 UDP). */
  protocol: number;
  port: number;
}
export interface InstalledPackage {
  name: string;
  version: string;
}
export type OperationalStatusValue = 0 | 1 | 2 | 3;
export type OperationalResultValue = 0 | 1 | 2 | 3;

export type IetfAttribute =
  | { type: 'attribute-request'; attributes: AttributeId[] }
  | { type: 'product-information'; vendorId: number; productId: number; name: string }
  | { type: 'numeric-version'; major: number; minor: number; build: number; servicePackMajor: number; servicePackMinor: number }
  | { type: 'string-version'; version: string; build: string; config: string }
  | { type: 'operational-status'; status: OperationalStatusValue; result: OperationalResultValue; lastUse: string }
  | { type: 'port-filter'; entries: PortFilterEntry[] }
  | { type: 'installed-packages'; packages: InstalledPackage[] }
  | { type: 'pa-tnc-error'; vendor: number; code: number; info: Uint8Array }
  | { type: 'assessment-result'; result: number }
  // `paramsType` because `type` is the union's discriminant; on the wire it is "Remediation Parameters Type".
  | { type: 'remediation-instructions'; vendor: number; paramsType: number; params: Uint8Array }
  | { type: 'forwarding-enabled'; value: 0 | 1 | 2 }
  | { type: 'factory-default-password-enabled'; value: 0 | 1 };

export type IetfAttributeKind = IetfAttribute['type'];

/** Discriminant → wire type number, and back. */
export const IETF_ATTRIBUTE_TYPES: Record<IetfAttributeKind, number> = {
  'attribute-request': IETF_ATTR.ATTRIBUTE_REQUEST,
  'product-information': IETF_ATTR.PRODUCT_INFORMATION,
  'numeric-version': IETF_ATTR.NUMERIC_VERSION,
  'string-version': IETF_ATTR.STRING_VERSION,
  'operational-status': IETF_ATTR.OPERATIONAL_STATUS,
  'port-filter': IETF_ATTR.PORT_FILTER,
  'installed-packages': IETF_ATTR.INSTALLED_PACKAGES,
  'pa-tnc-error': IETF_ATTR.PA_TNC_ERROR,
  'assessment-result': IETF_ATTR.ASSESSMENT_RESULT,
  'remediation-instructions': IETF_ATTR.REMEDIATION_INSTRUCTIONS,
  'forwarding-enabled': IETF_ATTR.FORWARDING_ENABLED,
  'factory-default-password-enabled': IETF_ATTR.FACTORY_DEFAULT_PASSWORD_ENABLED,
};

/** RFC 5792 §4.2.5: exactly 20 octets, "YYYY-MM-DDTHH:MM:SSZ"; all-zero date means never/unknown. */
const LAST_USE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
export const LAST_USE_UNKNOWN = '0000-00-00T00:00:00Z';

// bytes.ts's decoder strips a leading U+FEFF (TextDecoder's default), which would make a product
// or package name starting with a BOM decode differently from what the peer sent. Decode text
// ourselves from bytes the Reader handed out: still bounds-checked, still fatal on bad UTF-8.
const TEXT = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const invalid = (message: string, offset: number): WireError =>
  new WireError('pa-tnc', PA_ERROR.INVALID_PARAMETER, message, offset);

function text(r: Reader, n: number, what: string): string {
  const at = r.offset;
  const b = r.bytes(n, what);
  try {
    return TEXT.decode(b);
  } catch {
    throw invalid(`${what}: invalid UTF-8`, at);
  }
}

/** Fixed-size and fully-described values must end exactly where their fields do. */
function end(r: Reader, what: string): void {
  if (r.remaining !== 0) throw invalid(`${what}: ${r.remaining} trailing bytes`, r.offset);
}

function decodeValue(type: number, value: Uint8Array): IetfAttribute | undefined {
  const r = new Reader(value, 'pa-tnc', PA_ERROR.INVALID_PARAMETER);
  switch (type) {
    case IETF_ATTR.ATTRIBUTE_REQUEST: {
      const attributes: AttributeId[] = [];
      while (r.remaining > 0) {
        r.u8('reserved');
        const vendorAt = r.offset;
        const vendor = r.u24('requested vendor');
        if (vendor === VENDOR_RESERVED) throw invalid('requested vendor 0xffffff is reserved', vendorAt);
        attributes.push({ vendor, type: r.u32('requested type') });
      }
      return { type: 'attribute-request', attributes };
    }
    case IETF_ATTR.PRODUCT_INFORMATION: {
      const vendorId = r.u24('product vendor id');
      const productId = r.u16('product id');
      return { type: 'product-information', vendorId, productId, name: text(r, r.remaining, 'product name') };
    }
    case IETF_ATTR.NUMERIC_VERSION: {
      const a: IetfAttribute = {
        type: 'numeric-version',
        major: r.u32('major'),
        minor: r.u32('minor'),
        build: r.u32('build'),
        servicePackMajor: r.u16('service pack major'),
        servicePackMinor: r.u16('service pack minor'),
      };
      end(r, 'numeric version');
      return a;
    }
    case IETF_ATTR.STRING_VERSION: {
      const version = text(r, r.u8('version length'), 'version');
      const build = text(r, r.u8('build length'), 'build');
      const config = text(r, r.u8('config length'), 'config version');
      end(r, 'string version');
      return { type: 'string-version', version, build, config };
    }
    case IETF_ATTR.OPERATIONAL_STATUS: {
      const statusAt = r.offset;
      const status = r.u8('status');
      if (status > 3) throw invalid(`operational status ${status}`, statusAt);
      const result = r.u8('result');
      if (result > 3) throw invalid(`operational result ${result}`, statusAt + 1);
      r.u16('reserved');
      const lastUseAt = r.offset;
      const lastUse = text(r, 20, 'last use');
      if (!LAST_USE_RE.test(lastUse)) throw invalid('last use is not YYYY-MM-DDTHH:MM:SSZ', lastUseAt);
      end(r, 'operational status');
      return { type: 'operational-status', status: status as OperationalStatusValue, result: result as OperationalResultValue, lastUse };
    }
    case IETF_ATTR.PORT_FILTER: {
      const entries: PortFilterEntry[] = [];
      while (r.remaining > 0) {
        const blocked = (r.u8('blocked') & 1) === 1; // top 7 bits reserved: ignored on receipt
        entries.push({ blocked, protocol: r.u8('protocol'), port: r.u16('port') });
      }
      return { type: 'port-filter', entries };
    }
    case IETF_ATTR.INSTALLED_PACKAGES: {
      r.u16('reserved');
      const countAt = r.offset;
      const count = r.u16('package count');
      const packages: InstalledPackage[] = [];
      // Read what is actually there and compare: a count that disagrees with the entries is
      // the peer's error, whichever way it disagrees.
      while (r.remaining > 0) {
        const name = text(r, r.u8('package name length'), 'package name');
        const version = text(r, r.u8('package version length'), 'package version');
        packages.push({ name, version });
      }
      if (packages.length !== count) throw invalid(`package count ${count} but ${packages.length} entries`, countAt);
      return { type: 'installed-packages', packages };
    }
    case IETF_ATTR.PA_TNC_ERROR: {
      r.u8('reserved');
      const vendor = r.u24('error vendor');
      const code = r.u32('error code');
      return { type: 'pa-tnc-error', vendor, code, info: Uint8Array.from(r.rest()) };
    }
    case IETF_ATTR.ASSESSMENT_RESULT: {
      const result = r.u32('assessment result');
      end(r, 'assessment result');
      return { type: 'assessment-result', result };
    }
    case IETF_ATTR.REMEDIATION_INSTRUCTIONS: {
      r.u8('reserved');
      const vendor = r.u24('remediation vendor');
      const paramsType = r.u32('remediation type');
      return { type: 'remediation-instructions', vendor, paramsType, params: Uint8Array.from(r.rest()) };
    }
    case IETF_ATTR.FORWARDING_ENABLED: {
      const value = r.u32('forwarding enabled');
      if (value > 2) throw invalid(`forwarding enabled value ${value}`, 0);
      end(r, 'forwarding enabled');
      return { type: 'forwarding-enabled', value: value as 0 | 1 | 2 };
    }
    case IETF_ATTR.FACTORY_DEFAULT_PASSWORD_ENABLED: {
      const value = r.u32('factory default password enabled');
      if (value > 1) throw invalid(`factory default password enabled value ${value}`, 0);
      end(r, 'factory default password enabled');
      return { type: 'factory-default-password-enabled', value: value as 0 | 1 };
    }
    default:
      return undefined; // Testing (0) and unassigned types: the caller decides skip vs. NOSKIP error.
  }
}

/**
 * Interpret an IETF attribute. `undefined` for other vendors and unknown types. `valueOffset` is
 * where the value starts in the PA-TNC message, so errors carry a message-relative offset.
 */
export function decodeIetfAttribute(attr: PaAttribute, valueOffset = 0): IetfAttribute | undefined {
  if (attr.vendor !== VENDOR.IETF) return undefined;
  try {
    return decodeValue(attr.type, attr.value);
  } catch (e) {
    if (e instanceof WireError && valueOffset !== 0) {
      throw new WireError(e.layer, e.code, e.message.replace(/^pa-tnc: /, ''), e.offset + valueOffset, e.detail);
    }
    throw e;
  }
}

// ---- encoding ----

function range(ok: boolean, what: string): void {
  if (!ok) throw new RangeError(`cannot encode ${what}`);
}
const isUint = (v: number, bits: number): boolean => Number.isInteger(v) && v >= 0 && v < 2 ** bits;

/** Len(8)-prefixed UTF-8: the length counts bytes, so check the encoded size, not the string length. */
function short(w: Writer, s: string, what: string): void {
  const b = utf8Bytes(s);
  range(b.length <= 0xff, `${what}: ${b.length} bytes > 255`);
  w.u8(b.length).bytes(b);
}

function encodeValue(a: IetfAttribute): Buffer {
  const w = new Writer();
  switch (a.type) {
    case 'attribute-request':
      for (const x of a.attributes) {
        range(isUint(x.vendor, 24) && x.vendor !== VENDOR_RESERVED && isUint(x.type, 32), `requested attribute ${x.vendor}/${x.type}`);
        w.u8(0).u24(x.vendor).u32(x.type);
      }
      break;
    case 'product-information':
      range(isUint(a.vendorId, 24) && isUint(a.productId, 16), 'product vendor/id');
      w.u24(a.vendorId).u16(a.productId).bytes(utf8Bytes(a.name));
      break;
    case 'numeric-version':
      range(
        isUint(a.major, 32) && isUint(a.minor, 32) && isUint(a.build, 32) && isUint(a.servicePackMajor, 16) && isUint(a.servicePackMinor, 16),
        'numeric version',
      );
      w.u32(a.major).u32(a.minor).u32(a.build).u16(a.servicePackMajor).u16(a.servicePackMinor);
      break;
    case 'string-version':
      short(w, a.version, 'version');
      short(w, a.build, 'build');
      short(w, a.config, 'config version');
      break;
    case 'operational-status': {
      range(isUint(a.status, 2) && isUint(a.result, 2), 'operational status/result');
      const lastUse = utf8Bytes(a.lastUse);
      range(lastUse.length === 20 && LAST_USE_RE.test(a.lastUse), `last use '${a.lastUse}'`);
      w.u8(a.status).u8(a.result).u16(0).bytes(lastUse);
      break;
    }
    case 'port-filter':
      for (const e of a.entries) {
        range(isUint(e.protocol, 8) && isUint(e.port, 16), `port filter entry ${e.protocol}/${e.port}`);
        w.u8(e.blocked ? 1 : 0).u8(e.protocol).u16(e.port);
      }
      break;
    case 'installed-packages':
      range(a.packages.length <= 0xffff, 'more than 65535 packages');
      w.u16(0).u16(a.packages.length);
      for (const p of a.packages) {
        short(w, p.name, 'package name');
        short(w, p.version, 'package version');
      }
      break;
    case 'pa-tnc-error':
      range(isUint(a.vendor, 24) && a.vendor !== VENDOR_RESERVED && isUint(a.code, 32), 'error vendor/code');
      w.u8(0).u24(a.vendor).u32(a.code).bytes(a.info);
      break;
    case 'assessment-result':
      range(isUint(a.result, 32), 'assessment result');
      w.u32(a.result);
      break;
    case 'remediation-instructions':
      range(isUint(a.vendor, 24) && a.vendor !== VENDOR_RESERVED && isUint(a.paramsType, 32), 'remediation vendor/type');
      w.u8(0).u24(a.vendor).u32(a.paramsType).bytes(a.params);
      break;
    case 'forwarding-enabled':
      range(a.value === 0 || a.value === 1 || a.value === 2, 'forwarding enabled');
      w.u32(a.value);
      break;
    case 'factory-default-password-enabled':
      range(a.value === 0 || a.value === 1, 'factory default password enabled');
      w.u32(a.value);
      break;
  }
  return w.finish();
}

export function encodeIetfAttribute(a: IetfAttribute, noskip = false): PaAttribute {
  return { noskip, vendor: VENDOR.IETF, type: IETF_ATTRIBUTE_TYPES[a.type], value: encodeValue(a) };
}

// ---- IETF remediation parameters (vendor 0, types 1 and 2) ----

/** Type 1: the whole parameter block is the URI (RFC 5792 §4.2.10.1). */
export function encodeRemediationUri(uri: string): Uint8Array {
  return utf8Bytes(uri);
}
export function decodeRemediationUri(params: Uint8Array): string {
  const r = new Reader(params, 'pa-tnc', PA_ERROR.INVALID_PARAMETER);
  return text(r, r.remaining, 'remediation URI');
}

export interface RemediationString {
  text: string;
  /** RFC 5646 language tag; empty when unspecified. */
  lang: string;
}
/** Type 2: `Len(32) utf8 LangLen(8) lang` (RFC 5792 §4.2.10.2). */
export function encodeRemediationString(s: RemediationString): Uint8Array {
  const t = utf8Bytes(s.text);
  const w = new Writer().u32(t.length).bytes(t);
  short(w, s.lang, 'remediation language');
  return w.finish();
}
export function decodeRemediationString(params: Uint8Array): RemediationString {
  const r = new Reader(params, 'pa-tnc', PA_ERROR.INVALID_PARAMETER);
  const t = text(r, r.u32('remediation string length'), 'remediation string');
  const lang = text(r, r.u8('language length'), 'remediation language');
  end(r, 'remediation string');
  return { text: t, lang };
}

/** Convenience builders for the two IETF parameter types. */
export const remediationUri = (uri: string): IetfAttribute => ({
  type: 'remediation-instructions',
  vendor: VENDOR.IETF,
  paramsType: REMEDIATION_PARAMS.URI,
  params: encodeRemediationUri(uri),
});
export const remediationString = (s: RemediationString): IetfAttribute => ({
  type: 'remediation-instructions',
  vendor: VENDOR.IETF,
  paramsType: REMEDIATION_PARAMS.STRING,
  params: encodeRemediationString(s),
});
