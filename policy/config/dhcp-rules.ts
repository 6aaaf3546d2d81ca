/** The `dhcp` settings a schema cannot check: addresses, ranges inside subnets, overlaps, tenants. */
import { formatPath, type Problem } from './errors-format.js';
import { parseDhcpPool, rangesOverlap, type ParsedPool } from '../util/ipv4-pool.js';
import { ipv4ToInt } from '../util/ipv4.js';
import { isRecord } from '../util/is-record.js';

const POOLS = ['production', 'quarantine', 'registration'] as const;

export function dhcpProblems(data: Record<string, unknown>, tenantIds: readonly string[]): Problem[] {
  const dhcp = data.dhcp;
  if (!isRecord(dhcp)) return [];
  const problems: Problem[] = [];
  const at = (...path: (string | number)[]) => formatPath(['dhcp', ...path]);
  const scopes = Array.isArray(dhcp.scopes) ? dhcp.scopes : [];
  if (dhcp.enabled === true) {
    if (scopes.length === 0) problems.push({ path: at('scopes'), reason: 'an enabled DHCP server needs at least one scope' });
    if (typeof dhcp.server_id !== 'string') problems.push({ path: at('server_id'), reason: 'is required when dhcp is enabled: the address clients and relays send to (option 54)' });
  }
  if (typeof dhcp.host === 'string' && ipv4ToInt(dhcp.host) === undefined) problems.push({ path: at('host'), reason: 'must be an IPv4 address to listen on (0.0.0.0 for all)' });
  if (typeof dhcp.server_id === 'string' && ipv4ToInt(dhcp.server_id) === undefined) problems.push({ path: at('server_id'), reason: 'must be an IPv4 address' });
  const names = new Set<string>();
  const seen: { where: string; pool: ParsedPool }[] = [];
  let direct: number | undefined;
  scopes.forEach((s: unknown, i) => {
    if (!isRecord(s)) return;
    if (typeof s.name === 'string') {
      if (names.has(s.name)) problems.push({ path: at('scopes', i, 'name'), reason: `duplicate scope name ${JSON.stringify(s.name)}` });
      names.add(s.name);
    }
    if (typeof s.tenant === 'string' && !tenantIds.includes(s.tenant)) {
      problems.push({ path: at('scopes', i, 'tenant'), reason: `must be one of the configured tenants (${tenantIds.map((t) => JSON.stringify(t)).join(', ')})` });
    }
    if (s.direct === true) {
      // Two direct scopes would make the segment a request came from a guess.
      if (direct !== undefined) problems.push({ path: at('scopes', i, 'direct'), reason: `only one scope can be direct (dhcp.scopes[${direct}] is)` });
      direct ??= i;
    }
    const pools = isRecord(s.pools) ? s.pools : {};
    for (const name of POOLS) {
      const p = pools[name];
      if (!isRecord(p)) continue;
      const where = `dhcp.scopes[${i}].pools.${name}`;
      const parsed = parseDhcpPool(p);
      if ('problem' in parsed) {
        problems.push({ path: at('scopes', i, 'pools', name, parsed.field), reason: parsed.problem });
        continue;
      }
      // Overlapping pools would put one address in two pools (or two scopes): never allowed.
      const other = seen.find((o) => rangesOverlap(o.pool, parsed));
      if (other) problems.push({ path: at('scopes', i, 'pools', name, 'range'), reason: `overlaps ${other.where}` });
      seen.push({ where, pool: parsed });
    }
  });
  return problems;
}
