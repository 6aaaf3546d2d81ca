/** The `allowlist` settings a schema cannot check: addresses, networks, tenants, unique names. */
import { formatPath, type Problem } from './errors-format.js';
import { intToIpv4, ipv4ToInt, maskOf, parseIpv4Cidr } from '../util/ipv4.js';
import { isRecord } from '../util/is-record.js';

/** nft refuses a network written with host bits set; say which network was meant. */
export function cidrProblem(v: string): string | undefined {
  const c = parseIpv4Cidr(v);
  if (c === undefined) return 'must be an IPv4 CIDR (10.20.0.0/16)';
  const network = (c.network & maskOf(c.prefix)) >>> 0;
  return network === c.network >>> 0 ? undefined : `has host bits set: write ${intToIpv4(network)}/${c.prefix}`;
}

export function allowlistProblems(data: Record<string, unknown>, tenantIds: readonly string[]): Problem[] {
  const al = data.allowlist;
  if (!isRecord(al)) return [];
  const problems: Problem[] = [];
  const at = (...path: (string | number)[]) => formatPath(['allowlist', ...path]);
  const tenant = (v: unknown, path: (string | number)[]) => {
    if (typeof v === 'string' && !tenantIds.includes(v)) problems.push({ path: at(...path), reason: `must be one of the configured tenants (${tenantIds.map((t) => JSON.stringify(t)).join(', ')})` });
  };
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  list(al.tenants).forEach((t, i) => tenant(t, ['tenants', i]));
  list(al.remediation).forEach((r, i) => {
    if (typeof r !== 'string') return;
    const reason = r.includes('/') ? cidrProblem(r) : ipv4ToInt(r) === undefined ? 'must be an IPv4 address or CIDR (10.50.0.10, 10.50.0.0/28)' : undefined;
    if (reason !== undefined) problems.push({ path: at('remediation', i), reason });
  });
  list(al.dns).forEach((r, i) => {
    if (typeof r === 'string' && ipv4ToInt(r) === undefined) problems.push({ path: at('dns', i), reason: 'must be an IPv4 address' });
  });
  list(al.services).forEach((s, i) => {
    if (isRecord(s) && typeof s.ip === 'string' && ipv4ToInt(s.ip) === undefined) problems.push({ path: at('services', i, 'ip'), reason: 'must be an IPv4 address' });
  });
  const names = new Set<string>();
  list(al.gateways).forEach((g, i) => {
    if (!isRecord(g)) return;
    if (typeof g.name === 'string') {
      if (names.has(g.name)) problems.push({ path: at('gateways', i, 'name'), reason: `duplicate gateway name ${JSON.stringify(g.name)}` });
      names.add(g.name);
    }
    list(g.tenants).forEach((t, j) => tenant(t, ['gateways', i, 'tenants', j]));
  });
  const local = isRecord(al.local) ? al.local : {};
  list(local.client_networks).forEach((c, i) => {
    const reason = typeof c === 'string' ? cidrProblem(c) : undefined;
    if (reason !== undefined) problems.push({ path: at('local', 'client_networks', i), reason });
  });
  if (typeof local.portal_redirect_address === 'string' && ipv4ToInt(local.portal_redirect_address) === undefined) {
    problems.push({ path: at('local', 'portal_redirect_address'), reason: 'must be an IPv4 address of this host' });
  }
  if (local.enabled === true && al.enabled !== true) problems.push({ path: at('local', 'enabled'), reason: 'a local gateway needs allowlist.enabled: true (the address view it enforces)' });
  if (al.enabled === true && local.enabled === true && list(local.client_networks).length === 0) {
    problems.push({ path: at('local', 'client_networks'), reason: 'a local gateway needs the endpoint networks it stands in front of' });
  }
  return problems;
}
