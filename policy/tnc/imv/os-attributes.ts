/**
 * Maps the attributes a standard NEA client sends for the Operating System component (strongSwan's
 * OS IMC: Product Information, String/Numeric Version, Operational Status, Forwarding Enabled,
 * Factory Default Password Enabled, Installed Packages, and the ITA-HSR Device ID) into Kenneki's
 * posture model, so the same verifiers judge them as judge the Kenneki agent's reports.
 *
 * Facts, not judgements: "forwarding is on", never "non-compliant". Every fact is stamped
 * `nea-ietf` with the caller's collection time (the client sends none).
 *
 * Error policy:
 * - a malformed IETF attribute (or Device ID) throws the codec's WireError; the caller answers it
 *   with a PA-TNC Invalid Parameter error, as RFC 5792 requires;
 * - anything well-formed that has no posture fact (other vendors, other types, Operational
 *   Status, duplicates) lands in `ignored` with a reason, for the trace. NOSKIP handling is the
 *   caller's: it must answer Attribute Type Not Supported before mapping.
 */
import type { Fact, FactSource, FactValues, InstalledPackage, OsFact, PostureFacts } from '../../posture/facts.js';
import { PA_ERROR, WireError } from '../wire-error.js';
import { FORWARDING, ITA_HSR_DEVICE_ID_TYPE, VENDOR } from '../pa/constants.js';
import { decodeIetfAttribute, type IetfAttribute } from '../pa/ietf-attributes.js';
import type { PaAttribute } from '../pa/message.js';
import { productOf } from './products.js';

export interface IgnoredAttribute {
  vendor: number;
  type: number;
  reason: string;
}

export interface MappedOsAttributes {
  facts: PostureFacts;
  ignored: IgnoredAttribute[];
}

export const SOURCE: FactSource = 'nea-ietf';
/** Device ids are keys in the store and shown in the UI; a machine-id is 32 hex digits. */
export const MAX_DEVICE_ID_LENGTH = 128;

// Same decoder settings as the PA codec: fatal on bad UTF-8, and a leading BOM is kept as sent.
const TEXT = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

type Kind<K extends IetfAttribute['type']> = Extract<IetfAttribute, { type: K }>;

/** The attributes we map, collected first so that order in the message does not matter. */
interface Collected {
  product?: Kind<'product-information'>;
  stringVersion?: Kind<'string-version'>;
  numericVersion?: Kind<'numeric-version'>;
  forwarding?: Kind<'forwarding-enabled'>;
  factoryDefaultPassword?: Kind<'factory-default-password-enabled'>;
  /** strongSwan splits a long inventory over several Installed Packages attributes: concatenated. */
  packages?: InstalledPackage[];
  deviceId?: string;
}

/** Well-formed IETF types with no posture fact, and why: the reason goes into `ignored`. */
type Unmapped = Exclude<
  IetfAttribute['type'],
  'product-information' | 'string-version' | 'numeric-version' | 'forwarding-enabled' | 'factory-default-password-enabled' | 'installed-packages'
>;
const UNMAPPED_IETF: Record<Unmapped, string> = {
  'operational-status': 'Operational Status (OS last boot) has no posture fact',
  'port-filter': 'Port Filter has no posture fact',
  'attribute-request': 'an Attribute Request from a client is not posture',
  'pa-tnc-error': 'PA-TNC Error from the client is handled by the session, not the posture model',
  'assessment-result': 'Assessment Result is sent by validators, not collectors',
  'remediation-instructions': 'Remediation Instructions are sent by validators, not collectors',
};

function decodeDeviceId(value: Uint8Array): string {
  try {
    return TEXT.decode(value);
  } catch {
    throw new WireError('pa-tnc', PA_ERROR.INVALID_PARAMETER, 'device id: invalid UTF-8', 0);
  }
}

export function mapOsAttributes(attrs: PaAttribute[], collectedAt: string): MappedOsAttributes {
  const c: Collected = {};
  const ignored: IgnoredAttribute[] = [];
  const ignore = (a: PaAttribute, reason: string): void => {
    ignored.push({ vendor: a.vendor, type: a.type, reason });
  };

  for (const a of attrs) {
    if (a.vendor === VENDOR.ITA_HSR && a.type === ITA_HSR_DEVICE_ID_TYPE) {
      if (c.deviceId !== undefined) ignore(a, 'duplicate Device ID; the first one is used');
      else c.deviceId = decodeDeviceId(a.value);
      continue;
    }
    // Throws the codec's WireError for a malformed IETF value; undefined for other vendors and
    // for IETF types the codec does not know (Testing, unassigned).
    const d = decodeIetfAttribute(a);
    if (d === undefined) {
      ignore(a, a.vendor === VENDOR.IETF ? `IETF attribute type ${a.type} is not mapped` : `vendor ${a.vendor} attribute type ${a.type} is not mapped`);
      continue;
    }
    // A second copy of a single-valued attribute is ignored: the first one read is kept, so a
    // later attribute in the same message cannot quietly overwrite it.
    const keep = <K extends keyof Collected>(key: K, value: NonNullable<Collected[K]>): void => {
      if (c[key] !== undefined) ignore(a, `duplicate ${d.type}; the first one is used`);
      else c[key] = value;
    };
    switch (d.type) {
      case 'product-information':
        keep('product', d);
        break;
      case 'string-version':
        keep('stringVersion', d);
        break;
      case 'numeric-version':
        keep('numericVersion', d);
        break;
      case 'forwarding-enabled':
        keep('forwarding', d);
        break;
      case 'factory-default-password-enabled':
        keep('factoryDefaultPassword', d);
        break;
      case 'installed-packages':
        (c.packages ??= []).push(...d.packages);
        break;
      default:
        ignore(a, UNMAPPED_IETF[d.type]);
    }
  }

  return { facts: toFacts(c, collectedAt), ignored };
}

