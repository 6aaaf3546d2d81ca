/**
 * Option codes (RFC 2132 and later) and typed access to the ones a DHCP server reads or sends.
 * Getters take anything with `options` and return undefined when the option is absent; a
 * present option whose length does not fit its type throws DhcpDecodeError('bad-option-value').
 * Builders return `[code, value]` entries, so a reply's options are `new Map([...])`. Options
 * without a typed accessor stay raw in the map, to be logged or echoed as they came.
 */
import { DhcpDecodeError } from './decode-error.js';
import type { DhcpMessage } from './message.js';
import {
  decodeIpv4, decodeIpv4List, decodeText, decodeUint16, decodeUint32, decodeUint8,
  encodeIpv4, encodeIpv4List, encodeText, encodeUint16, encodeUint32, encodeUint8,
} from './values.js';

export const DHCP_OPTION = {
  SUBNET_MASK: 1,
  ROUTERS: 3,
  DOMAIN_NAME_SERVERS: 6,
  HOST_NAME: 12,
  DOMAIN_NAME: 15,
  BROADCAST_ADDRESS: 28,
  REQUESTED_IP: 50,
  LEASE_TIME: 51,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  SERVER_IDENTIFIER: 54,
  PARAMETER_REQUEST_LIST: 55,
  MESSAGE: 56,
  MAX_MESSAGE_SIZE: 57,
  RENEWAL_TIME: 58,
  REBINDING_TIME: 59,
  VENDOR_CLASS_ID: 60,
  CLIENT_IDENTIFIER: 61,
  RELAY_AGENT_INFORMATION: 82,
  /** RFC 8910: where a client in the captive (quarantine) network finds the portal's API. */
  CAPTIVE_PORTAL: 114,
} as const;

export type DhcpOptionEntry = readonly [code: number, value: Uint8Array];
type WithOptions = Pick<DhcpMessage, 'options'>;

/** RFC 2132 §9.6, RFC 3203 (FORCERENEW), RFC 4388 and RFC 6926 (leasequery). */
export const DHCP_MESSAGE_TYPE = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
  FORCERENEW: 9,
  LEASEQUERY: 10,
  LEASEUNASSIGNED: 11,
  LEASEUNKNOWN: 12,
  LEASEACTIVE: 13,
  BULKLEASEQUERY: 14,
  LEASEQUERYDONE: 15,
  ACTIVELEASEQUERY: 16,
  LEASEQUERYSTATUS: 17,
  TLS: 18,
} as const;

export type DhcpMessageType = (typeof DHCP_MESSAGE_TYPE)[keyof typeof DHCP_MESSAGE_TYPE];

const MESSAGE_TYPE_NAMES: ReadonlyMap<number, keyof typeof DHCP_MESSAGE_TYPE> = new Map(
  Object.entries(DHCP_MESSAGE_TYPE).map(([name, n]) => [n, name as keyof typeof DHCP_MESSAGE_TYPE]),
);

/** 'DISCOVER', 'ACK', …: for logs and metric labels. */
export function messageTypeName(t: DhcpMessageType): keyof typeof DHCP_MESSAGE_TYPE {
  return MESSAGE_TYPE_NAMES.get(t)!;
}

/** RFC 2132 §9.2: lease time 0xffffffff means infinity. */
export const INFINITE_LEASE = 0xffffffff;

/** The raw value, or undefined. The value is a view: copy it to keep it past the datagram. */
export function getOption(m: WithOptions, code: number): Uint8Array | undefined {
  return m.options.get(code);
}

const read = <T>(m: WithOptions, code: number, f: (v: Uint8Array) => T): T | undefined => {
  const v = m.options.get(code);
  if (v === undefined) return undefined;
  try {
    return f(v);
  } catch (e) {
    // Name the option, so a drop log says which one was malformed.
    if (e instanceof DhcpDecodeError) throw new DhcpDecodeError('bad-option-value', `option ${code}: ${e.message}`);
    throw e;
  }
};

