/**
 * The address view: for every tenant, which IPv4 addresses Kenneki knows and what a gateway must
 * do with each (allowed, quarantined, denied). Gateways subscribe and get changes; remote ones get
 * a snapshot first (policy/http/routes/gateway-stream.ts).
 *
 * Sources, and how each reaches the view:
 * - verdict changes: from the bus, at once;
 * - DHCP leases and RADIUS sessions: told by the DHCP server and the session table as they are
 *   written (`noteLease`, `noteSessions`), so a compliant laptop's new lease is allowed without
 *   waiting for a refresh;
 * - enrolled agents: the PT-TLS listener tells the view where each assessed agent connected from
 *   (`noteAgent`), persisted so a restart keeps it;
 * - endpoints given a MAC or deleted through the API (`endpointChanged`);
 * - expired claims (a lease not renewed) leave every few seconds, in memory;
 * - and a full rebuild from the store every `refreshSeconds`, which catches what no event carries
 *   (sessions written by RADIUS worker processes, endpoints registered without a verdict change).
 *   It reads every endpoint, lease and session, so it runs rarely and yields to the event loop
 *   between slices: RADIUS and DHCP answer from the same thread.
 *
 * Changes are delivered in batches, one per event-loop turn, so a burst of verdict changes (a
 * definitions update re-judging thousands of endpoints) reaches a gateway as one nft transaction.
 */
import type { Logger } from 'pino';
import type { AgentAddress, DhcpLease, NetworkSession, Store } from '../store/repository.js';
import type { Clock } from '../service/clock.js';
import type { VerdictChange } from '../service/verdict-bus.js';
import { sameEntry, socketIpv4, type AddressEntry, type TenantAddressEntry } from './access.js';
import { TenantClaims, type AddressClaim } from './address-claims.js';

/** One address's new entry, or its removal (`entry` absent: the gateway treats it as unknown). */
export interface AddressChange {
  tenantId: string;
  ip: string;
  entry?: AddressEntry;
}

export type AddressListener = (changes: readonly AddressChange[]) => void;

export interface AddressViewOptions {
  store: { dhcpLeases: Pick<Store['dhcpLeases'], 'liveBindings'>; sessions: Pick<Store['sessions'], 'live'>; agentAddresses: Pick<Store['agentAddresses'], 'note' | 'live'>; endpoints: Pick<Store['endpoints'], 'verdictIndex' | 'get'> };
  clock: Clock;
  log: Logger;
  agentAddressTtlSeconds: number;
  refreshSeconds: number;
}

/**
 * How long a session with a Framed-IP-Address claims it without an accounting update. NASes send
 * Interim-Updates every few minutes to an hour; a session silent for a day has ended unseen.
 */
const SESSION_CLAIM_MS = 24 * 3600_000;

const tk = (tenantId: string, ip: string): string => `${tenantId}\u0000${ip}`;

/** Expired claims are looked for this often (a walk over every claim: cheap, but not per packet). */
const EXPIRY_SWEEP_MS = 5_000;
/** A rebuild recomputes this many addresses between yields to the event loop. */
const REBUILD_SLICE = 2_000;

export class AddressView {
  private tenants = new Map<string, TenantClaims>();
  private entries = new Map<string, TenantAddressEntry>();
  private readonly listeners = new Set<AddressListener>();
  private pending = new Map<string, AddressChange>();
  private flushScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  /** Set while a refresh reads the store: events that arrive meanwhile are replayed onto its result. */
  private replay: (() => void)[] | undefined;
  private refreshing: Promise<void> | undefined;
  private started = false;

