/**
 * Addresses as the host firewall takes them: one IPv4/IPv6 address or a CIDR prefix, checked
 * with node:net and written in one canonical form (lower case, host bits cleared), because every
 * renderer pastes them into another language's syntax (nft, PowerShell, pf): nothing that is not
 * an address may ever reach a script.
 */
import { ipv6GroupsToText } from '../../policy/util/ipv6-text.js';
import { isIP } from 'node:net';

export type Family = 4 | 6;

export interface ParsedAddress {
  /** Canonical text: `10.0.0.5`, `10.0.0.0/24`, `2001:db8::/32` (a full-length prefix is written bare). */
  text: string;
  family: Family;
  /** 32 or 128 for a single address. */
  prefix: number;
}

function v4ToBig(a: string): bigint {
  return a.split('.').reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function bigToV4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
}

function v6ToBig(a: string): bigint {
  let text = a.toLowerCase();
  // An embedded IPv4 tail (::ffff:10.0.0.1) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1] !== undefined) {
    const n = v4ToBig(v4[1]);
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** RFC 5952 text (policy/util/ipv6-text.ts). */
function bigToV6(n: bigint): string {
  return ipv6GroupsToText(Array.from({ length: 8 }, (_, i) => Number((n >> BigInt((7 - i) * 16)) & 0xffffn)));
}

/** The canonical address or prefix, or a reason it is not one. `allowZeroPrefix` only for the server fallback. */
export function parseAddress(input: string, opts: { allowZeroPrefix?: boolean } = {}): ParsedAddress | { problem: string } {
  if (typeof input !== 'string' || input.length === 0 || input.length > 64) return { problem: 'is not an IP address or CIDR prefix' };
  if (input.includes('%')) return { problem: 'must not carry an IPv6 zone id' };
  const slash = input.indexOf('/');
  const addr = slash < 0 ? input : input.slice(0, slash);
  const family = isIP(addr);
  if (family !== 4 && family !== 6) return { problem: 'is not an IP address or CIDR prefix' };
  const bits = family === 4 ? 32 : 128;
  let prefix = bits;
  if (slash >= 0) {
    const p = input.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > bits) return { problem: `has a prefix length outside 0..${bits}` };
    prefix = Number(p);
    if (prefix === 0 && opts.allowZeroPrefix !== true) return { problem: 'is a /0 prefix (it would allow every address)' };
  }
  const value = family === 4 ? v4ToBig(addr) : v6ToBig(addr);
  const hostBits = BigInt(bits - prefix);
  const network = (value >> hostBits) << hostBits;
  const base = family === 4 ? bigToV4(network) : bigToV6(network);
  return { text: prefix === bits ? base : `${base}/${prefix}`, family, prefix };
}

export function familyOf(address: string): Family {
  return address.includes(':') ? 6 : 4;
}
