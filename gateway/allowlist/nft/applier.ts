/**
 * Keeps the kernel's allow-list table equal to the desired entries, in as few nft runs as it can.
 *
 * Two maps: what we want (desired) and what we believe the kernel holds (applied, updated only
 * after an nft run exited 0). A change made while idle waits for the end of the event-loop turn,
 * so a burst from one message is one run; changes made while a run is in flight all go in the
 * next one. Only one nft process runs at a time (the lane), so runs never race each other or a
 * reconcile listing.
 *
 * A failed delta is followed by one full replace with everything desired: a delta can fail
 * because the table was deleted under us, which a replace repairs. If that fails too, the waiting
 * promises reject (the caller must not believe a verdict is enforced when it is not), health goes
 * false and the full replace is retried with backoff until it takes. Changes made meanwhile wait
 * for the next retry instead of hammering a broken nft.
 *
 * The table is left in place on stop: the last enforced state stays in force (fail closed) until a
 * new process replaces it.
 */
import type { Logger } from 'pino';
import { sameEntry, type AllowlistEntry, type GatewayLocal, type GatewayPolicy } from '../contract.js';
import { planDelta, renderDelta, type EntryChange } from './delta.js';
import type { NftRunner } from './nft-runner.js';
import { NFT_FAMILY, checkEntry, checkIpv4, renderTable, tableContents } from './ruleset.js';
import { diffState, expectedState, parseCounters, parseTableState, type CounterValue } from './table-state.js';

export interface AllowlistApplierOptions {
  local: GatewayLocal;
  runner: Pick<NftRunner, 'run' | 'listTable'>;
  log?: Logger;
  /** First retry delay while unhealthy; doubles up to retryMaxMs. Default 1 s. */
  retryInitialMs?: number;
  /** Default 30 s. */
  retryMaxMs?: number;
}

/** Counters for metrics. */
export interface ApplierStats {
  /** nft scripts run (failed ones included). */
  runs: number;
  /** Set elements added or removed by delta runs that succeeded. */
  elementsChanged: number;
  /** nft scripts that failed. */
  failures: number;
  /** Full replaces attempted. */
  fullReplaces: number;
  /** Duration of the last nft script run, in ms. */
  lastRunMs: number;
}

export interface ApplierHealth {
  ok: boolean;
  detail: string;
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

export class AllowlistApplier {
  readonly #local: GatewayLocal;
  readonly #runner: Pick<NftRunner, 'run' | 'listTable'>;
  readonly #log: Logger | undefined;
  readonly #retryInitialMs: number;
  readonly #retryMaxMs: number;

  #desired = new Map<string, AllowlistEntry>();
  #applied = new Map<string, AllowlistEntry>();
  #policy: GatewayPolicy | undefined;
  #appliedPolicy: GatewayPolicy | undefined;
  /** Addresses changed since the last run took its snapshot. */
  #dirty = new Set<string>();
  #needFull = false;
  #waiters: Waiter[] = [];
  #flushQueued = false;
  #lane: Promise<void> = Promise.resolve();
  #retryTimer: NodeJS.Timeout | undefined;
  #retryDelay: number;
  #health: ApplierHealth = { ok: false, detail: 'not started' };
  #stopped = false;
  #everApplied = false;
  readonly #stats: ApplierStats = { runs: 0, elementsChanged: 0, failures: 0, fullReplaces: 0, lastRunMs: 0 };

  constructor(o: AllowlistApplierOptions) {
    // Fails here, at boot, on a bad table name, client network or interface.
    tableContents(o.local, { remediation: [], services: [] }, []);
    this.#local = o.local;
    this.#runner = o.runner;
    this.#log = o.log;
    this.#retryInitialMs = o.retryInitialMs ?? 1000;
    this.#retryMaxMs = o.retryMaxMs ?? 30_000;
    this.#retryDelay = this.#retryInitialMs;
  }

