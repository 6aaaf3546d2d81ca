/**
 * Gateway allow-list figures. On the policy server's registry for the local gateway; a remote
 * gateway (`kenneki gateway`) has a registry of its own, served with --metrics-port.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ACCESS_CLASSES, type AccessClass } from './contract.js';
import type { ApplierHealth, ApplierStats } from './nft/applier.js';
import type { CounterValue } from './nft/table-state.js';

export interface AllowlistMetricSources {
  entries(): Record<AccessClass, number>;
  stats(): ApplierStats;
  health(): ApplierHealth;
  /** The table's named counters (one nft listing per scrape). */
  counters(): Promise<Map<string, CounterValue>>;
}

export class AllowlistMetrics {
  /** Seconds from a change reaching the gateway to nft having it in force. */
  readonly applySeconds: Histogram;
  readonly driftRepairs: Counter;

  constructor(registry: Registry, sources: AllowlistMetricSources) {
    const registers = [registry];
    new Gauge({
      name: 'kenneki_allowlist_entries', help: 'Addresses in the gateway allow-list table, by access class (unknown addresses are quarantined and not counted)', labelNames: ['access'], registers,
      collect() {
        const e = sources.entries();
        for (const a of ACCESS_CLASSES) this.set({ access: a }, e[a]);
      },
    });
    new Gauge({
      name: 'kenneki_allowlist_nft_runs', help: 'nft transactions run by the allow-list (failed ones included)', registers,
      collect() {
        this.set(sources.stats().runs);
      },
    });
    new Gauge({
      name: 'kenneki_allowlist_nft_failures', help: 'nft transactions that failed', registers,
      collect() {
        this.set(sources.stats().failures);
      },
    });
    new Gauge({
      name: 'kenneki_allowlist_healthy', help: '1 while the allow-list table is known to match the verdicts, 0 while nft fails', registers,
      collect() {
        this.set(sources.health().ok ? 1 : 0);
      },
    });
    new Gauge({
      name: 'kenneki_allowlist_refused_packets', help: "Packets the allow-list table refused, by counter: quarantine_refused (from quarantined hosts), denied_refused, to_quarantined_refused (new connections into quarantined hosts), gateway_refused (to the gateway itself); the kernel's counters, reset when the table is replaced", labelNames: ['counter'], registers,
      async collect() {
        try {
          for (const [name, v] of await sources.counters()) this.set({ counter: name }, v.packets);
        } catch {
          // No table (yet), or nft failing: kenneki_allowlist_healthy says so; no figure is better than a wrong one.
        }
      },
    });
    this.applySeconds = new Histogram({
      name: 'kenneki_allowlist_apply_seconds', help: 'From a change reaching the gateway to its nft transaction being in force', registers,
      buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });
    this.driftRepairs = new Counter({ name: 'kenneki_allowlist_drift_repairs_total', help: 'Times the nft table was found changed behind Kenneki and replaced', registers });
  }
}
