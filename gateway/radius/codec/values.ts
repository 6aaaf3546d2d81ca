/**
 * Value codecs for the RADIUS data types (RFC 8044): text, integer, ipaddr, ipv6addr, ipv6prefix,
 * date, and the RFC 2868 tag forms. Each decoder is total over raw bytes: a value that does not
 * fit its type throws RadiusDecodeError('bad-attribute-value'). RFC 6929 §2.8 makes such an
 * attribute "invalid", which is the caller's decision, not a reason to drop the whole packet.
 */
import { ipv6GroupsToText } from '../../../policy/util/ipv6-text.js';
import { isIPv4, isIPv6 } from 'node:net';
import { RadiusDecodeError } from './decode-error.js';

const bad = (what: string): RadiusDecodeError => new RadiusDecodeError('bad-attribute-value', what);

// fatal: a User-Name with invalid UTF-8 is not silently turned into U+FFFD (it names an endpoint).
const DECODER = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const ENCODER = new TextEncoder();

export function encodeText(s: string): Buffer {
  return Buffer.from(ENCODER.encode(s));
}
export function decodeText(v: Uint8Array): string {
  // Most RADIUS text (MACs, user and NAS names) is ASCII, which latin1 decodes the same, faster.
  let ascii = true;
  for (let i = 0; i < v.length; i++) {
    if (v[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1');
  try {
    return DECODER.decode(v);
  } catch {
    throw bad('text is not valid UTF-8');
  }
}

export function encodeInteger(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`RADIUS integer must fit 32 bits, got ${n}`);
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
export function decodeInteger(v: Uint8Array): number {
  if (v.length !== 4) throw bad(`integer is ${v.length} bytes, not 4`);
  return ((v[0]! << 24) >>> 0) + ((v[1]! << 16) | (v[2]! << 8) | v[3]!);
}

export function encodeIpv4(ip: string): Buffer {
  if (!isIPv4(ip)) throw new RangeError(`not an IPv4 address: ${ip}`);
  return Buffer.from(ip.split('.').map(Number));
}
export function decodeIpv4(v: Uint8Array): string {
  if (v.length !== 4) throw bad(`ipaddr is ${v.length} bytes, not 4`);
  return Array.from(v).join('.');
}

/** Any textual IPv6 (with "::" or an embedded IPv4 tail) to its 16 bytes. */
export function encodeIpv6(ip: string): Buffer {
  if (!isIPv6(ip)) throw new RangeError(`not an IPv6 address: ${ip}`);
  let s = ip.split('%')[0]!;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const b = encodeIpv4(v4[1]!);
    s = s.slice(0, v4.index) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}
/** 16 bytes to RFC 5952 text: lowercase, the longest run of two or more zero groups as "::". */
export function decodeIpv6(v: Uint8Array): string {
  if (v.length !== 16) throw bad(`ipv6addr is ${v.length} bytes, not 16`);
  return formatIpv6(v);
}
function formatIpv6(v: Uint8Array): string {
  return ipv6GroupsToText(Array.from({ length: 8 }, (_, i) => (v[2 * i]! << 8) | v[2 * i + 1]!));
}

export interface Ipv6Prefix {
  prefix: string;
  length: number;
}
/** RFC 3162 §2.3: Reserved(1) Prefix-Length(1) Prefix(only the bytes the length needs). */
export function encodeIpv6Prefix(p: Ipv6Prefix): Buffer {
  if (!Number.isInteger(p.length) || p.length < 0 || p.length > 128) throw new RangeError(`IPv6 prefix length must be 0–128, got ${p.length}`);
  const bytes = encodeIpv6(p.prefix).subarray(0, Math.ceil(p.length / 8));
  return Buffer.concat([Uint8Array.of(0, p.length), bytes]);
}
export function decodeIpv6Prefix(v: Uint8Array): Ipv6Prefix {
  if (v.length < 2 || v.length > 18) throw bad(`ipv6prefix is ${v.length} bytes, not 2–18`);
  const length = v[1]!;
  if (length > 128 || v.length - 2 < Math.ceil(length / 8)) throw bad(`ipv6prefix length ${length} needs more than ${v.length - 2} prefix bytes`);
  const full = new Uint8Array(16);
  full.set(v.subarray(2));
  return { prefix: formatIpv6(full), length };
}

/** RFC 8044 date: unsigned seconds since 1970 in 32 bits (wraps in 2106). */
export function encodeDate(d: Date): Buffer {
  return encodeInteger(Math.floor(d.getTime() / 1000));
}
export function decodeDate(v: Uint8Array): Date {
  return new Date(decodeInteger(v) * 1000);
}

/** RFC 2868 §3: a tag 1–31 names a tunnel; 0 means "no tag" (only integers then carry a 0 byte). */
export const MAX_TAG = 0x1f;
function checkTag(tag: number): void {
  if (!Number.isInteger(tag) || tag < 0 || tag > MAX_TAG) throw new RangeError(`RFC 2868 tag must be 0–31, got ${tag}`);
}

export interface Tagged<T> {
  tag: number;
  value: T;
}

/** Tagged integer: the tag replaces the top byte, leaving 24 bits for the value (RFC 2868 §3.1). */
export function encodeTaggedInteger(tag: number, n: number): Buffer {
  checkTag(tag);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffff) throw new RangeError(`tagged integer must fit 24 bits, got ${n}`);
  return Buffer.from([tag, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}
export function decodeTaggedInteger(v: Uint8Array): Tagged<number> {
  if (v.length !== 4) throw bad(`tagged integer is ${v.length} bytes, not 4`);
  return { tag: v[0]!, value: (v[1]! << 16) | (v[2]! << 8) | v[3]! };
}

/**
 * Tagged string: a leading byte 0x01–0x1F is the tag; any other first byte belongs to the string
 * (RFC 2868 §3.3: the tag is optional). So tag 0 is sent as no byte at all, which is also what
 * FreeRADIUS does, and a string whose own first byte is below 0x20 cannot be sent untagged.
 */
export function encodeTaggedText(tag: number, s: string): Buffer {
  checkTag(tag);
  const text = encodeText(s);
  if (tag === 0) {
    if (text.length > 0 && text[0]! <= MAX_TAG) throw new RangeError('an untagged string may not start with a byte 0x00–0x1F; give it a tag');
    return text;
  }
  return Buffer.concat([Uint8Array.of(tag), text]);
}
export function decodeTaggedText(v: Uint8Array): Tagged<string> {
  if (v.length > 0 && v[0]! >= 1 && v[0]! <= MAX_TAG) return { tag: v[0]!, value: decodeText(v.subarray(1)) };
  return { tag: 0, value: decodeText(v) };
}
