/**
 * Replies: OFFER, ACK and NAK built from the request (RFC 2131 §4.3.1 table 3), and where each
 * goes (§4.1).
 */
import {
  BROADCAST_FLAG, DHCP_MESSAGE_TYPE, DHCP_OP, ZERO_ADDRESS, captivePortalOption, domainNameOption, domainNameServersOption, echoRelayAgentInfo,
  emptyMessage, getMaxMessageSize, leaseTimeOption, messageOption, messageTypeOption, rebindingTimeOption, renewalTimeOption, routersOption,
  serverIdentifierOption, subnetMaskOption, wantsBroadcast, type DhcpMessage, type DhcpMessageType, type DhcpOptionEntry,
} from '../codec/index.js';
import type { ServedPool } from './scopes.js';

/** The port relays and servers listen on, and the one clients do (RFC 2131 §4.1). */
export const SERVER_PORT = 67;
export const CLIENT_PORT = 68;

/** A reply to a request: the same xid, flags, giaddr and chaddr; the server's own fields set. */
function base(req: DhcpMessage, type: DhcpMessageType, serverId: string, options: DhcpOptionEntry[]): DhcpMessage {
  return {
    ...emptyMessage(DHCP_OP.BOOTREPLY),
    htype: req.htype, hlen: req.hlen, xid: req.xid, flags: req.flags, giaddr: req.giaddr, chaddr: req.chaddr,
    options: new Map([messageTypeOption(type), serverIdOf(serverId), ...options, ...echoRelayAgentInfo(req)]),
  };
}

/**
 * A pool's options, encoded once: they never change while the server runs, and parsing the same
 * address strings for every reply showed in the DHCP server's profile.
 */
const encoded = new WeakMap<ServedPool, { network: DhcpOptionEntry[]; lease: DhcpOptionEntry[] }>();

function optionsOf(p: ServedPool): { network: DhcpOptionEntry[]; lease: DhcpOptionEntry[] } {
  let e = encoded.get(p);
  if (!e) {
    // What a client needs to use its address (and, in quarantine, to find the portal).
    const network: DhcpOptionEntry[] = [subnetMaskOption(p.mask)];
    if (p.routers.length > 0) network.push(routersOption(p.routers));
    if (p.dns.length > 0) network.push(domainNameServersOption(p.dns));
    if (p.domain !== undefined) network.push(domainNameOption(p.domain));
    if (p.captivePortal !== undefined) network.push(captivePortalOption(p.captivePortal));
    // The lease times: T1 at half the lease, T2 at seven eighths (RFC 2131 §4.4.5).
    const s = p.leaseSeconds;
    const lease = [leaseTimeOption(s), renewalTimeOption(Math.floor(s / 2)), rebindingTimeOption(Math.floor((s * 7) / 8)), ...network];
    encoded.set(p, (e = { network, lease }));
  }
  return e;
}

const serverIds = new Map<string, DhcpOptionEntry>();
const serverIdOf = (ip: string): DhcpOptionEntry => {
  let o = serverIds.get(ip);
  if (!o) serverIds.set(ip, (o = serverIdentifierOption(ip)));
  return o;
};

export function offer(req: DhcpMessage, serverId: string, ip: string, p: ServedPool): DhcpMessage {
  return { ...base(req, DHCP_MESSAGE_TYPE.OFFER, serverId, optionsOf(p).lease), yiaddr: ip };
}

export function ack(req: DhcpMessage, serverId: string, ip: string, p: ServedPool): DhcpMessage {
  return { ...base(req, DHCP_MESSAGE_TYPE.ACK, serverId, optionsOf(p).lease), ciaddr: req.ciaddr, yiaddr: ip };
}

/** INFORM: the configuration only; no lease time, no yiaddr (RFC 2131 §4.3.5). */
export function informAck(req: DhcpMessage, serverId: string, p: ServedPool): DhcpMessage {
  return { ...base(req, DHCP_MESSAGE_TYPE.ACK, serverId, optionsOf(p).network), ciaddr: req.ciaddr };
}

/** NAK: nothing but the reason (§4.3.2); with a relay, the broadcast bit tells it to broadcast on the client's segment. */
export function nak(req: DhcpMessage, serverId: string, reason: string): DhcpMessage {
  const m = base(req, DHCP_MESSAGE_TYPE.NAK, serverId, [messageOption(reason)]);
  return req.giaddr !== ZERO_ADDRESS ? { ...m, flags: m.flags | BROADCAST_FLAG } : m;
}

/** The biggest reply the client said it accepts (option 57), for the encoder. */
export const maxReplySize = (req: DhcpMessage): number | undefined => {
  try {
    return getMaxMessageSize(req);
  } catch {
    return undefined;
  }
};

/**
 * Where a reply goes (RFC 2131 §4.1): to the relay when there is one; to the client's address
 * when it has one (renewing, INFORM), except a NAK; else broadcast on the segment. Unicast to a
 * client that has no address yet needs an ARP entry Node cannot make, so those are broadcast too,
 * which §4.1 allows.
 */
export function destination(req: DhcpMessage, reply: DhcpMessage, directBroadcast: string): { address: string; port: number } {
  if (req.giaddr !== ZERO_ADDRESS) return { address: req.giaddr, port: SERVER_PORT };
  const isNak = reply.options.get(53)?.[0] === DHCP_MESSAGE_TYPE.NAK;
  if (!isNak && req.ciaddr !== ZERO_ADDRESS && !wantsBroadcast(req)) return { address: req.ciaddr, port: CLIENT_PORT };
  return { address: directBroadcast, port: CLIENT_PORT };
}
