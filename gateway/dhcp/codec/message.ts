/**
 * DHCPv4 message codec (RFC 2131 §2, §3; RFC 951 for the BOOTP header it inherits): a 236-byte
 * fixed header, the magic cookie 99.130.83.99, then options (option-area.ts). Addresses are
 * dotted quads, because that is how leases, scopes and logs name them; chaddr stays bytes,
 * because its meaning depends on htype (clientMac gives Kenneki's endpoint key for Ethernet).
 *
 * Decoding is total: any input returns a message or throws DhcpDecodeError with a drop reason.
 * Encoding takes trusted local values, so a bad field is our bug: a RangeError.
 */
import { DhcpDecodeError } from './decode-error.js';
import {
  FILE_BYTES, FILE_OFFSET, OPTIONS_OFFSET, OPTION_END, OPTION_OVERLOAD, OPTION_PAD, SNAME_BYTES, SNAME_OFFSET,
  decodeOptionFields, encodeOptionFields, type OptionInstance,
} from './option-area.js';
import { encodeIpv4, ipv4At, ZERO_ADDRESS } from './values.js';

export const DHCP_OP = { BOOTREQUEST: 1, BOOTREPLY: 2 } as const;
export type DhcpOp = (typeof DHCP_OP)[keyof typeof DHCP_OP];

/** ARP hardware type for Ethernet (and 802.11, which presents as Ethernet to DHCP). */
export const HTYPE_ETHERNET = 1;
/** RFC 2131 §2, figure 2: the leftmost bit of flags; all others MBZ, but are kept as received. */
export const BROADCAST_FLAG = 0x8000;

export const DHCP_HEADER_BYTES = 236;
export const DHCP_MAGIC_COOKIE = Uint8Array.of(99, 130, 83, 99);
/** Header plus cookie: anything shorter cannot be DHCP. */
export const DHCP_MIN_DATAGRAM_BYTES = OPTIONS_OFFSET;
/**
 * The largest datagram decoded. Option 57 lets a client accept up to 65535, but nothing real
 * sends more than an Ethernet MTU; 4096 leaves room for jumbo-frame relays and bounds the work
 * a hostile datagram can ask for.
 */
export const DHCP_MAX_DATAGRAM_BYTES = 4096;
/** RFC 1542 §2.1: BOOTP messages are at least 300 bytes, and some relays and clients insist. */
export const BOOTP_MIN_MESSAGE_BYTES = 300;
/**
 * RFC 2131 §2 / RFC 2132 §9.10: every client accepts a 576-byte IP datagram, the minimum legal
 * option 57. Option 57 counts the IP and UDP headers (as ISC dhcpd reads it), so the DHCP
 * message itself gets 576 − 28 = 548 bytes: 236 header + 312 options, RFC 2131's figure.
 */
export const DEFAULT_MAX_MESSAGE_SIZE = 576;
export const IP_UDP_HEADER_BYTES = 28;
export const CHADDR_BYTES = 16;

const CHADDR_OFFSET = 28;

export interface DhcpMessage {
  op: DhcpOp;
  /** Hardware address type (ARP numbers); 1 for Ethernet. */
  htype: number;
  /** Hardware address length, at most 16. */
  hlen: number;
  /** Relay hop count. */
  hops: number;
  /** Transaction id chosen by the client, echoed in replies; unsigned 32-bit. */
  xid: number;
  secs: number;
  /** Bit 15 is BROADCAST_FLAG; see wantsBroadcast. */
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /**
   * 16 bytes when decoded (hlen says how many matter; a view into the datagram, like option
   * values); up to 16 when encoding, zero-filled. Replies copy it from the request (RFC 2131 §4.3.1).
   */
  chaddr: Uint8Array;
  /**
   * Server host name and boot file, up to their first NUL, byte for byte (latin1, so any bytes
   * round-trip). '' when the field carries overloaded options instead of a name.
   */
  sname: string;
  file: string;
  /**
   * One value per option code, RFC 3396 instances already concatenated, in order of first
   * appearance; pad, end and overload (52) are wire layout and never appear here. Decoded values
   * may be views into the datagram: copy them before reusing the receive buffer.
   */
  options: Map<number, Uint8Array>;
}

