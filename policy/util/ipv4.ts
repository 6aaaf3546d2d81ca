/**
 * IPv4 addresses as unsigned 32-bit integers: pools are ranges of them, and an address's offset
 * in its range indexes the pool's bitmap. Strings only at the edges (config, store, logs).
 */
import { parseCidr } from './cidr.js';

/** `a.b.c.d` → integer, or undefined for anything that is not a dotted quad of 0–255. */
export function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    // No leading zeros, signs or spaces: "010" is octal to some tools and decimal to others.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export const intToIpv4 = (n: number): string => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

/** `first-last` (inclusive) as integers; undefined when malformed or reversed. */
export function parseIpv4Range(text: string): { first: number; last: number } | undefined {
  const [a, b, ...rest] = text.split('-');
  if (a === undefined || b === undefined || rest.length > 0) return undefined;
  const first = ipv4ToInt(a.trim());
  const last = ipv4ToInt(b.trim());
  if (first === undefined || last === undefined || last < first) return undefined;
  return { first, last };
}

/** `a.b.c.d/n` → network and prefix; undefined when malformed, IPv6, or the host bits are set. */
export function parseIpv4Cidr(text: string): { network: number; prefix: number } | undefined {
  // parseCidr also takes a bare address as a /32; a pool's subnet must say its prefix.
  const c = text.includes('/') ? parseCidr(text) : undefined;
  return c?.family === 4 ? { network: c.bytes.readUInt32BE(0), prefix: c.prefix } : undefined;
}

/** The netmask of a prefix length as an unsigned integer (0 for /0). */
export const maskOf = (prefix: number): number => (prefix === 0 ? 0 : (0xffff_ffff << (32 - prefix)) >>> 0);

/** True when `ip` lies in `network`/`prefix`. */
export const inSubnet = (ip: number, network: number, prefix: number): boolean => ((ip & maskOf(prefix)) >>> 0) === network;

/** The subnet's broadcast address. */
export const broadcastOf = (network: number, prefix: number): number => (network | ~maskOf(prefix)) >>> 0;
