/**
 * Typed access to a packet's attributes, standard and vendor alike. An attribute is named by its
 * dictionary entry (or a bare standard type number), so `getText(p, attr('Aruba-User-Role'))`
 * looks inside Vendor-Specific attributes while `getText(p, attr('Filter-Id'))` does not: the
 * vendor is data in the entry, not a branch in the caller.
 *
 * Getters return the first value, or undefined when absent; the `All` forms return every value in
 * packet order (multi-valued attributes such as Reply-Message, Class or Cisco-AVPair).
 */
import { RadiusDecodeError } from './decode-error.js';
import type { AttributeDef } from './dictionary.js';
import { RADIUS_MAX_ATTRIBUTE_VALUE_BYTES, type RadiusAttribute, type RadiusPacket } from './packet.js';
import {
  decodeInteger, decodeIpv4, decodeIpv6, decodeTaggedInteger, decodeTaggedText, decodeText,
  encodeInteger, encodeIpv4, encodeIpv6, encodeTaggedInteger, encodeTaggedText, encodeText, type Tagged,
} from './values.js';

export const VENDOR_SPECIFIC = 26;

/** A standard type number, or a dictionary entry (which may be a vendor's). */
export type AttributeRef = number | Pick<AttributeDef, 'vendor' | 'type'>;

const refOf = (r: AttributeRef): { vendor: number; type: number } => (typeof r === 'number' ? { vendor: 0, type: r } : r);

export interface VendorSpecific {
  vendor: number;
  attributes: RadiusAttribute[];
}

/**
 * RFC 2865 §5.26: Vendor-Id(4), then sub-attributes Type(1) Length(1) Value in the suggested
 * format. One VSA may carry several sub-attributes. Vendor-Id's high byte must be 0 (SMI numbers
 * are 24-bit in practice; RFC 2865: "the high-order octet is 0").
 */
export function decodeVendorSpecific(value: Uint8Array): VendorSpecific {
  if (value.length < 4) throw new RadiusDecodeError('bad-vsa', `Vendor-Specific of ${value.length} bytes has no Vendor-Id`);
  if (value[0] !== 0) throw new RadiusDecodeError('bad-vsa', `Vendor-Id high byte is ${value[0]}, not 0`);
  const vendor = (value[1]! << 16) | (value[2]! << 8) | value[3]!;
  const attributes: RadiusAttribute[] = [];
  let at = 4;
  while (at < value.length) {
    const len = value[at + 1];
    if (len === undefined || len < 2 || at + len > value.length) throw new RadiusDecodeError('bad-vsa', `vendor ${vendor} sub-attribute at offset ${at} has a bad length`, at);
    attributes.push({ type: value[at]!, value: value.subarray(at + 2, at + len) });
    at += len;
  }
  return { vendor, attributes };
}

export function encodeVendorSpecific(vsa: VendorSpecific): RadiusAttribute {
  if (!Number.isInteger(vsa.vendor) || vsa.vendor < 0 || vsa.vendor > 0xffffff) throw new RangeError(`Vendor-Id must fit 24 bits, got ${vsa.vendor}`);
  const parts: Uint8Array[] = [Uint8Array.of(0, (vsa.vendor >>> 16) & 0xff, (vsa.vendor >>> 8) & 0xff, vsa.vendor & 0xff)];
  for (const a of vsa.attributes) {
    if (!Number.isInteger(a.type) || a.type < 0 || a.type > 255) throw new RangeError(`vendor sub-attribute type must fit 8 bits, got ${a.type}`);
    if (a.value.length > 255 - 2) throw new RangeError(`vendor sub-attribute ${a.type} value too long`);
    parts.push(Uint8Array.of(a.type, a.value.length + 2), a.value);
  }
  const value = Buffer.concat(parts);
  if (value.length > RADIUS_MAX_ATTRIBUTE_VALUE_BYTES) throw new RangeError(`Vendor-Specific value would be ${value.length} bytes; the limit is 253`);
  return { type: VENDOR_SPECIFIC, value };
}

/**
 * Every raw value of the attribute, in packet order. For a vendor attribute this walks all VSAs
 * of that vendor; a VSA that does not parse throws RadiusDecodeError('bad-vsa') only when it is
 * the vendor we were asked about, so one odd vendor cannot hide another's attributes.
 */
