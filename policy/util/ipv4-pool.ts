/**
 * A DHCP pool's settings as numbers, checked: the range lies inside the subnet and leaves out its
 * network and broadcast addresses, and every router and DNS server is an address. Shared by the
 * config checks (policy/config/dhcp-rules.ts) and the DHCP server (gateway/dhcp), so both read a
 * pool the same way.
 */
import { broadcastOf, inSubnet, intToIpv4, ipv4ToInt, parseIpv4Cidr, parseIpv4Range } from './ipv4.js';

export interface ParsedPool {
  network: number;
  prefix: number;
  first: number;
  last: number;
  routers: number[];
  dns: number[];
}

export type PoolProblem = { field: string; problem: string };


export function parseDhcpPool(p: Record<string, unknown>): ParsedPool | PoolProblem {
  const subnet = typeof p.subnet === 'string' ? parseIpv4Cidr(p.subnet) : undefined;
  if (!subnet) return { field: 'subnet', problem: 'must be an IPv4 CIDR block with its host bits clear (e.g. 10.20.1.0/24)' };
  if (subnet.prefix > 30) return { field: 'subnet', problem: 'must be /30 or larger: a smaller one has no room for clients' };
  const range = typeof p.range === 'string' ? parseIpv4Range(p.range) : undefined;
  if (!range) return { field: 'range', problem: 'must be two IPv4 addresses, first-last, in order (e.g. 10.20.1.10-10.20.1.250)' };
  const broadcast = broadcastOf(subnet.network, subnet.prefix);
  if (range.first <= subnet.network || range.last >= broadcast) {
    return { field: 'range', problem: `must lie inside ${intToIpv4(subnet.network)}/${subnet.prefix} without its network and broadcast addresses` };
  }
  const addresses = (field: 'routers' | 'dns'): number[] | PoolProblem => {
    const list = Array.isArray(p[field]) ? (p[field] as unknown[]) : [];
    const out: number[] = [];
    for (const [i, a] of list.entries()) {
      const n = typeof a === 'string' ? ipv4ToInt(a) : undefined;
      if (n === undefined) return { field: `${field}[${i}]`, problem: 'must be an IPv4 address' };
      out.push(n);
    }
    return out;
  };
  const routers = addresses('routers');
  if (!Array.isArray(routers)) return routers;
  const dns = addresses('dns');
  if (!Array.isArray(dns)) return dns;
  // A router clients cannot reach on their own subnet is a silent black hole.
  const outside = routers.find((r) => !inSubnet(r, subnet.network, subnet.prefix));
  if (outside !== undefined) return { field: 'routers', problem: `${intToIpv4(outside)} is not inside the pool's subnet` };
  return { ...subnet, ...range, routers, dns };
}

export const rangesOverlap = (a: { first: number; last: number }, b: { first: number; last: number }): boolean => a.first <= b.last && b.first <= a.last;

