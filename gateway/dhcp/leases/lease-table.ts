/**
 * Which address each client holds, per scope: the DHCP server's memory of the leases, over the
 * store's durable copy (dhcp_leases). Answers never wait on the store except for the one write
 * that must come first: a lease is stored before its ACK is sent, so a crash between the two can
 * lose an ACK (the client asks again) but never give its address to someone else after a restart.
 *
 * An offer only reserves its address in memory (RFC 2131 §4.3.1 leaves it to the server), for
 * `offerHoldMs`. A declined address is stored and held back from everyone for `declineHoldSeconds`.
 * Expired entries are swept lazily: when a pool looks full, and on `sweep()`.
 */
import type { DhcpLease, DhcpPool, Store } from '../../../policy/store/repository.js';
import { AddressPool } from './address-pool.js';
import { intToIpv4, ipv4ToInt } from '../../../policy/util/ipv4.js';

export interface PoolSpec {
  name: DhcpPool;
  first: number;
  last: number;
  leaseSeconds: number;
}

export interface ScopeSpec {
  tenantId: string;
  name: string;
  pools: readonly PoolSpec[];
}

type State = 'offered' | 'binding' | 'bound' | 'declined';

interface Entry {
  ip: number;
  /** '' for a declined address. */
  mac: string;
  pool: DhcpPool;
  state: State;
  expiresAt: number;
  /** While `binding`: the store write in flight, which a second copy of the same REQUEST joins. */
  inflight?: Promise<BindResult>;
}

interface Scope {
  spec: ScopeSpec;
  pools: Map<DhcpPool, { spec: PoolSpec; addresses: AddressPool }>;
  byIp: Map<number, Entry>;
  /** A client's one address in the scope (offered, binding or bound). */
  byMac: Map<string, Entry>;
  /** An outstanding offer from another pool than the client's lease (a move between pools). */
  offers: Map<string, Entry>;
  /** When a full pool last made this scope sweep (sweepWhenFull). */
  sweptAt: number;
}

const FULL_SWEEP_INTERVAL_MS = 1000;

export type OfferResult = { ip: string } | { exhausted: true } | { noPool: true };
export type BindResult = { lease: DhcpLease } | { refused: 'not-in-pool' | 'taken' | 'store-refused' };

export interface LeaseTableOptions {
  store: Store['dhcpLeases'];
  scopes: readonly ScopeSpec[];
  now?: () => number;
  offerHoldMs?: number;
  declineHoldSeconds?: number;
  /** Told of every lease once it is stored, and of every address given back or declined (gateway allow-lists). */
  observer?: LeaseObserver;
}

export interface LeaseObserver {
  noteLease(lease: DhcpLease): void;
  dropLease(tenantId: string, scope: string, ip: string): void;
}

export class LeaseTable {
  private readonly scopes = new Map<string, Scope>();
  private readonly now: () => number;
  private readonly offerHoldMs: number;
  private readonly declineHoldMs: number;
  private queued: { lease: DhcpLease; resolve: (stored: boolean) => void; reject: (err: unknown) => void }[] = [];

  private constructor(private readonly o: LeaseTableOptions) {
    this.now = o.now ?? Date.now;
    this.offerHoldMs = o.offerHoldMs ?? 30_000;
    this.declineHoldMs = (o.declineHoldSeconds ?? 600) * 1000;
    for (const spec of o.scopes) {
      const pools = new Map(spec.pools.map((p) => [p.name, { spec: p, addresses: new AddressPool(p.first, p.last) }] as const));
      this.scopes.set(key(spec.tenantId, spec.name), { spec, pools, byIp: new Map(), byMac: new Map(), offers: new Map(), sweptAt: -Infinity });
    }
  }

  /** Builds the table from the store's live leases; leases of scopes or pools no longer configured are left to expire. */
  static async load(o: LeaseTableOptions): Promise<LeaseTable> {
    const t = new LeaseTable(o);
    for (const l of await o.store.live(new Date(t.now()).toISOString())) {
      const s = t.scopes.get(key(l.tenantId, l.scope));
      const ip = ipv4ToInt(l.ip);
      const pool = s?.pools.get(l.pool);
      if (!s || ip === undefined) continue;
      // A declined address belongs to whichever configured pool holds it.
      const holder = l.state === 'declined' ? [...s.pools.values()].find((p) => p.addresses.contains(ip)) : pool;
      if (!holder?.addresses.claim(ip)) continue;
      const e: Entry = { ip, mac: l.mac, pool: holder.spec.name, state: l.state, expiresAt: Date.parse(l.expiresAt) };
      s.byIp.set(ip, e);
      if (e.state === 'bound') s.byMac.set(e.mac, e);
    }
    return t;
  }