export function decodeDhcp(datagram: Uint8Array): DhcpMessage {
  const buf = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  if (buf.length > DHCP_MAX_DATAGRAM_BYTES) throw new DhcpDecodeError('too-long', `datagram of ${buf.length} bytes exceeds ${DHCP_MAX_DATAGRAM_BYTES}`);
  if (buf.length < DHCP_MIN_DATAGRAM_BYTES) throw new DhcpDecodeError('too-short', `datagram of ${buf.length} bytes is shorter than header and cookie (240)`);
  const op = buf[0]!;
  if (op !== DHCP_OP.BOOTREQUEST && op !== DHCP_OP.BOOTREPLY) throw new DhcpDecodeError('bad-op', `op ${op}`, 0);
  const hlen = buf[2]!;
  if (hlen > CHADDR_BYTES) throw new DhcpDecodeError('bad-hlen', `hlen ${hlen} exceeds the 16-byte chaddr`, 2);
  for (let i = 0; i < 4; i++) {
    if (buf[DHCP_HEADER_BYTES + i] !== DHCP_MAGIC_COOKIE[i]) throw new DhcpDecodeError('bad-cookie', 'no DHCP magic cookie after the header', DHCP_HEADER_BYTES);
  }
  const { options, overload } = decodeOptionFields(buf);
  return {
    op,
    htype: buf[1]!,
    hlen,
    hops: buf[3]!,
    xid: buf.readUInt32BE(4),
    secs: buf.readUInt16BE(8),
    flags: buf.readUInt16BE(10),
    ciaddr: ipv4At(buf, 12),
    yiaddr: ipv4At(buf, 16),
    siaddr: ipv4At(buf, 20),
    giaddr: ipv4At(buf, 24),
    chaddr: buf.subarray(CHADDR_OFFSET, CHADDR_OFFSET + CHADDR_BYTES),
    sname: overload & 2 ? '' : nameAt(buf, SNAME_OFFSET, SNAME_BYTES),
    file: overload & 1 ? '' : nameAt(buf, FILE_OFFSET, FILE_BYTES),
    options,
  };
}

function nameAt(buf: Buffer, offset: number, bytes: number): string {
  const field = buf.subarray(offset, offset + bytes);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? bytes : nul).toString('latin1');
}

export interface EncodeOptions {
  /**
   * The peer's option 57 (IP datagram size, IP and UDP headers included); default 576. Values
   * below 576 are read as 576: RFC 2132 §9.10 makes 576 the minimum legal value, and every
   * client must accept it anyway.
   */
  maxMessageSize?: number;
  /**
   * Whether options that do not fit may continue in empty file/sname fields (RFC 2132 §9.3).
   * Default true; it only ever applies to a message that would otherwise be refused.
   */
  overload?: boolean;
}

/** Message Type goes first by convention (clients dispatch on it); relay info last, where RFC 3046 §2.1 puts it. */
const FIRST_OPTION = 53;
const LAST_OPTION = 82;

function checkUint(v: number, bits: 8 | 16 | 32, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 2 ** bits - 1) throw new RangeError(`DHCP ${what} must fit ${bits} bits unsigned, got ${v}`);
}

function nameBytes(s: string, max: number, what: string): Buffer {
  const b = Buffer.from(s, 'latin1');
  // latin1 keeps one byte per char, so a char above U+00FF would be silently mangled: refuse it.
  if (b.toString('latin1') !== s) throw new RangeError(`DHCP ${what} has characters outside latin1`);
  if (b.length > max) throw new RangeError(`DHCP ${what} is ${b.length} bytes; the field holds ${max}`);
  if (b.includes(0)) throw new RangeError(`DHCP ${what} contains a NUL`);
  return b;
}

/** Options in wire order: 53 first, 82 last, the rest as the map holds them. Refuses layout codes. */
function orderedOptions(options: ReadonlyMap<number, Uint8Array>): OptionInstance[] {
  const out: OptionInstance[] = [];
  for (const [code, value] of options) {
    checkUint(code, 8, 'option code');
    if (code === OPTION_PAD || code === OPTION_END || code === OPTION_OVERLOAD) throw new RangeError(`option ${code} is wire layout; the encoder writes it`);
    if (code !== FIRST_OPTION && code !== LAST_OPTION) out.push({ code, value });
  }
  const first = options.get(FIRST_OPTION);
  const last = options.get(LAST_OPTION);
  if (first !== undefined) out.unshift({ code: FIRST_OPTION, value: first });
  if (last !== undefined) out.push({ code: LAST_OPTION, value: last });
  return out;
}