export function getMessageType(m: WithOptions): DhcpMessageType | undefined {
  return read(m, DHCP_OPTION.MESSAGE_TYPE, (v) => {
    const t = decodeUint8(v);
    if (!MESSAGE_TYPE_NAMES.has(t)) throw new DhcpDecodeError('bad-option-value', `unknown message type ${t}`);
    return t as DhcpMessageType;
  });
}

export const getSubnetMask = (m: WithOptions): string | undefined => read(m, DHCP_OPTION.SUBNET_MASK, decodeIpv4);
export const getRouters = (m: WithOptions): string[] | undefined => read(m, DHCP_OPTION.ROUTERS, decodeIpv4List);
export const getDomainNameServers = (m: WithOptions): string[] | undefined => read(m, DHCP_OPTION.DOMAIN_NAME_SERVERS, decodeIpv4List);
export const getHostName = (m: WithOptions): string | undefined => read(m, DHCP_OPTION.HOST_NAME, decodeText);
export const getDomainName = (m: WithOptions): string | undefined => read(m, DHCP_OPTION.DOMAIN_NAME, decodeText);
export const getBroadcastAddress = (m: WithOptions): string | undefined => read(m, DHCP_OPTION.BROADCAST_ADDRESS, decodeIpv4);
export const getRequestedIp = (m: WithOptions): string | undefined => read(m, DHCP_OPTION.REQUESTED_IP, decodeIpv4);
/** Seconds; INFINITE_LEASE for an infinite lease. */
export const getLeaseTime = (m: WithOptions): number | undefined => read(m, DHCP_OPTION.LEASE_TIME, decodeUint32);
export const getServerIdentifier = (m: WithOptions): string | undefined => read(m, DHCP_OPTION.SERVER_IDENTIFIER, decodeIpv4);
/** Option codes the client asks for, in its order of preference (RFC 2132 §9.8). */
export const getParameterRequestList = (m: WithOptions): number[] | undefined => read(m, DHCP_OPTION.PARAMETER_REQUEST_LIST, (v) => Array.from(v));
export const getMessage = (m: WithOptions): string | undefined => read(m, DHCP_OPTION.MESSAGE, decodeText);
/**
 * The client's option 57 as sent. RFC 2132 §9.10 sets 576 as the minimum legal value; values
 * below it are returned as they are (for logging), and encodeDhcp treats them as 576.
 */
export const getMaxMessageSize = (m: WithOptions): number | undefined => read(m, DHCP_OPTION.MAX_MESSAGE_SIZE, decodeUint16);
export const getRenewalTime = (m: WithOptions): number | undefined => read(m, DHCP_OPTION.RENEWAL_TIME, decodeUint32);
export const getRebindingTime = (m: WithOptions): number | undefined => read(m, DHCP_OPTION.REBINDING_TIME, decodeUint32);
/** Text for logs and policy matching ("MSFT 5.0", "android-dhcp-14"); the raw bytes stay in options. */
export const getVendorClassId = (m: WithOptions): string | undefined => read(m, DHCP_OPTION.VENDOR_CLASS_ID, decodeText);
export const getCaptivePortal = (m: WithOptions): string | undefined => read(m, DHCP_OPTION.CAPTIVE_PORTAL, decodeText);

export interface ClientIdentifier {
  /** The hardware type (1 Ethernet), or 0 for an opaque id, 255 for RFC 4361 IAID+DUID. */
  type: number;
  id: Uint8Array;
}

/**
 * RFC 2132 §9.14: a type byte, then the identifier; "the minimum length is 2". RFC 2131 §4.2 makes
 * it, when present, the lease key instead of chaddr, so the raw bytes are returned, never text.
 */
export const getClientIdentifier = (m: WithOptions): ClientIdentifier | undefined =>
  read(m, DHCP_OPTION.CLIENT_IDENTIFIER, (v) => {
    if (v.length < 2) throw new DhcpDecodeError('bad-option-value', `client identifier is ${v.length} bytes; the minimum is 2`);
    return { type: v[0]!, id: v.subarray(1) };
  });