  /** The client's current lease or offer in the scope, if unexpired. */
  holding(tenantId: string, scope: string, mac: string): { ip: string; pool: DhcpPool; state: State } | undefined {
    const s = this.scopes.get(key(tenantId, scope));
    const e = s ? this.live(s, s.byMac.get(mac)) : undefined;
    return e ? { ip: intToIpv4(e.ip), pool: e.pool, state: e.state } : undefined;
  }

  /**
   * DISCOVER: the address to offer from `pool`: the client's own address there, else the one it
   * asked for if free, else the next free one. Reserved for the offer hold.
   */
  offer(tenantId: string, scope: string, mac: string, pool: DhcpPool, requested?: string): OfferResult {
    const s = this.scopes.get(key(tenantId, scope));
    const p = s?.pools.get(pool);
    if (!s || !p) return { noPool: true };
    const mine = this.live(s, s.byMac.get(mac));
    for (const own of [mine, this.live(s, s.offers.get(mac))]) {
      if (!own || own.pool !== pool || own.state === 'declined') continue;
      if (own.state === 'offered') own.expiresAt = this.now() + this.offerHoldMs;
      return { ip: intToIpv4(own.ip) };
    }
    const wanted = requested !== undefined ? ipv4ToInt(requested) : undefined;
    let ip: number | undefined;
    if (wanted !== undefined && p.addresses.contains(wanted)) {
      this.live(s, s.byIp.get(wanted));
      if (p.addresses.claim(wanted)) ip = wanted;
    }
    ip ??= p.addresses.take() ?? (this.sweepWhenFull(s) > 0 ? p.addresses.take() : undefined);
    if (ip === undefined) return { exhausted: true };
    // The client's offer or lease elsewhere in the scope stays until a bind moves it.
    const e: Entry = { ip, mac, pool, state: 'offered', expiresAt: this.now() + this.offerHoldMs };
    s.byIp.set(ip, e);
    if (!mine) s.byMac.set(mac, e);
    else s.offers.set(mac, e);
    return { ip: intToIpv4(ip) };
  }

  /**
   * REQUEST: binds `ip` from `pool` to the client, in the store first. Refused when the address is
   * not in that pool or someone else holds it (memory or store).
   */
  async bind(tenantId: string, scope: string, mac: string, pool: DhcpPool, ipText: string, extra: { clientId?: string; hostname?: string } = {}): Promise<BindResult> {
    const s = this.scopes.get(key(tenantId, scope));
    const p = s?.pools.get(pool);
    const ip = ipv4ToInt(ipText);
    if (!s || !p || ip === undefined || !p.addresses.contains(ip)) return { refused: 'not-in-pool' };
    const holder = this.live(s, s.byIp.get(ip));
    // The same client's REQUEST twice at once (a renewal heard both directly and through a relay
    // that also listens on the client's segment): both get the one answer, not a NAK for the second.
    if (holder?.inflight && holder.mac === mac) return holder.inflight;
    if (holder && (holder.mac !== mac || holder.state === 'declined' || holder.state === 'binding')) return { refused: 'taken' };
    const entry: Entry = holder ?? { ip, mac, pool, state: 'binding', expiresAt: 0 };
    if (!holder && !p.addresses.claim(ip)) return { refused: 'taken' };
    const write = (async (): Promise<BindResult> => {
      const previous = entry.state;
      entry.state = 'binding';
      s.byIp.set(ip, entry);
      const now = this.now();
      const expiresAt = now + p.spec.leaseSeconds * 1000;
      const lease: DhcpLease = {
        tenantId, scope, ip: ipText, mac, pool, state: 'bound', boundAt: iso(now), expiresAt: iso(expiresAt), updatedAt: iso(now),
        ...(extra.clientId !== undefined ? { clientId: extra.clientId } : {}), ...(extra.hostname !== undefined ? { hostname: extra.hostname } : {}),
      };
      let stored: boolean;
      try {
        stored = await this.store(lease);
      } catch (err) {
        this.undo(s, p.addresses, entry, previous);
        throw err;
      }
      if (!stored) {
        this.undo(s, p.addresses, entry, previous);
        return { refused: 'store-refused' };
      }
      entry.state = 'bound';
      entry.pool = pool;
      entry.expiresAt = expiresAt;
      // The store dropped the client's other address in the scope; memory follows.
      for (const other of [s.byMac.get(mac), s.offers.get(mac)]) if (other && other !== entry) this.forget(s, other);
      s.offers.delete(mac);
      s.byMac.set(mac, entry);
      return { lease };
    })();
    entry.inflight = write;
    try {
      return await write;
    } finally {
      delete entry.inflight;
    }
  }