export function encodeDhcp(msg: DhcpMessage, opts: EncodeOptions = {}): Buffer {
  if (msg.op !== DHCP_OP.BOOTREQUEST && msg.op !== DHCP_OP.BOOTREPLY) throw new RangeError(`DHCP op must be 1 or 2, got ${msg.op}`);
  checkUint(msg.htype, 8, 'htype');
  checkUint(msg.hlen, 8, 'hlen');
  if (msg.hlen > CHADDR_BYTES) throw new RangeError(`DHCP hlen ${msg.hlen} exceeds 16`);
  checkUint(msg.hops, 8, 'hops');
  checkUint(msg.xid, 32, 'xid');
  checkUint(msg.secs, 16, 'secs');
  checkUint(msg.flags, 16, 'flags');
  if (msg.chaddr.length > CHADDR_BYTES) throw new RangeError(`DHCP chaddr is ${msg.chaddr.length} bytes; the field holds 16`);
  const sname = nameBytes(msg.sname, SNAME_BYTES, 'sname');
  const file = nameBytes(msg.file, FILE_BYTES, 'file');
  const mms = opts.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  checkUint(mms, 16, 'maxMessageSize');
  // Capped at what our own decoder accepts: a peer claiming 65535 is not a reason to send that.
  const maxBytes = Math.min(Math.max(mms, DEFAULT_MAX_MESSAGE_SIZE) - IP_UDP_HEADER_BYTES, DHCP_MAX_DATAGRAM_BYTES);
  const overload = opts.overload ?? true;

  const fields = encodeOptionFields(orderedOptions(msg.options), {
    optionsBytes: maxBytes - OPTIONS_OFFSET,
    file: overload && file.length === 0,
    sname: overload && sname.length === 0,
  });
  // Zero-filled: unused chaddr, name fields and the BOOTP minimum padding are all zeros (pads).
  const out = Buffer.alloc(Math.max(OPTIONS_OFFSET + fields.options.length, BOOTP_MIN_MESSAGE_BYTES));
  out[0] = msg.op;
  out[1] = msg.htype;
  out[2] = msg.hlen;
  out[3] = msg.hops;
  out.writeUInt32BE(msg.xid, 4);
  out.writeUInt16BE(msg.secs, 8);
  out.writeUInt16BE(msg.flags, 10);
  out.set(encodeIpv4(msg.ciaddr), 12);
  out.set(encodeIpv4(msg.yiaddr), 16);
  out.set(encodeIpv4(msg.siaddr), 20);
  out.set(encodeIpv4(msg.giaddr), 24);
  out.set(msg.chaddr, CHADDR_OFFSET);
  out.set(fields.sname ?? sname, SNAME_OFFSET);
  out.set(fields.file ?? file, FILE_OFFSET);
  out.set(DHCP_MAGIC_COOKIE, DHCP_HEADER_BYTES);
  out.set(fields.options, OPTIONS_OFFSET);
  return out;
}

/** The client asked for broadcast replies (RFC 2131 §4.1): it cannot receive unicast before it has an address. */
export function wantsBroadcast(msg: Pick<DhcpMessage, 'flags'>): boolean {
  return (msg.flags & BROADCAST_FLAG) !== 0;
}

const PAIRS = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * The client's MAC in Kenneki's canonical form (`aa:bb:cc:dd:ee:ff`, as policy/util/mac.ts), the
 * key of its endpoint; undefined when chaddr is not an Ethernet address (htype 1, hlen 6), since
 * another hardware type's bytes would collide with some MAC.
 */
export function clientMac(msg: Pick<DhcpMessage, 'htype' | 'hlen' | 'chaddr'>): string | undefined {
  if (msg.htype !== HTYPE_ETHERNET || msg.hlen !== 6 || msg.chaddr.length < 6) return undefined;
  const c = msg.chaddr;
  return `${PAIRS[c[0]!]!}:${PAIRS[c[1]!]!}:${PAIRS[c[2]!]!}:${PAIRS[c[3]!]!}:${PAIRS[c[4]!]!}:${PAIRS[c[5]!]!}`;
}

/** A header with every field at its "none" value, for building messages: spread and override. */
export function emptyMessage(op: DhcpOp): DhcpMessage {
  return {
    op, htype: HTYPE_ETHERNET, hlen: 6, hops: 0, xid: 0, secs: 0, flags: 0,
    ciaddr: ZERO_ADDRESS, yiaddr: ZERO_ADDRESS, siaddr: ZERO_ADDRESS, giaddr: ZERO_ADDRESS,
    chaddr: new Uint8Array(CHADDR_BYTES), sname: '', file: '', options: new Map(),
  };
}
