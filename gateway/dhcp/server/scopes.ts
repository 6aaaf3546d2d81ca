/**
 * The configured scopes as the server uses them: pools as number ranges with the options their
 * replies carry, and the lookup from a relay's address to its scope. Built once from the config
 * (already checked by policy/config/dhcp-rules.ts).
 */
import type { KennekiConfig } from '../../../policy/config/schema.js';
import type { DhcpPool } from '../../../policy/store/repository.js';
import { intToIpv4, ipv4ToInt, maskOf } from '../../../policy/util/ipv4.js';
import { parseDhcpPool } from '../../../policy/util/ipv4-pool.js';
import type { ScopeSpec } from '../leases/lease-table.js';

export interface ServedPool {
  name: DhcpPool;
  network: number;
  prefix: number;
  first: number;
  last: number;
  mask: string;
  broadcast: string;
  routers: string[];
  dns: string[];
  domain?: string;
  leaseSeconds: number;
  captivePortal?: string;
}

export interface ServedScope {
  name: string;
  tenantId: string;
  direct: boolean;
  pools: Map<DhcpPool, ServedPool>;
}

type DhcpConfig = KennekiConfig['dhcp'];

export function servedScopes(cfg: DhcpConfig): ServedScope[] {
  return cfg.scopes.map((s) => {
    const pools = new Map<DhcpPool, ServedPool>();
    for (const name of ['production', 'quarantine', 'registration'] as const) {
      const p = s.pools[name];
      if (!p) continue;
      const parsed = parseDhcpPool(p);
      if ('problem' in parsed) throw new Error(`dhcp.scopes.${s.name}.pools.${name}.${parsed.field}: ${parsed.problem}`);
      pools.set(name, {
        name, network: parsed.network, prefix: parsed.prefix, first: parsed.first, last: parsed.last,
        mask: intToIpv4(maskOf(parsed.prefix)), broadcast: intToIpv4((parsed.network | ~maskOf(parsed.prefix)) >>> 0),
        routers: p.routers, dns: p.dns, leaseSeconds: p.lease_seconds,
        ...(p.domain !== undefined ? { domain: p.domain } : {}), ...(p.captive_portal !== undefined ? { captivePortal: p.captive_portal } : {}),
      });
    }
    return { name: s.name, tenantId: s.tenant ?? 'default', direct: s.direct, pools };
  });
}

/** What the lease table needs of each scope. */
export const leaseSpecs = (scopes: readonly ServedScope[]): ScopeSpec[] =>
  scopes.map((s) => ({ tenantId: s.tenantId, name: s.name, pools: [...s.pools.values()].map((p) => ({ name: p.name, first: p.first, last: p.last, leaseSeconds: p.leaseSeconds })) }));

/** Finds the scope for a request: by the relay's address (in any pool subnet), or the direct scope. */
export class ScopeIndex {
  private readonly direct: ServedScope | undefined;

  constructor(private readonly scopes: readonly ServedScope[]) {
    this.direct = scopes.find((s) => s.direct);
  }

  /** `relay`: the link-selection address or giaddr; undefined for a request that came unrelayed. */
  select(relay: string | undefined): ServedScope | undefined {
    if (relay === undefined) return this.direct;
    const ip = ipv4ToInt(relay);
    if (ip === undefined) return undefined;
    return this.scopes.find((s) => [...s.pools.values()].some((p) => ((ip & maskOf(p.prefix)) >>> 0) === p.network));
  }

  /** The pool of `scope` holding `ip`, if any. */
  static poolOf(scope: ServedScope, ip: string): ServedPool | undefined {
    const n = ipv4ToInt(ip);
    if (n === undefined) return undefined;
    for (const p of scope.pools.values()) if (n >= p.first && n <= p.last) return p;
    return undefined;
  }
}
