/**
 * The configured scopes as the server uses them: pools as number ranges with the options their
 * replies carry, and the lookup from a relay's address to its scope. Built once from the config
 * (already checked by policy/config/dhcp-rules.ts).
 */
import type { KennekiConfig } from '../../../policy/config/schema.js';
import type { DhcpPool } from '../../../policy/store/repository.js';
import { broadcastOf, inSubnet, intToIpv4, ipv4ToInt, maskOf } from '../../../policy/util/ipv4.js';
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
        mask: intToIpv4(maskOf(parsed.prefix)), broadcast: intToIpv4(broadcastOf(parsed.network, parsed.prefix)),
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

/** Finds the scope for a request: by an address in one of its pool subnets, or the direct scope. */
export class ScopeIndex {
  readonly direct: ServedScope | undefined;
  /** Every pool subnet with its scope, flattened once: the lookup runs on every request. */
  private readonly subnets: { network: number; prefix: number; scope: ServedScope }[];

  constructor(scopes: readonly ServedScope[]) {
    this.direct = scopes.find((s) => s.direct);
    this.subnets = scopes.flatMap((scope) => [...scope.pools.values()].map((p) => ({ network: p.network, prefix: p.prefix, scope })));
  }

  /** The scope one of whose pool subnets holds `address` (a relay's link-selection or giaddr, a client's ciaddr). */
  byAddress(address: string): ServedScope | undefined {
    const ip = ipv4ToInt(address);
    if (ip === undefined) return undefined;
    for (const n of this.subnets) if (inSubnet(ip, n.network, n.prefix)) return n.scope;
    return undefined;
  }

  /** The pool of `scope` holding `ip`, if any. */
  static poolOf(scope: ServedScope, ip: string): ServedPool | undefined {
    const n = ipv4ToInt(ip);
    if (n === undefined) return undefined;
    for (const p of scope.pools.values()) if (n >= p.first && n <= p.last) return p;
    return undefined;
  }
}
