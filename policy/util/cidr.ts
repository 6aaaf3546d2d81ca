/**
 * IP addresses and CIDR blocks as bytes, for matching a packet's source against configured
 * clients. node:net's BlockList answers "is it in the list" but not "which entry", and the RADIUS
 * server needs the entry (its secret, tenant and profile).
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  family: 4 | 6;
  /** The network address, host bits cleared. */
  bytes: Buffer;
  prefix: number;
}

/** IPv4-mapped IPv6 (::ffff:a.b.c.d, what a dual-stack socket reports) becomes plain IPv4. */
export function ipBytes(ip: string): Buffer | undefined {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return ipBytes(mapped[1]!);
  // isIPv6 vouched for the shape; a zone (fe80::1%eth0) does not change the address.
  const groups = expandIpv6(ip.replace(/%.*$/, ''));
  return groups && Buffer.from(groups.flatMap((g) => [g >> 8, g & 0xff]));
}

function expandIpv6(ip: string): number[] | undefined {
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    text = `${text.slice(0, -v4[1]!.length)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const all = [...h, ...Array<string>(fill).fill('0'), ...t];
  if (all.length !== 8) return undefined;
  return all.map((g) => parseInt(g, 16));
}

/** `10.0.0.0/24`, `2001:db8::/32`, or a bare address (a /32 or /128). Host bits must be clear. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  if (/^::ffff:/i.test(addr) && slash >= 0) return undefined;
  const bytes = ipBytes(addr);
  if (!bytes) return undefined;
  const family = bytes.length === 4 ? 4 : 6;
  const max = family === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(max) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > max) return undefined;
  if (!sameNetwork(bytes, bytes, prefix, true)) return undefined;
  return { family, bytes, prefix };
}

/** True when `ip` (bytes) lies in the block. */
export function cidrContains(c: Cidr, ip: Buffer): boolean {
  return ip.length === c.bytes.length && sameNetwork(c.bytes, ip, c.prefix, false);
}

/** Compares the first `prefix` bits; with `hostBitsClear`, also requires `a`'s host bits to be 0. */
function sameNetwork(a: Buffer, b: Buffer, prefix: number, hostBitsClear: boolean): boolean {
  for (let i = 0; i < a.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    const mask = bits === 0 ? 0 : (0xff << (8 - bits)) & 0xff;
    if (hostBitsClear) {
      if ((a[i]! & ~mask & 0xff) !== 0) return false;
    } else if ((a[i]! & mask) !== (b[i]! & mask)) return false;
  }
  return true;
}

export const formatCidr = (c: Cidr): string =>
  `${c.family === 4 ? [...c.bytes].join('.') : (c.bytes.toString('hex').match(/.{4}/g) ?? []).join(':')}/${c.prefix}`;
