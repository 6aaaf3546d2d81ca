/** Kenneki's DHCPv4 codec: the public surface for the DHCP server and its tests. */
export { DHCP_DECODE_REASONS, DhcpDecodeError, isDhcpDecodeError, type DhcpDecodeReason } from './decode-error.js';
export {
  BOOTP_MIN_MESSAGE_BYTES, BROADCAST_FLAG, CHADDR_BYTES, DEFAULT_MAX_MESSAGE_SIZE, DHCP_HEADER_BYTES, DHCP_MAGIC_COOKIE,
  DHCP_MAX_DATAGRAM_BYTES, DHCP_MIN_DATAGRAM_BYTES, DHCP_OP, HTYPE_ETHERNET, IP_UDP_HEADER_BYTES,
  clientMac, decodeDhcp, emptyMessage, encodeDhcp, wantsBroadcast,
  type DhcpMessage, type DhcpOp, type EncodeOptions,
} from './message.js';
export { MAX_OPTION_VALUE_BYTES, OPTION_END, OPTION_OVERLOAD, OPTION_PAD, OVERLOAD } from './option-area.js';
export * from './options.js';
export {
  RELAY_SUBOPTION, decodeRelayAgentInfo, echoRelayAgentInfo, encodeRelayAgentInfo, getLinkSelection, getRelayAgentInfo, scopeSelector,
  type RelayAgentInfo, type RelaySubOption,
} from './relay-agent.js';
export * from './values.js';
