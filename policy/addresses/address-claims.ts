/**
 * Who says an address belongs to whom, per tenant: DHCP leases (by MAC), network sessions with a
 * Framed-IP-Address (by MAC, or by nobody for a VPN login), and enrolled agents (by endpoint, the
 * source address of their posture connection). Each claim expires.
 *
 * Resolution (`resolve`): an address is as good as the strictest verdict among the endpoints its
 * live claims identify. A claim that identifies no endpoint (a VPN session before its agent has
 * reported, a lease of an unregistered MAC) makes the address known but quarantined, and only
 * while nothing identifies it: otherwise the VPN address of a compliant laptop would stay
 * quarantined for as long as its session lasts.
 */
import type { Verdict } from '../decide/policy.js';
import { accessOf, stricter, type AddressEntry } from './access.js';

export type ClaimSource = 'lease' | 'session' | 'agent';

export interface AddressClaim {
  source: ClaimSource;
  /** Claims of one source with one key replace each other: the lease's scope, the session's key, 'agent'. */
  key: string;
  mac?: string;
  endpointId?: string;
  /** Epoch ms. */
  expiresAt: number;
}

interface EndpointFacts {
  mac?: string;
  verdict: Verdict;
}

const claimId = (c: Pick<AddressClaim, 'source' | 'key'>): string => `${c.source}|${c.key}`;

function addTo(index: Map<string, Set<string>>, key: string, ip: string): void {
  let s = index.get(key);
  if (!s) index.set(key, (s = new Set()));
  s.add(ip);
}

function removeFrom(index: Map<string, Set<string>>, key: string, ip: string): void {
  const s = index.get(key);
  if (!s) return;
  s.delete(ip);
  if (s.size === 0) index.delete(key);
}

/** One tenant's claims and endpoints, with the indexes that say which addresses a change touches. */
export class TenantClaims {
  private readonly claims = new Map<string, Map<string, AddressClaim>>();
  private readonly endpoints = new Map<string, EndpointFacts>();
  private readonly endpointByMac = new Map<string, string>();
  private readonly ipsByEndpoint = new Map<string, Set<string>>();
  private readonly ipsByMac = new Map<string, Set<string>>();

  get addressCount(): number {
    return this.claims.size;
  }

  addresses(): IterableIterator<string> {
    return this.claims.keys();
  }

  macOf(endpointId: string): string | undefined {
    return this.endpoints.get(endpointId)?.mac;
  }

  /** The addresses claimed by the endpoint or by its MAC. */
  addressesOf(endpointId: string, mac?: string): Set<string> {
    return this.touchedBy(endpointId, mac ?? this.endpoints.get(endpointId)?.mac);
  }

  /** Sets an endpoint's MAC and verdict; returns the addresses whose entry may have changed. */
  setEndpoint(id: string, facts: EndpointFacts): Set<string> {
    const before = this.endpoints.get(id);
    this.endpoints.set(id, facts);
    if (before?.mac !== undefined && before.mac !== facts.mac && this.endpointByMac.get(before.mac) === id) this.endpointByMac.delete(before.mac);
    if (facts.mac !== undefined) this.endpointByMac.set(facts.mac, id);
    return this.touchedBy(id, facts.mac, before?.mac);
  }

  removeEndpoint(id: string): Set<string> {
    const before = this.endpoints.get(id);
    if (!before) return new Set();
    this.endpoints.delete(id);
    if (before.mac !== undefined && this.endpointByMac.get(before.mac) === id) this.endpointByMac.delete(before.mac);
    return this.touchedBy(id, before.mac);
  }

  private touchedBy(id: string, ...macs: (string | undefined)[]): Set<string> {
    const out = new Set(this.ipsByEndpoint.get(id));
    for (const m of macs) if (m !== undefined) for (const ip of this.ipsByMac.get(m) ?? []) out.add(ip);
    return out;
  }

  /** Adds or replaces a claim on `ip`. */
  put(ip: string, claim: AddressClaim): void {
    let byId = this.claims.get(ip);
    if (!byId) this.claims.set(ip, (byId = new Map()));
    const id = claimId(claim);
    const before = byId.get(id);
    if (before) this.unindex(ip, before);
    byId.set(id, claim);
    if (claim.endpointId !== undefined) addTo(this.ipsByEndpoint, claim.endpointId, ip);
    if (claim.mac !== undefined) addTo(this.ipsByMac, claim.mac, ip);
  }

  /** Drops the MAC's lease claims in `scope` on addresses other than `keep`; returns those addresses. */
  dropLeasesOf(mac: string, scope: string, keep: string): string[] {
    const gone = [...(this.ipsByMac.get(mac) ?? [])].filter((ip) => ip !== keep && this.claims.get(ip)?.get(claimId({ source: 'lease', key: scope }))?.mac === mac);
    for (const ip of gone) this.drop(ip, 'lease', scope);
    return gone;
  }

  /** Drops one claim; true when there was one. */
  drop(ip: string, source: ClaimSource, key: string): boolean {
    const byId = this.claims.get(ip);
    const c = byId?.get(claimId({ source, key }));
    if (!byId || !c) return false;
    byId.delete(claimId(c));
    this.unindex(ip, c);
    if (byId.size === 0) this.claims.delete(ip);
    return true;
  }

  private unindex(ip: string, c: AddressClaim): void {
    // Another claim on the same address may still name the same endpoint or MAC.
    const rest = [...(this.claims.get(ip)?.values() ?? [])].filter((o) => o !== c);
    if (c.endpointId !== undefined && !rest.some((o) => o.endpointId === c.endpointId)) removeFrom(this.ipsByEndpoint, c.endpointId, ip);
    if (c.mac !== undefined && !rest.some((o) => o.mac === c.mac)) removeFrom(this.ipsByMac, c.mac, ip);
  }

  /** Drops every claim expired at `now`; returns the addresses touched. */
  expire(now: number): string[] {
    const touched: string[] = [];
    for (const [ip, byId] of this.claims) {
      let dropped = false;
      for (const c of [...byId.values()]) if (c.expiresAt <= now) dropped = this.drop(ip, c.source, c.key) || dropped;
      if (dropped) touched.push(ip);
    }
    return touched;
  }

  /** The entry for `ip` from its live claims, or undefined when nothing claims it. */
  resolve(ip: string, now: number): AddressEntry | undefined {
    const byId = this.claims.get(ip);
    if (!byId) return undefined;
    let verdict: Verdict | undefined;
    let claimMac: string | undefined;
    let endpointMac: string | undefined;
    let live = false;
    for (const c of byId.values()) {
      if (c.expiresAt <= now) continue;
      live = true;
      const id = c.endpointId ?? (c.mac !== undefined ? this.endpointByMac.get(c.mac) : undefined);
      const e = id !== undefined ? this.endpoints.get(id) : undefined;
      if (e) verdict = stricter(verdict, e.verdict);
      // The MAC seen holding the address on the wire (lease, session) beats the endpoint's record.
      claimMac ??= c.mac;
      endpointMac ??= e?.mac;
    }
    if (!live) return undefined;
    const mac = claimMac ?? endpointMac;
    return { ip, ...(mac !== undefined ? { mac } : {}), access: accessOf(verdict) };
  }
}
