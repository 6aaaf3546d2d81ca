/**
 * What a gateway does with an address, derived from the verdicts of the endpoints that claim it.
 * Gateways (gateway/allowlist/) enforce these; the policy server computes them (address-view.ts).
 */
import type { Verdict } from '../decide/policy.js';

/** How a gateway treats traffic from an address. Unknown addresses are treated as quarantined. */
export type AccessClass = 'allowed' | 'quarantined' | 'denied';
export const ACCESS_CLASSES: readonly AccessClass[] = ['allowed', 'quarantined', 'denied'];

export interface AddressEntry {
  /** Dotted IPv4 address. */
  ip: string;
  /** The MAC that holds the address on its segment, when known (a lease, an 802.1X session). */
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
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(v4) || v4.split('.').some((o) => Number(o) > 255)) return undefined;
  // Loopback and unspecified addresses are never an endpoint's address on a gateway.
  if (v4.startsWith('127.') || v4 === '0.0.0.0') return undefined;
  return v4;
}
