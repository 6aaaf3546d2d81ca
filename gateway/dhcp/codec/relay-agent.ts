/**
 * Option 82, relay agent information (RFC 3046): sub-options a relay (usually the access switch)
 * adds to a client's request. Kenneki reads it to learn where the client is plugged in, and must
 * echo it back unchanged in the reply (RFC 3046 §2.2), since the relay strips it and uses
 * circuit-id to forward the reply to the right port. So the raw value is the truth, kept and
 * echoed byte for byte; the parsed sub-options are only a view of it.
 */
import { DhcpDecodeError } from './decode-error.js';
import type { DhcpMessage } from './message.js';
import { DHCP_OPTION, type DhcpOptionEntry } from './options.js';
import { decodeIpv4, ZERO_ADDRESS } from './values.js';

export const RELAY_SUBOPTION = {
  CIRCUIT_ID: 1,
  REMOTE_ID: 2,
  /** RFC 3527: the subnet the client is on, when giaddr is only how to reach the relay. */
  LINK_SELECTION: 5,
  /** RFC 3993. */
  SUBSCRIBER_ID: 6,
  /** RFC 5107: the relay wants its own address as server identifier, to see renewals too. */
  SERVER_IDENTIFIER_OVERRIDE: 11,
} as const;

export interface RelaySubOption {
  code: number;
  value: Uint8Array;
}

export interface RelayAgentInfo {
  /** The option 82 value exactly as received: echo this, not a re-encoding of the parts. */
  raw: Uint8Array;
  /** Every sub-option in order, known or not. */
  subOptions: RelaySubOption[];
  /** Opaque to the server (often "interface:vlan" in ASCII, or a binary port index). */
  circuitId?: Uint8Array;
  /** Opaque; usually the switch's MAC or name. */
  remoteId?: Uint8Array;
  linkSelection?: string;
  /** RFC 3993 §3: NVT ASCII. */
  subscriberId?: string;
  serverIdentifierOverride?: string;
}

const bad = (what: string): DhcpDecodeError => new DhcpDecodeError('bad-option-value', `option 82: ${what}`);

/** Parses an option 82 value; throws DhcpDecodeError('bad-option-value') when its sub-options do not parse. */
export function decodeRelayAgentInfo(raw: Uint8Array): RelayAgentInfo {
  // RFC 3046 §2.0: the option carries at least one sub-option.
  if (raw.length === 0) throw bad('empty');
  const subOptions: RelaySubOption[] = [];
  let at = 0;
  while (at < raw.length) {
    const len = raw[at + 1];
    if (len === undefined || at + 2 + len > raw.length) throw bad(`sub-option ${raw[at]!} at offset ${at} runs past the option`);
    subOptions.push({ code: raw[at]!, value: raw.subarray(at + 2, at + 2 + len) });
    at += 2 + len;
  }
  const info: RelayAgentInfo = { raw, subOptions };
  // A repeated sub-option is malformed by RFC 3046; the first one wins, as the relay meant it.
  const first = (code: number): Uint8Array | undefined => subOptions.find((s) => s.code === code)?.value;
  const circuitId = first(RELAY_SUBOPTION.CIRCUIT_ID);
  const remoteId = first(RELAY_SUBOPTION.REMOTE_ID);
  const link = first(RELAY_SUBOPTION.LINK_SELECTION);
  const subscriber = first(RELAY_SUBOPTION.SUBSCRIBER_ID);
  const override = first(RELAY_SUBOPTION.SERVER_IDENTIFIER_OVERRIDE);
  if (circuitId !== undefined) info.circuitId = circuitId;
  if (remoteId !== undefined) info.remoteId = remoteId;
  if (link !== undefined) info.linkSelection = ipv4(link, 'link-selection');
  if (subscriber !== undefined) info.subscriberId = Buffer.from(subscriber).toString('latin1');
  if (override !== undefined) info.serverIdentifierOverride = ipv4(override, 'server-identifier-override');
  return info;
}

function ipv4(v: Uint8Array, what: string): string {
  if (v.length !== 4) throw bad(`${what} is ${v.length} bytes, not 4`);
  return decodeIpv4(v);
}

/** Builds an option 82 value from sub-options (for tests and for a relay role; servers echo `raw`). */
export function encodeRelayAgentInfo(subOptions: readonly RelaySubOption[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const s of subOptions) {
    if (!Number.isInteger(s.code) || s.code < 0 || s.code > 255) throw new RangeError(`sub-option code must fit 8 bits, got ${s.code}`);
    if (s.value.length > 255) throw new RangeError(`sub-option ${s.code} value is ${s.value.length} bytes; the limit is 255`);
    parts.push(Uint8Array.of(s.code, s.value.length), s.value);
  }
  return Buffer.concat(parts);
}

/** The parsed option 82 of a message, or undefined when it has none. */
export function getRelayAgentInfo(m: Pick<DhcpMessage, 'options'>): RelayAgentInfo | undefined {
  const raw = m.options.get(DHCP_OPTION.RELAY_AGENT_INFORMATION);
  return raw === undefined ? undefined : decodeRelayAgentInfo(raw);
}

/** The RFC 3527 link-selection address, or undefined. */
export function getLinkSelection(m: Pick<DhcpMessage, 'options'>): string | undefined {
  return getRelayAgentInfo(m)?.linkSelection;
}

/**
 * The address that picks the client's scope (RFC 2131 §4.3.1, RFC 3527 §3): link-selection when
 * the relay sent one, else giaddr, else undefined for a client on our own segment (the caller
 * then uses the receiving interface's subnet).
 */
export function scopeSelector(m: Pick<DhcpMessage, 'options' | 'giaddr'>): string | undefined {
  const link = getLinkSelection(m);
  if (link !== undefined) return link;
  return m.giaddr === ZERO_ADDRESS ? undefined : m.giaddr;
}

/**
 * The reply's option 82 entry: the request's value untouched, or nothing. RFC 3046 §2.2: the
 * server copies it into its reply, and never adds one the request did not have.
 */
export function echoRelayAgentInfo(request: Pick<DhcpMessage, 'options'>): DhcpOptionEntry[] {
  const raw = request.options.get(DHCP_OPTION.RELAY_AGENT_INFORMATION);
  return raw === undefined ? [] : [[DHCP_OPTION.RELAY_AGENT_INFORMATION, Uint8Array.from(raw)]];
}
