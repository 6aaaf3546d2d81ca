/**
 * Facts → the PA-TNC attributes that carry them, and attribute requests → the facts they ask for.
 *
 * Two components, as the server's IMVs expect (policy/tnc/imv): the IETF Operating System
 * component (collector 1) carries what IETF PA-TNC defines — Product Information, String Version,
 * Installed Packages, Forwarding Enabled, and the ITA-HSR Device ID, exactly as strongSwan's OS IMC
 * sends them — and the Kenneki component (collector 2, vendor `pt_tls.vendor_id`) carries the rest
 * as Kenneki vendor attributes. A fact the agent could not collect goes as a Kenneki
 * "fact unavailable" notice with the reason, whichever component would have carried it.
 *
 * Privacy (seed 000): only os, deviceId and agent are sent unprompted; everything else only when
 * the server's Attribute Request asks for it, i.e. when some policy needs it.
 */
import type { Fact, FactKey, FactValues, PostureFacts } from '../../policy/posture/facts.js';
import { FORWARDING, IETF_ATTR, ITA_HSR_DEVICE_ID_TYPE, VENDOR } from '../../policy/tnc/pa/constants.js';
import { encodeIetfAttribute, type AttributeId } from '../../policy/tnc/pa/ietf-attributes.js';
import { encodeFactUnavailable, encodeKennekiFact, kennekiFactOfType, type KennekiFactKey } from '../../policy/tnc/pa/kenneki-attributes.js';
import type { PaAttribute } from '../../policy/tnc/pa/message.js';
import { MACHINE_ARCHITECTURES } from '../../policy/tnc/imv/os-attributes.js';

/** Sent in the first batch without being asked: what identifies the device and its OS. */
export const UNPROMPTED: readonly FactKey[] = ['os', 'deviceId', 'agent'];

/** Facts IETF attributes carry (the OS component); every other fact is a Kenneki attribute. */
const IETF_FACTS: ReadonlySet<FactKey> = new Set(['os', 'packages', 'ipForwarding', 'factoryDefaultPassword', 'deviceId']);

/** Product Information's vendor id: the PEN of the OS vendor where there is a well-known one. */
const OS_VENDOR_PEN: Record<string, number> = { debian: VENDOR.DEBIAN, ubuntu: VENDOR.CANONICAL, windows: 311, macos: 63 };

/** Installed Packages' Count field is 16 bits: a larger inventory goes in several attributes. */
const PACKAGES_PER_ATTRIBUTE = 65_535;
/** NameLen and VerLen are 8 bits (RFC 5792 §4.2.7). */
const MAX_FIELD_BYTES = 255;

const utf8Len = (s: string): number => Buffer.byteLength(s, 'utf8');

/** The facts an Attribute Request asks for (unknown attribute ids are ignored). */
export function factsRequested(requested: readonly AttributeId[], kennekiVendor: number): FactKey[] {
  const out = new Set<FactKey>();
  for (const a of requested) {
    if (a.vendor === VENDOR.IETF) {
      if (a.type === IETF_ATTR.PRODUCT_INFORMATION || a.type === IETF_ATTR.STRING_VERSION || a.type === IETF_ATTR.NUMERIC_VERSION) out.add('os');
      else if (a.type === IETF_ATTR.INSTALLED_PACKAGES) out.add('packages');
      else if (a.type === IETF_ATTR.FORWARDING_ENABLED) out.add('ipForwarding');
      else if (a.type === IETF_ATTR.FACTORY_DEFAULT_PASSWORD_ENABLED) out.add('factoryDefaultPassword');
    } else if (a.vendor === VENDOR.ITA_HSR && a.type === ITA_HSR_DEVICE_ID_TYPE) {
      out.add('deviceId');
    } else if (a.vendor === kennekiVendor) {
      const k = kennekiFactOfType(a.type);
      if (k !== undefined) out.add(k);
    }
  }
  return [...out];
}

export interface ComponentAttributes {
  /** IETF Operating System component. */
  os: PaAttribute[];
  /** Kenneki posture component. */
  kenneki: PaAttribute[];
}

/**
 * The attributes for `keys`. A key with no fact at all (no collector on this platform) is reported
 * unavailable too, so the server never waits on evidence that is not coming.
 */
export function attributesFor(facts: PostureFacts, keys: readonly FactKey[], kennekiVendor: number): ComponentAttributes {
  const out: ComponentAttributes = { os: [], kenneki: [] };
  for (const key of keys) {
    const fact = facts[key] as Fact<unknown> | undefined;
    if (fact === undefined || fact.status !== 'ok') {
      const reason = fact === undefined ? 'not collected by kenneki-agent on this platform' : fact.reason;
      out.kenneki.push(encodeFactUnavailable(kennekiVendor, { fact: key, reason }));
      continue;
    }
    if (IETF_FACTS.has(key)) out.os.push(...ietfAttributes(key, fact.value));
    else out.kenneki.push(encodeKennekiFact(kennekiVendor, key as KennekiFactKey, fact.value as FactValues[KennekiFactKey]));
  }
  return out;
}

function ietfAttributes(key: FactKey, value: unknown): PaAttribute[] {
  switch (key) {
    case 'os': {
      const os = value as FactValues['os'];
      // The server splits a trailing architecture off String Version only when it knows it, so
      // send only one it will recognise: what it stores is then exactly what we collected.
      const arch = os.arch !== undefined && MACHINE_ARCHITECTURES.has(os.arch.toLowerCase()) ? ` ${os.arch}` : '';
      return [
        encodeIetfAttribute({ type: 'product-information', vendorId: OS_VENDOR_PEN[os.product.toLowerCase()] ?? OS_VENDOR_PEN[os.family] ?? 0, productId: 0, name: os.product }),
        encodeIetfAttribute({ type: 'string-version', version: `${os.version}${arch}`, build: os.build ?? '', config: '' }),
      ];
    }
    case 'packages': {
      const { packages } = value as FactValues['packages'];
      // A name or version over 255 bytes cannot be carried; it would be a hostile or broken
      // package database, and dropping it is safer than truncating it into another package.
      const fit = packages.filter((p) => utf8Len(p.name) <= MAX_FIELD_BYTES && utf8Len(p.version) <= MAX_FIELD_BYTES);
      const out: PaAttribute[] = [];
      for (let i = 0; i === 0 || i < fit.length; i += PACKAGES_PER_ATTRIBUTE) {
        out.push(encodeIetfAttribute({ type: 'installed-packages', packages: fit.slice(i, i + PACKAGES_PER_ATTRIBUTE) }));
      }
      return out;
    }
    case 'ipForwarding':
      return [encodeIetfAttribute({ type: 'forwarding-enabled', value: value === true ? FORWARDING.ENABLED : FORWARDING.DISABLED })];
    case 'factoryDefaultPassword':
      return [encodeIetfAttribute({ type: 'factory-default-password-enabled', value: value === true ? 1 : 0 })];
    case 'deviceId':
      return [{ noskip: false, vendor: VENDOR.ITA_HSR, type: ITA_HSR_DEVICE_ID_TYPE, value: Buffer.from(String(value), 'utf8') }];
    default:
      throw new RangeError(`${key} is not an IETF-carried fact`);
  }
}