  /**
   * Writes `lease`, batched with every other bind of this event-loop turn into one transaction
   * (flushed in the check phase, after the datagrams of this poll are read): a burst of REQUESTs
   * costs one commit. Each caller still gets its own answer.
   */
  private store(lease: DhcpLease): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queued.push({ lease, resolve, reject });
      if (this.queued.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.queued;
    this.queued = [];
    this.o.store.bindMany(batch.map((b) => b.lease), iso(this.now())).then(
      (results) =>
        batch.forEach((b, i) => {
          if (results[i] === true) this.o.observer?.noteLease(b.lease);
          b.resolve(results[i] === true);
        }),
      (err: unknown) => batch.forEach((b) => b.reject(err)),
    );
  }

  /** RELEASE: the client gives its address back. */
  async release(tenantId: string, scope: string, mac: string, ipText: string): Promise<boolean> {
    const s = this.scopes.get(key(tenantId, scope));
    const ip = ipv4ToInt(ipText);
    if (!s || ip === undefined) return false;
    const e = s.byIp.get(ip);
    if (!e || e.mac !== mac || e.state !== 'bound') return false;
    await this.o.store.release(tenantId, scope, ipText, mac);
    this.forget(s, e);
    this.o.observer?.dropLease(tenantId, scope, ipText);
    return true;
  }

  /** DECLINE: the address is in use by someone else on the wire; nobody gets it for a while. */
  async decline(tenantId: string, scope: string, mac: string, ipText: string): Promise<boolean> {
    const s = this.scopes.get(key(tenantId, scope));
    const ip = ipv4ToInt(ipText);
    if (!s || ip === undefined) return false;
    const e = s.byIp.get(ip);
    // Only the client the address was offered or bound to may decline it (else anyone could drain a pool).
    if (!e || e.mac !== mac || e.state === 'declined') return false;
    const now = this.now();
    const until = now + this.declineHoldMs;
    await this.o.store.decline(tenantId, scope, ipText, iso(until), iso(now));
    if (s.byMac.get(mac) === e) s.byMac.delete(mac);
    if (s.offers.get(mac) === e) s.offers.delete(mac);
    e.mac = '';
    e.state = 'declined';
    e.expiresAt = until;
    this.o.observer?.dropLease(tenantId, scope, ipText);
    return true;
  }

  /** Frees every expired entry; returns how many. Call periodically (and the store's reclaim). */
  sweep(): number {
    let n = 0;
    for (const s of this.scopes.values()) n += this.sweepScope(s);
    return n;
  }

  /** Used and total addresses per pool, for metrics and the exhaustion log. */
  usage(tenantId: string, scope: string, pool: DhcpPool): { used: number; size: number } | undefined {
    const p = this.scopes.get(key(tenantId, scope))?.pools.get(pool);
    return p ? { used: p.addresses.used, size: p.addresses.size } : undefined;
  }

  /**
   * A full pool may only look full (expired entries not yet swept), so it is swept before a
   * DISCOVER goes unanswered, but at most once a second per scope: a sweep walks every entry, and
   * a flood of DISCOVERs against a really exhausted pool must not cost a walk each.
   */
  private sweepWhenFull(s: Scope): number {
    const now = this.now();
    if (now - s.sweptAt < FULL_SWEEP_INTERVAL_MS) return 0;
    s.sweptAt = now;
    return this.sweepScope(s);
  }

  private sweepScope(s: Scope): number {
    let n = 0;
    for (const e of [...s.byIp.values()]) if (this.live(s, e) === undefined) n++;
    return n;
  }

  /** `e` if unexpired; an expired entry is forgotten on the way. */
  private live(s: Scope, e: Entry | undefined): Entry | undefined {
    if (!e) return undefined;
    if (e.state === 'binding' || e.expiresAt > this.now()) return e;
    this.forget(s, e);
    return undefined;
  }

  private forget(s: Scope, e: Entry): void {
    if (s.byIp.get(e.ip) === e) {
      s.byIp.delete(e.ip);
      for (const p of s.pools.values()) if (p.addresses.contains(e.ip)) p.addresses.free(e.ip);
    }
    if (s.byMac.get(e.mac) === e) s.byMac.delete(e.mac);
    if (s.offers.get(e.mac) === e) s.offers.delete(e.mac);
  }

  private undo(s: Scope, addresses: AddressPool, e: Entry, previous: State): void {
    if (previous === 'binding') {
      // It was claimed for this bind only.
      s.byIp.delete(e.ip);
      addresses.free(e.ip);
      return;
    }
    e.state = previous;
  }
}

const key = (tenantId: string, scope: string) => `${tenantId}\0${scope}`;
const iso = (ms: number) => new Date(ms).toISOString();