export function getAllRaw(p: Pick<RadiusPacket, 'attributes'>, ref: AttributeRef): Uint8Array[] {
  const { vendor, type } = refOf(ref);
  const out: Uint8Array[] = [];
  for (const a of p.attributes) {
    if (vendor === 0) {
      if (a.type === type) out.push(a.value);
      continue;
    }
    if (a.type !== VENDOR_SPECIFIC || a.value.length < 4) continue;
    const id = (a.value[1]! << 16) | (a.value[2]! << 8) | a.value[3]!;
    if (a.value[0] !== 0 || id !== vendor) continue;
    for (const s of decodeVendorSpecific(a.value).attributes) if (s.type === type) out.push(s.value);
  }
  return out;
}

export function getRaw(p: Pick<RadiusPacket, 'attributes'>, ref: AttributeRef): Uint8Array | undefined {
  const { vendor, type } = refOf(ref);
  // Standard attributes, read several times per request: the first match, no array.
  if (vendor === 0) {
    for (const a of p.attributes) if (a.type === type) return a.value;
    return undefined;
  }
  return getAllRaw(p, ref)[0];
}

const first = <T>(p: Pick<RadiusPacket, 'attributes'>, ref: AttributeRef, f: (v: Uint8Array) => T): T | undefined => {
  const v = getRaw(p, ref);
  return v === undefined ? undefined : f(v);
};

export const getText = (p: Pick<RadiusPacket, 'attributes'>, ref: AttributeRef): string | undefined => first(p, ref, decodeText);
export const getAllText = (p: Pick<RadiusPacket, 'attributes'>, ref: AttributeRef): string[] => getAllRaw(p, ref).map(decodeText);
export const getInteger = (p: Pick<RadiusPacket, 'attributes'>, ref: AttributeRef): number | undefined => first(p, ref, decodeInteger);
export const getIpv4 = (p: Pick<RadiusPacket, 'attributes'>, ref: AttributeRef): string | undefined => first(p, ref, decodeIpv4);
export const getIpv6 = (p: Pick<RadiusPacket, 'attributes'>, ref: AttributeRef): string | undefined => first(p, ref, decodeIpv6);
export const getTaggedInteger = (p: Pick<RadiusPacket, 'attributes'>, ref: AttributeRef): Tagged<number> | undefined => first(p, ref, decodeTaggedInteger);
export const getTaggedText = (p: Pick<RadiusPacket, 'attributes'>, ref: AttributeRef): Tagged<string> | undefined => first(p, ref, decodeTaggedText);

/** Wraps a value for a dictionary entry: a plain attribute, or a one-sub-attribute VSA. */
export function attribute(ref: AttributeRef, value: Uint8Array): RadiusAttribute {
  const { vendor, type } = refOf(ref);
  if (vendor === 0) {
    if (value.length > RADIUS_MAX_ATTRIBUTE_VALUE_BYTES) throw new RangeError(`attribute ${type} value is ${value.length} bytes; the limit is 253`);
    return { type, value };
  }
  return encodeVendorSpecific({ vendor, attributes: [{ type, value }] });
}

export const textAttribute = (ref: AttributeRef, s: string): RadiusAttribute => attribute(ref, encodeText(s));
export const integerAttribute = (ref: AttributeRef, n: number): RadiusAttribute => attribute(ref, encodeInteger(n));
export const ipv4Attribute = (ref: AttributeRef, ip: string): RadiusAttribute => attribute(ref, encodeIpv4(ip));
export const ipv6Attribute = (ref: AttributeRef, ip: string): RadiusAttribute => attribute(ref, encodeIpv6(ip));
export const taggedIntegerAttribute = (ref: AttributeRef, tag: number, n: number): RadiusAttribute => attribute(ref, encodeTaggedInteger(tag, n));
export const taggedTextAttribute = (ref: AttributeRef, tag: number, s: string): RadiusAttribute => attribute(ref, encodeTaggedText(tag, s));

/** The attributes without any of `type` (standard space): used to re-place Message-Authenticator. */
export function withoutType(attrs: readonly RadiusAttribute[], type: number): RadiusAttribute[] {
  return attrs.filter((a) => a.type !== type);
}