  /** Replaces the whole table with this policy and these entries. */
  start(policy: GatewayPolicy, entries: Iterable<AllowlistEntry>): Promise<void> {
    if (this.#stopped) return Promise.reject(new Error('allow-list applier stopped'));
    try {
      tableContents(this.#local, policy, []);
      this.#desired = this.#validated(entries);
    } catch (e) {
      return Promise.reject(asError(e));
    }
    this.#policy = policy;
    this.#needFull = true;
    return this.#enqueue();
  }

  /** A new policy: the remediation and services sets change, so the table is replaced. */
  setPolicy(policy: GatewayPolicy): Promise<void> {
    const refused = this.#refuse();
    if (refused) return refused;
    try {
      tableContents(this.#local, policy, []);
    } catch (e) {
      return Promise.reject(asError(e));
    }
    this.#policy = policy;
    this.#needFull = true;
    return this.#enqueue();
  }

  upsert(entry: AllowlistEntry): Promise<void> {
    const refused = this.#refuse();
    if (refused) return refused;
    let e: AllowlistEntry;
    try {
      e = checkEntry(entry);
    } catch (err) {
      return Promise.reject(asError(err));
    }
    this.#desired.set(e.ip, e);
    this.#dirty.add(e.ip);
    return this.#enqueue();
  }

  /** The address loses its entry, and with it any verdict: it is quarantined like any unknown one. */
  remove(ip: string): Promise<void> {
    const refused = this.#refuse();
    if (refused) return refused;
    try {
      checkIpv4('ip', ip);
    } catch (err) {
      return Promise.reject(asError(err));
    }
    this.#desired.delete(ip);
    this.#dirty.add(ip);
    return this.#enqueue();
  }

  /** The full list (a resync from the policy server), applied as a delta against what we hold. */
  replaceAll(entries: Iterable<AllowlistEntry>): Promise<void> {
    const refused = this.#refuse();
    if (refused) return refused;
    let next: Map<string, AllowlistEntry>;
    try {
      next = this.#validated(entries);
    } catch (err) {
      return Promise.reject(asError(err));
    }
    for (const ip of this.#desired.keys()) this.#dirty.add(ip);
    for (const ip of next.keys()) this.#dirty.add(ip);
    this.#desired = next;
    return this.#enqueue();
  }

  /**
   * Compares the live table with what was applied; on any difference (table gone, set edited by
   * hand, rules deleted) replaces the table and returns what was found, for the caller to audit.
   */
  reconcile(): Promise<{ drift: string[] }> {
    const refused = this.#refuse();
    if (refused) return refused;
    return this.#exclusive(async () => {
      const listing = await this.#runner.listTable(NFT_FAMILY, this.#local.table);
      const actual = listing === undefined ? undefined : parseTableState(listing);
      const policy = this.#appliedPolicy ?? this.#policy;
      if (policy === undefined) throw new Error('allow-list: not started');
      const drift = diffState(expectedState(this.#local, policy, this.#applied.values()), actual);
      if (drift.length === 0) return { drift };
      this.#log?.warn({ evt: 'ALLOWLIST_DRIFT', table: this.#local.table, drift }, `allow-list table drifted: ${drift.join('; ')}`);
      try {
        await this.#fullReplace();
        this.#recovered();
      } catch (e) {
        this.#failed(asError(e));
        throw new Error(`allow-list: drift found (${drift.join('; ')}) and could not be repaired: ${asError(e).message}`, { cause: e });
      }
      return { drift };
    });
  }

  /** The named counters of the live table (packets and bytes refused, per counter). */
  async readCounters(): Promise<Map<string, CounterValue>> {
    const listing = await this.#runner.listTable(NFT_FAMILY, this.#local.table);
    return listing === undefined ? new Map() : parseCounters(listing);
  }

  health(): ApplierHealth {
    return { ...this.#health };
  }

  stats(): ApplierStats {
    return { ...this.#stats };
  }

  /** Stops retrying; waits for a run in flight; changes not yet run are rejected. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    await this.#lane;
    this.#rejectAll(this.#waiters.splice(0), new Error('allow-list applier stopped'));
  }

  #refuse(): Promise<never> | undefined {
    if (this.#stopped) return Promise.reject(new Error('allow-list applier stopped'));
    if (this.#policy === undefined) return Promise.reject(new Error('allow-list: not started'));
    return undefined;
  }

  #validated(entries: Iterable<AllowlistEntry>): Map<string, AllowlistEntry> {
    const out = new Map<string, AllowlistEntry>();
    let i = 0;
    for (const e of entries) {
      const entry = checkEntry(e, `entries[${i++}]`);
      out.set(entry.ip, entry);
    }
    return out;
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#lane.then(fn);
    this.#lane = p.then(
      () => {},
      () => {},
    );
    return p;
  }

  #enqueue(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    // While a retry is pending, it carries whatever is waiting.
    if (this.#flushQueued || this.#stopped || this.#retryTimer !== undefined) return;
    this.#flushQueued = true;
    // setImmediate: everything changed in this turn of the event loop goes in one run.
    setImmediate(() => void this.#exclusive(() => this.#flush()));
  }

  async #flush(fromRetry = false): Promise<void> {
    this.#flushQueued = false;
    // A flush queued before a failure must not jump the backoff: the retry takes its waiters.
    if (this.#stopped || (!fromRetry && this.#retryTimer !== undefined)) return;
    // Whatever arrives from here on waits for the next run.
    const waiters = this.#waiters.splice(0);
    const dirty = this.#dirty;
    this.#dirty = new Set();
    const full = this.#needFull;
    this.#needFull = false;
    try {
      if (full) await this.#fullReplace();
      else {
        const changes: (EntryChange & { ip: string })[] = [];
        for (const ip of dirty) {
          const before = this.#applied.get(ip);
          const after = this.#desired.get(ip);
          if (!sameEntry(before, after)) changes.push({ ip, before, after });
        }
        if (changes.length > 0) await this.#deltaOrReplace(changes);
      }
      this.#recovered();
      for (const w of waiters) w.resolve();
    } catch (e) {
      const err = asError(e);
      this.#needFull = true;
      this.#failed(err);
      this.#rejectAll(waiters, err);
    }
  }

  async #deltaOrReplace(changes: (EntryChange & { ip: string })[]): Promise<void> {
    const script = renderDelta(this.#local.table, changes);
    try {
      await this.#run(script);
    } catch (e) {
      this.#log?.warn({ evt: 'ALLOWLIST_DELTA_FAILED', table: this.#local.table, changes: changes.length, err: e }, 'allow-list delta failed; replacing the table');
      await this.#fullReplace();
      return;
    }
    for (const c of changes) {
      if (c.after === undefined) this.#applied.delete(c.ip);
      else this.#applied.set(c.ip, c.after);
    }
    this.#stats.elementsChanged += planDelta(changes).elements;
  }

  async #fullReplace(): Promise<void> {
    const policy = this.#policy;
    if (policy === undefined) throw new Error('allow-list: not started');
    // A snapshot: changes made while nft runs are not in it, and stay dirty for the next run.
    const snapshot = new Map(this.#desired);
    this.#stats.fullReplaces++;
    await this.#run(renderTable(this.#local, policy, snapshot.values()));
    this.#applied = snapshot;
    this.#appliedPolicy = policy;
  }

  async #run(script: string): Promise<void> {
    const t0 = performance.now();
    this.#stats.runs++;
    try {
      await this.#runner.run(script);
    } catch (e) {
      this.#stats.failures++;
      throw e;
    } finally {
      this.#stats.lastRunMs = performance.now() - t0;
      this.#log?.debug({ evt: 'ALLOWLIST_NFT_RUN', table: this.#local.table, ms: this.#stats.lastRunMs, bytes: script.length }, 'nft run');
    }
  }

  #recovered(): void {
    if (!this.#health.ok && this.#everApplied) this.#log?.info({ evt: 'ALLOWLIST_RECOVERED', table: this.#local.table }, 'allow-list applied again');
    this.#everApplied = true;
    this.#retryDelay = this.#retryInitialMs;
    this.#health = { ok: true, detail: `${this.#applied.size} entries applied to table ${NFT_FAMILY} ${this.#local.table}` };
  }

  #failed(err: Error): void {
    this.#health = { ok: false, detail: `allow-list not applied: ${err.message}` };
    this.#log?.error({ evt: 'ALLOWLIST_APPLY_FAILED', table: this.#local.table, err, retryMs: this.#retryDelay }, 'allow-list could not be applied; retrying');
    this.#needFull = true;
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#stopped || this.#retryTimer !== undefined) return;
    const delay = this.#retryDelay;
    this.#retryDelay = Math.min(this.#retryDelay * 2, this.#retryMaxMs);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#needFull = true;
      this.#flushQueued = true;
      void this.#exclusive(() => this.#flush(true));
    }, delay);
  }

  #rejectAll(waiters: Waiter[], err: Error): void {
    for (const w of waiters) w.reject(err);
  }
}
