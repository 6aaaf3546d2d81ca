/**
 * The CLIENT side of a TNC connection, built only from the codecs, so the session tests speak the
 * same bytes a standard client would (strongSwan's pt-tls-client with its OS IMC, per nea-wire.md)
 * rather than calling session internals.
 */
import { ITA_HSR_DEVICE_ID_TYPE, KENNEKI_PA_SUBTYPE, KENNEKI_VENDOR_ID, PA_SUBTYPE, VENDOR } from '../pa/constants.js';
import { decodeIetfAttribute, encodeIetfAttribute, type IetfAttribute } from '../pa/ietf-attributes.js';
import { decodePaMessage, encodePaMessage, type PaAttribute } from '../pa/message.js';
import { BatchType, decodeBatch, encodeBatch, type BatchTypeValue, type PbMessage } from '../pb/batch.js';
import { decodeIetfPbMessage, encodeIetfPbMessage, type IetfPbMessage } from '../pb/messages.js';
import { decodePtBody, ptMessage, type PtBody } from '../pt/bodies.js';
import { utf8Bytes } from '../bytes.js';
import type { PtMessage } from '../pt/message.js';

/** strongSwan's OS IMC is collector 1 and addresses any validator. */
export const OS_COLLECTOR_ID = 1;
export const ANY_VALIDATOR = 0xffff;
export const MACHINE_ID = '0123456789abcdef0123456789abcdef';
/** A Kenneki agent's posture component speaks as collector 2, next to its OS collector. */
export const KENNEKI_COLLECTOR_ID = 2;

export class TestClient {
  private nextId = 0;

  pt(body: PtBody): PtMessage {
    return ptMessage(body, this.nextId++);
  }

  versionRequest(min = 1, max = 1, pref = 1): PtMessage {
    return this.pt({ type: 1, min, max, pref });
  }

  plain(user: string, password: string, authzid = ''): PtMessage {
    return this.pt({ type: 4, name: 'PLAIN', initial: utf8Bytes(`${authzid}\0${user}\0${password}`) });
  }

  /** A raw PB-TNC batch PT message, for hostile bytes. */
  rawBatch(batch: Uint8Array): PtMessage {
    return this.pt({ type: 7, batch });
  }

  batch(type: BatchTypeValue, messages: PbMessage[]): PtMessage {
    return this.rawBatch(encodeBatch({ fromServer: false, type, messages }));
  }

  /** A PB-PA from the OS collector carrying these attributes. */
  osPa(attributes: PaAttribute[], paId = 1): PbMessage {
    const paMessage = encodePaMessage({ version: 1, id: paId, attributes });
    return encodeIetfPbMessage({ kind: 'pa', exclusive: false, paVendor: VENDOR.IETF, paSubtype: PA_SUBTYPE.OPERATING_SYSTEM, collectorId: OS_COLLECTOR_ID, validatorId: ANY_VALIDATOR, paMessage }, true);
  }

  /** A PB-PA from a Kenneki agent's posture component (vendor attributes). */
  kennekiPa(attributes: PaAttribute[], paId = 1, vendor = KENNEKI_VENDOR_ID): PbMessage {
    const paMessage = encodePaMessage({ version: 1, id: paId, attributes });
    return encodeIetfPbMessage(
      { kind: 'pa', exclusive: false, paVendor: vendor, paSubtype: KENNEKI_PA_SUBTYPE.POSTURE, collectorId: KENNEKI_COLLECTOR_ID, validatorId: ANY_VALIDATOR, paMessage },
      true,
    );
  }

  languagePreference(lang: string): PbMessage {
    return encodeIetfPbMessage({ kind: 'language-preference', text: `Accept-Language: ${lang}` });
  }

  /** The first CDATA as observed: Language-Preference, then the OS PB-PA. */
  firstCdata(lang = 'en'): PtMessage {
    return this.batch(BatchType.CDATA, [this.languagePreference(lang), this.osPa(debian12Attributes())]);
  }

  packagesCdata(count: number): PtMessage {
    return this.batch(BatchType.CDATA, [this.osPa([encodeIetfAttribute(packagesAttribute(count))], 2)]);
  }

  close(): PtMessage {
    return this.batch(BatchType.CLOSE, []);
  }
}

/** What strongSwan's OS IMC (5.9.8) sends unprompted from a Debian 12 x86_64 machine. */
export function debian12Attributes(): PaAttribute[] {
  const ietf: IetfAttribute[] = [
    { type: 'product-information', vendorId: VENDOR.DEBIAN, productId: 0, name: 'Debian' },
    { type: 'string-version', version: '12 x86_64', build: '', config: '' },
    { type: 'numeric-version', major: 12, minor: 0, build: 0, servicePackMajor: 0, servicePackMinor: 0 },
    { type: 'operational-status', status: 3, result: 1, lastUse: '2024-05-01T08:00:00Z' },
    { type: 'forwarding-enabled', value: 0 },
    { type: 'factory-default-password-enabled', value: 0 },
  ];
  return [...ietf.map((a) => encodeIetfAttribute(a)), { noskip: false, vendor: VENDOR.ITA_HSR, type: ITA_HSR_DEVICE_ID_TYPE, value: utf8Bytes(MACHINE_ID) }];
}

export function packagesAttribute(count: number): IetfAttribute {
  return { type: 'installed-packages', packages: Array.from({ length: count }, (_, i) => ({ name: `package-${i}`, version: `1.${i}-1+deb12u1` })) };
}

// ---- reading server replies ------------------------------------------------------------------

export const bodyOf = (m: PtMessage): PtBody => decodePtBody(m);

export interface ServerBatch {
  fromServer: boolean;
  type: BatchTypeValue;
  messages: { noskip: boolean; type: number; decoded: IetfPbMessage | undefined }[];
}

/** Decodes a server PB-TNC batch the way the client does: D flag required, exact lengths. */
export function serverBatchOf(m: PtMessage): ServerBatch {
  const body = decodePtBody(m);
  if (body.type !== 7) throw new Error(`expected a PB-TNC Batch, got PT type ${body.type}`);
  const b = decodeBatch(body.batch, { maxBatchBytes: 1 << 24, expectFromServer: true });
  return { fromServer: b.fromServer, type: b.type, messages: b.messages.map((x) => ({ noskip: x.noskip, type: x.type, decoded: decodeIetfPbMessage(x) })) };
}

/** The raw PA attributes inside a decoded PB-PA message, for vendor attributes. */
export function rawPaAttributesOf(x: IetfPbMessage | undefined): PaAttribute[] {
  if (x?.kind !== 'pa') throw new Error('expected a PB-PA message');
  return decodePaMessage(x.paMessage).attributes;
}

/** The IETF attributes inside a decoded PB-PA message. */
export function paAttributesOf(x: IetfPbMessage | undefined): IetfAttribute[] {
  if (x?.kind !== 'pa') throw new Error('expected a PB-PA message');
  return decodePaMessage(x.paMessage).attributes.map((a) => decodeIetfAttribute(a)).filter((a): a is IetfAttribute => a !== undefined);
}
