/**
 * Prometheus metrics. One registry per server instance (not prom-client's global), so tests can run
 * several servers in one process.
 */
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { Verdict } from '../decide/policy.js';
import type { IdentityObserver, LoginOutcome } from '../identity/identity-service.js';
import type { PdpObserver } from '../service/pdp.js';
import type { Store, VerdictCause } from '../store/repository.js';

/** Metrics kept in another process (a RADIUS worker's), fetched when /metrics is scraped. */
export type MetricSource = () => Promise<MetricObjectWithValues<MetricValue<string>>[][]>;

/** How often the event-loop lag is sampled (nodejs_eventloop_lag_*). */
const LAG_SAMPLE_MS = 100;

export class KennekiMetrics implements PdpObserver, IdentityObserver {
  readonly registry = new Registry();
  private readonly sources = new Set<MetricSource>();
  readonly evaluations = new Histogram({
    name: 'kenneki_evaluation_duration_seconds',
    help: 'Time to evaluate one endpoint against its policy',
    labelNames: ['verdict'],
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05],
    registers: [this.registry],
  });
  readonly verdictChanges = new Counter({
    name: 'kenneki_verdict_changes_total',
    help: 'Verdict changes by transition and cause',
    labelNames: ['from', 'to', 'cause'],
    registers: [this.registry],
  });
  readonly ingested = new Counter({
    name: 'kenneki_posture_reports_total',
    help: 'Posture reports received, by result',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly httpRequests = new Histogram({
    name: 'kenneki_http_request_duration_seconds',
    help: 'Admin and ingestion API latency',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'kenneki_http_rejected_total',
    help: 'Requests rejected as malformed or invalid, by route and reason',
    labelNames: ['route', 'reason'],
    registers: [this.registry],
  });
  readonly authFailures = new Counter({
    name: 'kenneki_http_auth_failures_total',
    help: 'Rejected API credentials, by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });

  // Directory figures carry no directory name: /metrics is unauthenticated, and an ISP's
  // directory names tend to name its customers. GET /api/v1/directories has them per tenant.
  readonly directoryLogins = new Counter({
    name: 'kenneki_directory_logins_total',
    help: 'Directory logins by outcome: directory, cache, fail-mode (admitted held), invalid, unknown-user, unavailable, busy (refused unchecked)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly directoryLookups = new Histogram({
    name: 'kenneki_directory_lookup_duration_seconds',
    help: 'Directory round trips by kind: login (bind and groups), user or device (lookup and groups)',
    labelNames: ['kind'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [this.registry],
  });
  readonly directoriesDown = new Gauge({
    name: 'kenneki_directories_down',
    help: 'Directories currently unavailable (logins use the cache and the fail mode)',
    registers: [this.registry],
  });

  constructor(store: Store) {
    // The event-loop lag histogram samples with a timer: prom-client's 10 ms default wakes an idle
    // server 100 times a second (half of its idle CPU, 18 → 8.5 ms/s measured, and a preemption of whatever else runs
    // on that core). Ten samples a second still catch a stalled loop; each is timed in ns.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: LAG_SAMPLE_MS });
    // Summed over tenants: /metrics is unauthenticated, and tenant ids name an ISP's customers.
    new Gauge({
      name: 'kenneki_endpoints',
      help: 'Endpoints by current verdict, all tenants',
      labelNames: ['verdict'],
      registers: [this.registry],
      async collect() {
        this.reset();
        const sums = new Map<string, number>();
        for (const r of await store.endpoints.countByVerdict()) sums.set(r.verdict, (sums.get(r.verdict) ?? 0) + r.count);
        for (const [verdict, count] of sums) this.set({ verdict }, count);
      },
    });
  }

  /** Adds another process's metrics to /metrics; series with the same name and labels are summed. */
  addSource(source: MetricSource): () => void {
    this.sources.add(source);
    return () => this.sources.delete(source);
  }

  /** The exposition text for /metrics: this registry, plus every source's, summed. */
  async text(): Promise<string> {
    if (this.sources.size === 0) return this.registry.metrics();
    const others = (await Promise.all([...this.sources].map((s) => s()))).flat();
    return AggregatorRegistry.aggregate([await this.registry.getMetricsAsJSON(), ...others]).metrics();
  }

  evaluated(seconds: number, verdict: Verdict): void {
    this.evaluations.observe({ verdict }, seconds);
  }

  changed(from: Verdict, to: Verdict, cause: VerdictCause): void {
    this.verdictChanges.inc({ from, to, cause });
  }

  loggedIn(outcome: LoginOutcome): void {
    this.directoryLogins.inc({ outcome });
  }

  looked(kind: 'login' | 'user' | 'device', seconds: number): void {
    this.directoryLookups.observe({ kind }, seconds);
  }

  directoriesDownNow(count: number): void {
    this.directoriesDown.set(count);
  }
}
