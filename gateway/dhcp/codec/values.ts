/**
 * Value codecs for the RFC 2132 option types: IPv4 address, address list, 8/16/32-bit unsigned,
 * text. Decoders are total over raw bytes: a value that does not fit its type throws
 * DhcpDecodeError('bad-option-value'), so the server can drop the request under that reason
 * instead of acting on half a value. Encoders take trusted local values: a bad one is our bug, a
 * RangeError.
 */
import { isIPv4 } from 'node:net';
import { DhcpDecodeError } from './decode-error.js';

const bad = (what: string): DhcpDecodeError => new DhcpDecodeError('bad-option-value', what);

/** The unspecified address: how the fixed header says "no address" in ciaddr, yiaddr, siaddr, giaddr. */
export const ZERO_ADDRESS = '0.0.0.0';

export function encodeIpv4(ip: string): Buffer {
  if (!isIPv4(ip)) throw new RangeError(`not an IPv4 address: ${ip}`);
  return Buffer.from(ip.split('.').map(Number));
}

/** Four bytes at `at` as a dotted quad; callers have checked the length. */
export function ipv4At(b: Uint8Array, at: number): string {
  return `${b[at]!}.${b[at + 1]!}.${b[at + 2]!}.${b[at + 3]!}`;
}

export function decodeIpv4(v: Uint8Array): string {
  if (v.length !== 4) throw bad(`address is ${v.length} bytes, not 4`);
  return ipv4At(v, 0);
}

export function encodeIpv4List(ips: readonly string[]): Buffer {
  if (ips.length === 0) throw new RangeError('an address list option needs at least one address (RFC 2132)');
  return Buffer.concat(ips.map(encodeIpv4));
}

/** RFC 2132 §3.5 and friends: "minimum length is 4, and the length MUST be a multiple of 4". */
export function decodeIpv4List(v: Uint8Array): string[] {
  if (v.length === 0 || v.length % 4 !== 0) throw bad(`address list is ${v.length} bytes, not a non-zero multiple of 4`);
  const out: string[] = [];
  for (let at = 0; at < v.length; at += 4) out.push(ipv4At(v, at));
  return out;
}

function checkUint(n: number, bits: 8 | 16 | 32): void {
  if (!Number.isInteger(n) || n < 0 || n > 2 ** bits - 1) throw new RangeError(`value must fit ${bits} bits unsigned, got ${n}`);
}

export function encodeUint8(n: number): Buffer {
  checkUint(n, 8);
  return Buffer.of(n);
}
export function decodeUint8(v: Uint8Array): number {
  if (v.length !== 1) throw bad(`8-bit value is ${v.length} bytes, not 1`);
  return v[0]!;
}

export function encodeUint16(n: number): Buffer {
  checkUint(n, 16);
  return Buffer.of(n >>> 8, n & 0xff);
}
export function decodeUint16(v: Uint8Array): number {
  if (v.length !== 2) throw bad(`16-bit value is ${v.length} bytes, not 2`);
  return (v[0]! << 8) | v[1]!;
}

export function encodeUint32(n: number): Buffer {
  checkUint(n, 32);
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
export function decodeUint32(v: Uint8Array): number {
  if (v.length !== 4) throw bad(`32-bit value is ${v.length} bytes, not 4`);
  return ((v[0]! << 24) >>> 0) + ((v[1]! << 16) | (v[2]! << 8) | v[3]!);
}

const ENCODER = new TextEncoder();
// Not fatal: DHCP text (host names, vendor classes, NAK messages) is informational and comes from
// every kind of firmware. Refusing a lease over one odd byte in a host name would cost more than
// the U+FFFD it shows in a log. Identity comes from chaddr and option 61, which stay bytes.
const DECODER = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export function encodeText(s: string): Buffer {
  return Buffer.from(ENCODER.encode(s));
}

/**
 * RFC 2132 strings are not NUL-terminated, but enough clients send a trailing NUL (and some pad
 * with several) that keeping them would make "host\0" and "host" two names for one endpoint.
 */
export function decodeText(v: Uint8Array): string {
  let end = v.length;
  while (end > 0 && v[end - 1] === 0) end--;
  return DECODER.decode(v.subarray(0, end));
}