function toFacts(c: Collected, collectedAt: string): PostureFacts {
  const ok = <T>(value: T): Fact<T> => ({ status: 'ok', value, collectedAt, source: SOURCE });
  const unknown = <T>(reason: string): Fact<T> => ({ status: 'unknown', reason, collectedAt, source: SOURCE });
  const facts: PostureFacts = {};

  const os = osFact(c);
  if (os !== undefined) facts.os = typeof os === 'string' ? unknown<OsFact>(os) : ok(os);

  if (c.forwarding !== undefined) {
    facts.ipForwarding =
      c.forwarding.value === FORWARDING.UNKNOWN
        ? unknown<boolean>('the client reported IP forwarding as unknown')
        : ok(c.forwarding.value === FORWARDING.ENABLED);
  }
  if (c.factoryDefaultPassword !== undefined) facts.factoryDefaultPassword = ok(c.factoryDefaultPassword.value === 1);
  if (c.packages !== undefined) facts.packages = ok<FactValues['packages']>({ manager: 'nea-ietf', packages: c.packages });

  if (c.deviceId !== undefined) {
    const id = c.deviceId.trim();
    // Rejected rather than truncated: two devices must never collapse onto one id.
    if (id === '') facts.deviceId = unknown<string>('the client sent an empty device id');
    else if ([...id].length > MAX_DEVICE_ID_LENGTH) facts.deviceId = unknown<string>(`device id longer than ${MAX_DEVICE_ID_LENGTH} characters`);
    else facts.deviceId = ok(id);
  }
  return facts;
}

/**
 * The OS fact, a reason why it is incomplete, or undefined when the message said nothing about
 * the OS. Both a product and a version are needed: a version-less "Debian" cannot pass a minimum
 * version check, and reporting it as unknown lets the IMV ask for the missing attribute.
 */
function osFact(c: Collected): OsFact | string | undefined {
  const version = versionOf(c);
  if (c.product === undefined && version === undefined) return undefined;
  if (c.product === undefined) return 'the client sent a version but no Product Information';
  if (version === undefined) return 'the client sent Product Information but no version';
  const { product, family } = productOf(c.product.vendorId, c.product.productId, c.product.name);
  const os: OsFact = { family, product, version: version.version };
  if (version.build !== undefined) os.build = version.build;
  if (version.arch !== undefined) os.arch = version.arch;
  return os;
}

/**
 * Architectures strongSwan's OS IMC appends to String Version ("12 x86_64": the release, a space,
 * `uname -m`, with Raspbian's armv7l renamed armhf). Data, so a new port is one entry.
 */
export const MACHINE_ARCHITECTURES: ReadonlySet<string> = new Set([
  'x86_64', 'i386', 'i486', 'i586', 'i686', 'aarch64', 'arm64', 'armv6l', 'armv7l', 'armhf', 'armel',
  'ppc64le', 'ppc64', 's390x', 'riscv64', 'mips64', 'mipsel', 'loongarch64', 'amd64',
]);

/** "12 x86_64" → version "12", arch "x86_64"; a version without a known trailing arch is kept whole. */
export function splitArchitecture(version: string): { version: string; arch?: string } {
  const m = /^(.*\S)\s+(\S+)$/u.exec(version.trim());
  if (m !== null && m[1] !== undefined && m[2] !== undefined && MACHINE_ARCHITECTURES.has(m[2].toLowerCase())) return { version: m[1], arch: m[2] };
  return { version: version.trim() };
}

/** String Version is what the OS calls itself ("12.7", "22.04"); Numeric Version is the fallback. */
function versionOf(c: Collected): { version: string; build?: string; arch?: string } | undefined {
  const sv = c.stringVersion;
  if (sv !== undefined && sv.version.trim() !== '') {
    const build = sv.build.trim();
    const split = splitArchitecture(sv.version);
    return build === '' ? split : { ...split, build };
  }
  const nv = c.numericVersion;
  // The numeric build is not used: strongSwan sends 0 there, and "12.7.0" would not be what
  // the OS reports anywhere else.
  if (nv !== undefined) return { version: `${nv.major}.${nv.minor}` };
  return undefined;
}
