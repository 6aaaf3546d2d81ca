/**
 * Shared fixtures for the DHCP codec tests: hex with spaces, a fixed-header builder that follows
 * the RFC 2131 §2 figure field by field, and fast-check arbitraries for messages.
 */
import fc from 'fast-check';
import { DhcpDecodeError, type DhcpDecodeReason } from './decode-error.js';
import { decodeDhcp, type DhcpMessage } from './message.js';

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const ascii = (s: string): string => toHex(Buffer.from(s, 'latin1'));

export interface HeaderFields {
  op?: number;
  htype?: number;
  hlen?: number;
  hops?: number;
  xid?: string;
  secs?: string;
  flags?: string;
  ciaddr?: string;
  yiaddr?: string;
  siaddr?: string;
  giaddr?: string;
  chaddr?: string;
  /** Hex of the whole 64-byte field (zero-filled when shorter). */
  sname?: string;
  /** Hex of the whole 128-byte field (zero-filled when shorter). */
  file?: string;
}

const byte = (n: number): string => n.toString(16).padStart(2, '0');
const ipHex = (ip: string): string => ip.split('.').map((p) => byte(Number(p))).join('');
const fill = (h: string, bytes: number): string => h.replace(/\s+/g, '').padEnd(bytes * 2, '0');

/** The 236-byte header and the magic cookie, as hex, from RFC 2131 §2's field list. */
export function headerHex(f: HeaderFields = {}): string {
  return [
    byte(f.op ?? 1), byte(f.htype ?? 1), byte(f.hlen ?? 6), byte(f.hops ?? 0),
    f.xid ?? '39 03 f3 26', f.secs ?? '0000', f.flags ?? '0000',
    ipHex(f.ciaddr ?? '0.0.0.0'), ipHex(f.yiaddr ?? '0.0.0.0'), ipHex(f.siaddr ?? '0.0.0.0'), ipHex(f.giaddr ?? '0.0.0.0'),
    fill(f.chaddr ?? '000b8201fc42', 16), fill(f.sname ?? '', 64), fill(f.file ?? '', 128),
    '63825363',
  ].join('').replace(/\s+/g, '');
}

/** A datagram: header, cookie, then the given option bytes, zero-padded to 300 like a client would. */
export function datagram(options: string, f: HeaderFields = {}): Buffer {
  const b = hex(headerHex(f) + options);
  return b.length >= 300 ? b : Buffer.concat([b, Buffer.alloc(300 - b.length)]);
}

/** Runs fn; the reason of the DhcpDecodeError it throws, failing on any other outcome. */
export function reasonOf(fn: () => unknown): DhcpDecodeReason {
  try {
    fn();
  } catch (e) {
    if (e instanceof DhcpDecodeError) return e.reason;
    throw e;
  }
  throw new Error('expected a DhcpDecodeError, but nothing was thrown');
}

/** "Returns or throws DhcpDecodeError": anything else fails the property. */
export function decodesOrDrops(b: Uint8Array): boolean {
  try {
    decodeDhcp(b);
  } catch (e) {
    if (!(e instanceof DhcpDecodeError)) throw e;
  }
  return true;
}

/** Comparable form: hex bytes, options as [code, hex] pairs in map order. */
export function norm(m: DhcpMessage): Record<string, unknown> {
  return { ...m, chaddr: toHex(m.chaddr), options: [...m.options].map(([c, v]) => [c, toHex(v)]) };
}

/** The encoder's order: 53 first, 82 last, the rest as given. */
export function wireOrder(m: DhcpMessage): DhcpMessage {
  const rest = [...m.options].filter(([c]) => c !== 53 && c !== 82);
  const first = m.options.has(53) ? [[53, m.options.get(53)!] as const] : [];
  const last = m.options.has(82) ? [[82, m.options.get(82)!] as const] : [];
  return { ...m, options: new Map([...first, ...rest, ...last]) };
}

const ipArb = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
/** latin1 without NUL: what the name fields can carry. */
const nameArb = (max: number) => fc.string({ unit: fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: max });

export const optionCodeArb = fc.integer({ min: 1, max: 254 }).filter((c) => c !== 52);

export const optionsArb = (maxValue: number, maxCount: number, minValue = 0, minCount = 0): fc.Arbitrary<Map<number, Uint8Array>> =>
  fc.uniqueArray(fc.tuple(optionCodeArb, fc.uint8Array({ minLength: minValue, maxLength: maxValue })), { selector: ([c]) => c, minLength: minCount, maxLength: maxCount })
    .map((entries) => new Map(entries));

export const messageArb = (o: { maxValue: number; maxCount: number; names: boolean; minValue?: number; minCount?: number }): fc.Arbitrary<DhcpMessage> =>
  fc.record({
    op: fc.constantFrom(1 as const, 2 as const),
    htype: fc.nat(255),
    hlen: fc.nat(16),
    hops: fc.nat(255),
    xid: fc.nat(0xffffffff),
    secs: fc.nat(0xffff),
    flags: fc.nat(0xffff),
    ciaddr: ipArb,
    yiaddr: ipArb,
    siaddr: ipArb,
    giaddr: ipArb,
    chaddr: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    sname: o.names ? nameArb(64) : fc.constant(''),
    file: o.names ? nameArb(128) : fc.constant(''),
    options: optionsArb(o.maxValue, o.maxCount, o.minValue, o.minCount),
  });
