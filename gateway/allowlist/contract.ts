/**
 * What a gateway enforces, as data: the policy server resolves addresses to endpoints and their
 * verdicts (policy/addresses/) and hands each gateway (in-process, or remote over the stream) a
 * list of entries plus the few addresses quarantined hosts may still reach. The nft layer turns
 * that into one table of its own; nothing here knows about nft syntax.
 *
 * An address that has no entry is treated as quarantined: the gateway never needs to be told
 * about a host for it to be confined (the static-IP bypass of the DHCP method, seed 2.1.5.2).
 */

// The entries and the policy are the policy server's (it computes them); gateways take them as they are.
export { ACCESS_CLASSES, sameEntry, stricterEntry, type AccessClass, type AddressEntry as AllowlistEntry, type TenantAddressEntry as TenantEntry } from '../../policy/addresses/access.js';
export type { GatewayPolicy, GatewayService } from '../../policy/addresses/gateway-feed.js';

/** What each gateway host decides for itself (its own config). */
export interface GatewayLocal {
  /** nft table name (family inet). The gateway owns this table and touches no other. */
  table: string;
  /** The endpoint networks this gateway stands in front of (LAN scopes, VPN pools): IPv4 CIDRs. */
  clientNetworks: string[];
  /** Interfaces of directly attached segments: allowed entries match IP and MAC there; IPv6 forwarded from them is dropped. */
  directInterfaces: string[];
  /** Local TCP port of the portal redirector (HTTP from quarantined hosts is redirected here). Absent: no redirect. */
  portalRedirectPort?: number;
  /**
   * A local IPv4 address of the gateway the redirected HTTP is sent to. Absent: the address of the
   * interface the packet came in on, which a tunnel device without an IPv4 address lacks (the
   * enforcer picks one of the host's addresses then).
   */
  portalRedirectAddress?: string;
}
