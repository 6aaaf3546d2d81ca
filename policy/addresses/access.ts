/**
 * What a gateway does with an address, derived from the verdicts of the endpoints that claim it.
 * Gateways (gateway/allowlist/) enforce these; the policy server computes them (address-view.ts).
 */
import type { Verdict } from '../decide/policy.js';
import { ipv4ToInt } from '../util/ipv4.js';

/** How a gateway treats traffic from an address. Unknown addresses are treated as quarantined. */
export type AccessClass = 'allowed' | 'quarantined' | 'denied';
/** In order of strictness. */
export const ACCESS_CLASSES: readonly AccessClass[] = ['allowed', 'quarantined', 'denied'];

/** The stricter of two entries for one address (denied over quarantined over allowed): an overlap never opens access. */
export const stricterEntry = <E extends AddressEntry>(a: E | undefined, b: E): E => (a === undefined || ACCESS_CLASSES.indexOf(b.access) > ACCESS_CLASSES.indexOf(a.access) ? b : a);

export interface AddressEntry {
  /** Dotted IPv4 address. */
  ip: string;
  /**
   * The MAC that holds the address on its segment, when known (a lease, an 802.1X session). On
   * directly attached segments an `allowed` entry admits only this IP+MAC pair, and without a MAC
   * it admits nothing there (routed and VPN segments match on IP).
   */
  mac?: string;
  access: AccessClass;
}

export interface TenantAddressEntry extends AddressEntry {
  tenantId: string;
}

const SEVERITY: Record<Verdict, number> = { allow: 0, isolate: 1, deny: 2 };

/** The stricter of two verdicts: when endpoints disagree about one address, the address gets the stricter. */
export const stricter = (a: Verdict | undefined, b: Verdict): Verdict => (a === undefined || SEVERITY[b] > SEVERITY[a] ? b : a);

export function accessOf(verdict: Verdict | undefined): AccessClass {
  if (verdict === 'allow') return 'allowed';
  if (verdict === 'deny') return 'denied';
  return 'quarantined';
}

export const sameEntry = (a: AddressEntry | undefined, b: AddressEntry | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.ip === b.ip && a.mac === b.mac && a.access === b.access);

/** The IPv4 address a socket reports, without the IPv4-mapped IPv6 prefix; undefined for IPv6 and unusable addresses. */
export function socketIpv4(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (ipv4ToInt(v4) === undefined) return undefined;
  // Loopback and unspecified addresses are never an endpoint's address on a gateway.
  if (v4.startsWith('127.') || v4 === '0.0.0.0') return undefined;
  return v4;
}