  constructor(private readonly o: AddressViewOptions) {}

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch((err: unknown) => this.o.log.error({ evt: 'ADDRESSES_REFRESH_FAILED', err }, 'the address view could not be rebuilt from the store; keeping the previous one')), this.o.refreshSeconds * 1000);
    this.timer.unref();
    this.sweeper = setInterval(() => this.expire(), EXPIRY_SWEEP_MS);
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.sweeper);
    this.timer = undefined;
    this.sweeper = undefined;
  }

  /** Drops expired claims now (also run every few seconds). */
  expire(): void {
    const now = this.o.clock.now().getTime();
    for (const [tenantId, t] of this.tenants) {
      const touched = t.expire(now);
      if (touched.length > 0) this.recompute(tenantId, touched);
    }
  }

  /** An endpoint's MAC changed or it was deleted (admin API): its addresses are judged anew. */
  async endpointChanged(tenantId: string, endpointId: string): Promise<void> {
    const e = await this.o.store.endpoints.get(tenantId, endpointId);
    this.event(() => {
      const t = this.tenant(tenantId);
      this.recompute(tenantId, e ? t.setEndpoint(endpointId, { ...(e.mac !== undefined ? { mac: e.mac } : {}), verdict: e.verdict }) : t.removeEndpoint(endpointId));
    });
  }

  subscribe(listener: AddressListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every entry of the given tenants (all tenants when `tenantIds` is undefined or empty). */
  snapshot(tenantIds?: readonly string[]): TenantAddressEntry[] {
    const only = tenantIds && tenantIds.length > 0 ? new Set(tenantIds) : undefined;
    return [...this.entries.values()].filter((e) => !only || only.has(e.tenantId));
  }

  entry(tenantId: string, ip: string): AddressEntry | undefined {
    const e = this.entries.get(tk(tenantId, ip));
    return e && { ip: e.ip, ...(e.mac !== undefined ? { mac: e.mac } : {}), access: e.access };
  }

  /** The entries of the addresses an endpoint (or its MAC) claims. */
  entriesOf(tenantId: string, endpointId: string, mac?: string): AddressEntry[] {
    const t = this.tenants.get(tenantId);
    if (!t) return [];
    return [...t.addressesOf(endpointId, mac)].flatMap((ip) => {
      const e = this.entries.get(tk(tenantId, ip));
      return e ? [{ ip: e.ip, ...(e.mac !== undefined ? { mac: e.mac } : {}), access: e.access }] : [];
    });
  }

  get size(): number {
    return this.entries.size;
  }

  // ---------------------------------------------------------------------------------------------
  // Events

  onVerdict(change: VerdictChange): void {
    this.event(() => {
      const t = this.tenant(change.tenantId);
      // A change that carries no MAC leaves the one the endpoint has.
      const mac = change.mac ?? t.macOf(change.endpointId);
      this.recompute(change.tenantId, t.setEndpoint(change.endpointId, { ...(mac !== undefined ? { mac } : {}), verdict: change.verdict }));
    });
  }

  noteLease(lease: DhcpLease): void {
    if (lease.state !== 'bound') return this.dropLease(lease.tenantId, lease.scope, lease.ip);
    this.event(() => {
      const t = this.tenant(lease.tenantId);
      // A client holds one address per scope (the lease store drops its others in the same write).
      const moved = t.dropLeasesOf(lease.mac, lease.scope, lease.ip);
      t.put(lease.ip, { source: 'lease', key: lease.scope, mac: lease.mac, expiresAt: Date.parse(lease.expiresAt) });
      this.recompute(lease.tenantId, [...moved, lease.ip]);
    });
  }

  dropLease(tenantId: string, scope: string, ip: string): void {
    this.event(() => {
      if (this.tenant(tenantId).drop(ip, 'lease', scope)) this.recompute(tenantId, [ip]);
    });
  }

  noteSessions(sessions: readonly NetworkSession[]): void {
    for (const s of sessions) {
      if (s.framedIp === undefined) continue;
      const ip = socketIpv4(s.framedIp);
      if (ip === undefined) continue;
      if (s.stoppedAt !== undefined) {
        this.event(() => {
          if (this.tenant(s.tenantId).drop(ip, 'session', s.key)) this.recompute(s.tenantId, [ip]);
        });
      } else {
        this.claim(s.tenantId, ip, { source: 'session', key: s.key, ...(s.mac !== undefined ? { mac: s.mac } : {}), expiresAt: Date.parse(s.updatedAt) + SESSION_CLAIM_MS });
      }
    }
  }

  /**
   * An enrolled agent's posture connection came from `remoteAddress`: that address is the
   * endpoint's for a while. Stored first, so a restart keeps it; a store failure is logged and the
   * address still counts in memory (what the gateways enforce comes from memory).
   */
  async noteAgent(tenantId: string, remoteAddress: string | undefined, endpointId: string): Promise<void> {
    const ip = socketIpv4(remoteAddress);
    if (ip === undefined) return;
    const now = this.o.clock.now();
    const expiresAt = new Date(now.getTime() + this.o.agentAddressTtlSeconds * 1000);
    const row: AgentAddress = { tenantId, ip, endpointId, seenAt: now.toISOString(), expiresAt: expiresAt.toISOString() };
    try {
      await this.o.store.agentAddresses.note(row);
    } catch (err) {
      this.o.log.error({ evt: 'ADDRESSES_AGENT_NOT_STORED', err, tenantId, endpointId }, 'an agent address could not be stored; it counts until the next restart');
    }
    this.claim(tenantId, ip, { source: 'agent', key: 'agent', endpointId, expiresAt: expiresAt.getTime() });
  }

  private claim(tenantId: string, ip: string, claim: AddressClaim): void {
    this.event(() => {
      this.tenant(tenantId).put(ip, claim);
      this.recompute(tenantId, [ip]);
    });
  }

  /** Runs `apply` now, and again on the rebuilt state if a refresh is reading the store. */
  private event(apply: () => void): void {
    apply();
    this.replay?.push(apply);
  }

  private tenant(tenantId: string): TenantClaims {
    let t = this.tenants.get(tenantId);
    if (!t) this.tenants.set(tenantId, (t = new TenantClaims()));
    return t;
  }

  private recompute(tenantId: string, ips: Iterable<string>): void {
    const t = this.tenants.get(tenantId);
    const now = this.o.clock.now().getTime();
    for (const ip of ips) {
      const key = tk(tenantId, ip);
      const next = t?.resolve(ip, now);
      const before = this.entries.get(key);
      if (sameEntry(before, next)) continue;
      if (next) this.entries.set(key, { tenantId, ...next });
      else this.entries.delete(key);
      this.pending.set(key, { tenantId, ip, ...(next ? { entry: next } : {}) });
    }
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.pending.size === 0) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const changes = [...this.pending.values()];
      this.pending = new Map();
      for (const l of this.listeners) {
        try {
          l(changes);
        } catch (err) {
          this.o.log.error({ evt: 'ADDRESSES_LISTENER_FAILED', err }, 'an address-view subscriber threw');
        }
      }
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Rebuild from the store

  /** Rebuilds every tenant's claims from the store and sends the differences. Concurrent calls share one run. */
  refresh(): Promise<void> {
    this.refreshing ??= this.rebuild().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async rebuild(): Promise<void> {
    const replay: (() => void)[] = [];
    this.replay = replay;
    try {
      const now = this.o.clock.now();
      const nowIso = now.toISOString();
      const [endpoints, leases, sessions, agents] = await Promise.all([
        this.o.store.endpoints.verdictIndex(),
        this.o.store.dhcpLeases.liveBindings(nowIso),
        this.o.store.sessions.live(new Date(now.getTime() - SESSION_CLAIM_MS).toISOString()),
        this.o.store.agentAddresses.live(nowIso),
      ]);
      const fresh = new Map<string, TenantClaims>();
      const t = (id: string) => {
        let c = fresh.get(id);
        if (!c) fresh.set(id, (c = new TenantClaims()));
        return c;
      };
      for (const e of endpoints) t(e.tenantId).setEndpoint(e.id, { ...(e.mac !== undefined ? { mac: e.mac } : {}), verdict: e.verdict });
      for (const l of leases) t(l.tenantId).put(l.ip, { source: 'lease', key: l.scope, mac: l.mac, expiresAt: Date.parse(l.expiresAt) });
      for (const s of sessions) {
        const ip = socketIpv4(s.framedIp);
        if (ip !== undefined && s.stoppedAt === undefined) t(s.tenantId).put(ip, { source: 'session', key: s.key, ...(s.mac !== undefined ? { mac: s.mac } : {}), expiresAt: Date.parse(s.updatedAt) + SESSION_CLAIM_MS });
      }
      for (const a of agents) t(a.tenantId).put(a.ip, { source: 'agent', key: 'agent', endpointId: a.endpointId, expiresAt: Date.parse(a.expiresAt) });
      // Swap, then recompute every address either side knows.
      const old = this.tenants;
      this.tenants = fresh;
      this.replay = undefined;
      for (const apply of replay) apply();
      const tenantIds = new Set([...old.keys(), ...fresh.keys()]);
      const stale = new Map<string, Set<string>>();
      for (const e of this.entries.values()) {
        let s = stale.get(e.tenantId);
        if (!s) stale.set(e.tenantId, (s = new Set()));
        s.add(e.ip);
      }
      // In slices, yielding between them: events meanwhile apply to the new state directly, and
      // recomputing an address twice gives the same entry.
      for (const id of tenantIds) {
        const ips = [...new Set([...(stale.get(id) ?? []), ...(this.tenants.get(id)?.addresses() ?? [])])];
        for (let i = 0; i < ips.length; i += REBUILD_SLICE) {
          if (i > 0) await new Promise<void>((r) => setImmediate(r));
          this.recompute(id, ips.slice(i, i + REBUILD_SLICE));
        }
      }
    } finally {
      this.replay = undefined;
    }
  }
}
