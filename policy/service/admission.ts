/**
 * Admission answers "what access for this MAC, now?" for enforcement points (RADIUS MAB, DHCP).
 * They must answer within milliseconds and never wait on a directory or an agent, so the answer
 * comes from the stored current decision, kept in memory:
 *
 * - a verdict change arrives on the bus and replaces the entry at once;
 * - entries also expire (`ttlMs`), which covers what the bus does not carry: an endpoint created,
 *   deleted or given another MAC through the API;
 * - a MAC no endpoint carries is remembered as unknown for a shorter time, so a burst of requests
 *   from one unregistered device costs one store read, and a registration shows up quickly.
 */
import type { Verdict } from '../decide/policy.js';
import type { Store } from '../store/repository.js';
import type { Clock } from './clock.js';
import type { VerdictBus, VerdictChange } from './verdict-bus.js';
import { BoundedCache } from '../util/bounded-cache.js';

export interface Admission {
  /** Absent: no endpoint of the tenant carries this MAC. */
  endpointId?: string;
  verdict?: Verdict;
  vlan?: string;
  role?: string;
}

/** How long a known MAC's answer is trusted without a bus update, and an unknown MAC's. */
export const ADMISSION_TTL_MS = 60_000;
export const UNKNOWN_ADMISSION_TTL_MS = 5_000;

/** Told of every change the index learns: a new admission, or undefined when a MAC is forgotten. */
export type AdmissionWatcher = (tenantId: string, mac: string, admission: Admission | undefined) => void;

/** What an enforcement point needs: the cached answer now, or a lookup. */
export interface AdmissionSource {
  peek(tenantId: string, mac: string): Admission | undefined;
  lookup(tenantId: string, mac: string): Promise<Admission>;
}

/**
 * Admissions by tenant and MAC, each with its own expiry, bounded (a flood of random MACs costs
 * memory up to the cap and no further). Shared by the index here and the RADIUS workers' copies.
 */
export class AdmissionCache {
  private readonly entries: BoundedCache<string, Admission>;

  constructor(now: () => number, maxEntries = 200_000) {
    this.entries = new BoundedCache(maxEntries, now);
  }

  get(tenantId: string, mac: string): Admission | undefined {
    return this.entries.get(admissionKey(tenantId, mac));
  }

  set(tenantId: string, mac: string, admission: Admission, ttlMs: number): void {
    this.entries.set(admissionKey(tenantId, mac), admission, ttlMs);
  }

  delete(tenantId: string, mac: string): void {
    this.entries.delete(admissionKey(tenantId, mac));
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface AdmissionIndexOptions {
  store: Store;
  bus: VerdictBus;
  clock: Clock;
  ttlMs?: number;
  unknownTtlMs?: number;
  maxEntries?: number;
}

export class AdmissionIndex implements AdmissionSource {
  private readonly entries: AdmissionCache;
  private readonly ttlMs: number;
  private readonly unknownTtlMs: number;
  private unsubscribe: (() => void) | undefined;
  private readonly watchers = new Set<AdmissionWatcher>();

  constructor(private readonly o: AdmissionIndexOptions) {
    this.ttlMs = o.ttlMs ?? ADMISSION_TTL_MS;
    this.unknownTtlMs = o.unknownTtlMs ?? UNKNOWN_ADMISSION_TTL_MS;
    this.entries = new AdmissionCache(() => o.clock.now().getTime(), o.maxEntries);
    this.unsubscribe = o.bus.subscribe((c) => this.changed(c));
  }

  /** The cached answer, or undefined when it must be read (see `lookup`). Never touches the store. */
  peek(tenantId: string, mac: string): Admission | undefined {
    return this.entries.get(tenantId, mac);
  }

  /** `mac` in canonical form (policy/util/mac.ts). */
  async lookup(tenantId: string, mac: string): Promise<Admission> {
    const cached = this.peek(tenantId, mac);
    if (cached) return cached;
    const stored = await this.o.store.endpoints.admissionByMac(tenantId, mac);
    const admission: Admission = stored ?? {};
    this.entries.set(tenantId, mac, admission, stored ? this.ttlMs : this.unknownTtlMs);
    return admission;
  }

  /** Drops what is known of a MAC (an endpoint was registered, deleted or re-addressed). */
  forget(tenantId: string, mac: string): void {
    this.entries.delete(tenantId, mac);
    for (const w of this.watchers) w(tenantId, mac, undefined);
  }

  /** Copies of the index elsewhere (RADIUS worker processes) follow its changes through this. */
  watch(w: AdmissionWatcher): () => void {
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.entries.clear();
    this.watchers.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private changed(c: VerdictChange): void {
    if (c.mac === undefined) return;
    const d = c.decision;
    const admission: Admission = { endpointId: c.endpointId, verdict: d.verdict, ...(d.vlan !== undefined ? { vlan: d.vlan } : {}), ...(d.trace.role ? { role: d.trace.role.name } : {}) };
    this.entries.set(c.tenantId, c.mac, admission, this.ttlMs);
    for (const w of this.watchers) w(c.tenantId, c.mac, admission);
  }
}

/** One key per tenant and MAC, for maps of admissions (here and in the RADIUS workers). */
export const admissionKey = (tenantId: string, mac: string): string => `${tenantId}\u0000${mac}`;
