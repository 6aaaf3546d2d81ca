/**
 * What a Product Information attribute (RFC 5792 §4.2.2) says about the OS, as data. A standard
 * client names its product ("Debian", "Ubuntu", "Windows 11 Pro"); the vendor id (an IANA Private
 * Enterprise Number) only matters when the name is empty. Adding a product is one row.
 */
import type { OsFamily } from '../../posture/facts.js';
import { VENDOR } from '../pa/constants.js';

/** PEN → product name used when the name field is empty, and the family it implies. */
export const PRODUCT_VENDORS: ReadonlyMap<number, { product: string; family: OsFamily }> = new Map([
  [VENDOR.DEBIAN, { product: 'Debian', family: 'linux' }],
  [VENDOR.CANONICAL, { product: 'Ubuntu', family: 'linux' }],
  [2312, { product: 'Red Hat Enterprise Linux', family: 'linux' }], // Red Hat
  [7057, { product: 'SUSE Linux', family: 'linux' }], // SUSE
  [311, { product: 'Windows', family: 'windows' }], // Microsoft
  [63, { product: 'macOS', family: 'macos' }], // Apple
]);

/**
 * Name prefix → family, first match wins. Matched on the lower-cased, trimmed name so "ubuntu",
 * "Ubuntu" and " Ubuntu " agree. Prefixes, not substrings: "Windows Subsystem for Linux" is
 * Windows, and a product merely mentioning "linux" later in its name stays out of 'linux'
 * unless it starts with a known distribution.
 */
export const FAMILY_BY_NAME_PREFIX: readonly (readonly [prefix: string, family: OsFamily])[] = [
  ['windows', 'windows'],
  ['microsoft windows', 'windows'],
  ['macos', 'macos'],
  ['mac os', 'macos'],
  ['os x', 'macos'],
  ['debian', 'linux'],
  ['ubuntu', 'linux'],
  ['raspbian', 'linux'],
  ['linux', 'linux'], // "Linux Mint", plain "Linux"
  ['fedora', 'linux'],
  ['red hat', 'linux'],
  ['rhel', 'linux'],
  ['centos', 'linux'],
  ['rocky', 'linux'],
  ['almalinux', 'linux'],
  ['oracle linux', 'linux'],
  ['amazon linux', 'linux'],
  ['suse', 'linux'],
  ['opensuse', 'linux'],
  ['sles', 'linux'],
  ['arch', 'linux'],
  ['alpine', 'linux'],
  ['gentoo', 'linux'],
  ['kali', 'linux'],
  ['pop!_os', 'linux'],
];

/** Product name and family for a Product Information attribute. */
export function productOf(vendorId: number, productId: number, name: string): { product: string; family: OsFamily } {
  const trimmed = name.trim();
  const known = PRODUCT_VENDORS.get(vendorId);
  if (trimmed === '') {
    // Keep the numbers rather than inventing a name: the trace shows what the client sent.
    return known ?? { product: `unknown product ${productId} of vendor ${vendorId}`, family: 'other' };
  }
  const lower = trimmed.toLowerCase();
  const byName = FAMILY_BY_NAME_PREFIX.find(([prefix]) => lower.startsWith(prefix));
  // The name decides; the vendor id is a fallback for names we do not know ("Devuan" from 9586).
  return { product: trimmed, family: byName?.[1] ?? known?.family ?? 'other' };
}
