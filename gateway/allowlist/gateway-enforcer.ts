/**
 * One gateway's enforcement, whether it runs inside the policy server (allowlist-adapter.ts) or on
 * another host (remote-gateway.ts): merges the tenants' entries, keeps the nft table in step
 * through the applier, checks it for drift on a timer, and runs the portal redirector.
 *
 * Fail closed at every step: the table goes in at start with whatever is known (nothing, for a
 * remote gateway that has not reached its server yet), so an unknown address is quarantined from
 * the first packet; and the table stays in force when this process stops.
 */
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AccessClass, AllowlistEntry, GatewayLocal, GatewayPolicy, TenantEntry } from './contract.js';
import { AllowlistMetrics } from './metrics.js';
import { AllowlistApplier } from './nft/applier.js';
import { NftRunner } from './nft/nft-runner.js';
import { PortalRedirector } from './portal-redirector.js';
import { TenantMerge } from './tenant-merge.js';

export interface EnforcerOptions {
  local: GatewayLocal;
  /** nft binary; `wrap` runs it elsewhere (tests: inside a namespace). */
  nft?: string;
  wrap?: (argv: string[]) => string[];
  reconcileSeconds: number;
  log: Logger;
  registry?: Registry;
  /** Told what drift a reconcile found and repaired (the local gateway audits it). */
  onDrift?: (drift: string[]) => void;
}

export interface TenantChange {
  tenantId: string;
  ip: string;
  entry?: AllowlistEntry;
}

/** The host's first non-loopback IPv4 address, for the redirect target. */
function hostIpv4(): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

const samePolicy = (a: GatewayPolicy | undefined, b: GatewayPolicy): boolean => a !== undefined && JSON.stringify(a) === JSON.stringify(b);

export class GatewayEnforcer {
  #applier: AllowlistApplier;
  private readonly runner: NftRunner;
  private readonly merge = new TenantMerge();
  private readonly redirector: PortalRedirector | undefined;
  private readonly metrics: AllowlistMetrics | undefined;
  private policy: GatewayPolicy | undefined;
  private timer: NodeJS.Timeout | undefined;
  private last: Promise<unknown> = Promise.resolve();
  private redirectPort: number | undefined;

  constructor(private readonly o: EnforcerOptions) {
    this.runner = new NftRunner({ ...(o.nft !== undefined ? { binary: o.nft } : {}), ...(o.wrap ? { wrap: o.wrap } : {}) });
    // Checks the table name, networks and interfaces now, at boot (port 0 stands for the one start picks).
    this.#applier = this.makeApplier(o.local.portalRedirectPort === 0 ? { ...o.local, portalRedirectPort: 1 } : o.local);
    this.redirector = o.local.portalRedirectPort !== undefined ? new PortalRedirector() : undefined;
    this.metrics = o.registry && new AllowlistMetrics(o.registry, { entries: () => this.counts(), stats: () => this.applier.stats(), health: () => this.applier.health(), counters: () => this.applier.readCounters() });
  }

  /** The nft applier (stats, counters, reconcile). */
  get applier(): AllowlistApplier {
    return this.#applier;
  }

  private makeApplier(local: GatewayLocal): AllowlistApplier {
    return new AllowlistApplier({ local, runner: this.runner, log: this.o.log });
  }

  /** Starts the redirector, then puts the table in force with `policy` and `entries`, then the reconcile timer. */
  async start(policy: GatewayPolicy, entries: Iterable<TenantEntry>): Promise<{ portalRedirect?: number }> {
    this.policy = policy;
    if (this.redirector) {
      this.redirector.setPortalUrl(policy.portalUrl);
      // The rules name the port the redirector really listens on (0 in the config: the OS picks),
      // and an address of this host to send the HTTP to (see GatewayLocal.portalRedirectAddress).
      this.redirectPort = await this.redirector.start(this.o.local.portalRedirectPort!);
      const address = this.o.local.portalRedirectAddress ?? hostIpv4();
      this.#applier = this.makeApplier({ ...this.o.local, portalRedirectPort: this.redirectPort, ...(address !== undefined ? { portalRedirectAddress: address } : {}) });
    }
    try {
      await this.applier.start(policy, this.merge.replaceAll(entries));
    } catch (err) {
      await this.redirector?.stop();
      throw err;
    }
    this.timer = setInterval(() => void this.reconcile(), this.o.reconcileSeconds * 1000);
    this.timer.unref();
    return this.redirectPort !== undefined ? { portalRedirect: this.redirectPort } : {};
  }

  /** Everything anew (a remote gateway's re-sync): the policy if it changed, then the entries, then a drift check. */
  async resync(policy: GatewayPolicy, entries: Iterable<TenantEntry>): Promise<void> {
    if (!samePolicy(this.policy, policy)) {
      this.policy = policy;
      this.redirector?.setPortalUrl(policy.portalUrl);
      await this.applier.setPolicy(policy);
    }
    const t0 = performance.now();
    await this.applier.replaceAll(this.merge.replaceAll(entries));
    this.metrics?.applySeconds.observe((performance.now() - t0) / 1000);
    // Someone may have edited the table while we were cut off from the server.
    await this.reconcile();
  }

  /** Applies changes; resolves when all are in force (rejects if nft could not apply them). */
  changes(changes: readonly TenantChange[]): Promise<void> {
    const t0 = performance.now();
    const runs = changes.map((c) => {
      const merged = this.merge.change(c.tenantId, c.ip, c.entry);
      return merged ? this.applier.upsert(merged) : this.applier.remove(c.ip);
    });
    const all = Promise.all(runs).then(() => {
      this.metrics?.applySeconds.observe((performance.now() - t0) / 1000);
    });
    this.last = all.catch(() => {});
    return all;
  }

  /** Resolves once the changes handed over so far have been run (in force, or failed). */
  settled(): Promise<unknown> {
    return this.last;
  }

  entry(ip: string): AllowlistEntry | undefined {
    return this.merge.merged(ip);
  }

  async reconcile(): Promise<string[]> {
    try {
      const { drift } = await this.applier.reconcile();
      if (drift.length > 0) {
        this.metrics?.driftRepairs.inc();
        this.o.onDrift?.(drift);
      }
      return drift;
    } catch (err) {
      this.o.log.error({ evt: 'ALLOWLIST_RECONCILE_FAILED', err }, 'the allow-list table could not be checked or repaired');
      return [];
    }
  }

  private counts(): Record<AccessClass, number> {
    const c: Record<AccessClass, number> = { allowed: 0, quarantined: 0, denied: 0 };
    for (const e of this.merge.entries()) c[e.access]++;
    return c;
  }

  health(): { ok: boolean; detail: string } {
    return this.applier.health();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.redirector?.stop();
    await this.applier.stop();
  }
}