export const messageTypeOption = (t: DhcpMessageType): DhcpOptionEntry => [DHCP_OPTION.MESSAGE_TYPE, encodeUint8(t)];
export const subnetMaskOption = (mask: string): DhcpOptionEntry => [DHCP_OPTION.SUBNET_MASK, encodeIpv4(mask)];
export const routersOption = (ips: readonly string[]): DhcpOptionEntry => [DHCP_OPTION.ROUTERS, encodeIpv4List(ips)];
export const domainNameServersOption = (ips: readonly string[]): DhcpOptionEntry => [DHCP_OPTION.DOMAIN_NAME_SERVERS, encodeIpv4List(ips)];
export const hostNameOption = (name: string): DhcpOptionEntry => [DHCP_OPTION.HOST_NAME, nonEmptyText(name, 'host name')];
export const domainNameOption = (name: string): DhcpOptionEntry => [DHCP_OPTION.DOMAIN_NAME, nonEmptyText(name, 'domain name')];
export const broadcastAddressOption = (ip: string): DhcpOptionEntry => [DHCP_OPTION.BROADCAST_ADDRESS, encodeIpv4(ip)];
export const requestedIpOption = (ip: string): DhcpOptionEntry => [DHCP_OPTION.REQUESTED_IP, encodeIpv4(ip)];
export const leaseTimeOption = (seconds: number): DhcpOptionEntry => [DHCP_OPTION.LEASE_TIME, encodeUint32(seconds)];
export const serverIdentifierOption = (ip: string): DhcpOptionEntry => [DHCP_OPTION.SERVER_IDENTIFIER, encodeIpv4(ip)];
export const parameterRequestListOption = (codes: readonly number[]): DhcpOptionEntry =>
  [DHCP_OPTION.PARAMETER_REQUEST_LIST, Buffer.concat(codes.map(encodeUint8))];
/** RFC 2131 §4.3.2: the text a NAK carries, to say why. */
export const messageOption = (text: string): DhcpOptionEntry => [DHCP_OPTION.MESSAGE, nonEmptyText(text, 'message')];
export const maxMessageSizeOption = (bytes: number): DhcpOptionEntry => {
  if (bytes < 576) throw new RangeError(`max message size ${bytes} is below the legal minimum 576 (RFC 2132 §9.10)`);
  return [DHCP_OPTION.MAX_MESSAGE_SIZE, encodeUint16(bytes)];
};
export const renewalTimeOption = (seconds: number): DhcpOptionEntry => [DHCP_OPTION.RENEWAL_TIME, encodeUint32(seconds)];
export const rebindingTimeOption = (seconds: number): DhcpOptionEntry => [DHCP_OPTION.REBINDING_TIME, encodeUint32(seconds)];
export const vendorClassIdOption = (id: string): DhcpOptionEntry => [DHCP_OPTION.VENDOR_CLASS_ID, nonEmptyText(id, 'vendor class')];
export const clientIdentifierOption = (c: ClientIdentifier): DhcpOptionEntry => {
  if (c.id.length < 1) throw new RangeError('client identifier needs at least one byte after the type');
  return [DHCP_OPTION.CLIENT_IDENTIFIER, Buffer.concat([encodeUint8(c.type), c.id])];
};
/** RFC 8910 §2.1: the URI of the captive portal API, which must be https. */
export const captivePortalOption = (uri: string): DhcpOptionEntry => {
  if (!/^https:\/\//i.test(uri) && uri !== 'urn:ietf:params:capport:unrestricted') throw new RangeError(`captive portal URI must be https (RFC 8910), got ${uri}`);
  return [DHCP_OPTION.CAPTIVE_PORTAL, encodeText(uri)];
};

function nonEmptyText(s: string, what: string): Buffer {
  // RFC 2132 text options have a minimum length of 1.
  if (s.length === 0) throw new RangeError(`${what} must not be empty`);
  return encodeText(s);
}
