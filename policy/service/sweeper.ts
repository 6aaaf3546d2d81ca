/**
 * Time-driven re-evaluation: exceptions that expired, posture that went stale, and the retention
 * purge. Runs on an interval and also exactly when the next exception is due, so an expiry takes
 * effect on time rather than at the next tick.
 */
import type { Logger } from 'pino';
import type { Decision } from '../decide/decision.js';
import type { Store, VerdictCause } from '../store/repository.js';
import type { Clock } from './clock.js';
import type { DecisionInputs } from './decision-inputs.js';
import type { PolicyDecisionPoint } from './pdp.js';

const DAY_MS = 86_400_000;
/** setTimeout cannot wait longer than 2^31-1 ms; longer waits are served by the interval. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface SweepReport {
  exceptionsExpired: number;
  /** Endpoints re-evaluated because time alone could change their decision. */
  reviewed: number;
  changed: number;
  snapshotsPurged: number;
  /** Network sessions (RADIUS) last heard of before the retention cutoff. */
  sessionsPurged: number;
}

export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepReport> | undefined;
  private stopped = true;

  constructor(
    private readonly deps: {
      store: Store;
      pdp: PolicyDecisionPoint;
      inputs: DecisionInputs;
      clock: Clock;
      retentionDays: number;
      intervalSeconds: number;
      log: Logger;
    },
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Re-arm the timer now, e.g. after an exception with an earlier expiry was created. */
  async reschedule(): Promise<void> {
    if (this.stopped) return;
    this.schedule(await this.msUntilNextDue());
  }

  /** One full pass. Concurrent callers share the pass in flight. */
  sweep(): Promise<SweepReport> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.sweep()
        .catch((err) => this.deps.log.error({ evt: 'SWEEP_FAILED', err }, 'sweep failed'))
        .finally(() => void this.reschedule());
    }, Math.max(0, Math.min(ms, MAX_TIMER_MS)));
    this.timer.unref();
  }

  private async msUntilNextDue(): Promise<number> {
    const interval = this.deps.intervalSeconds * 1000;
    const now = this.deps.clock.now().getTime();
    let next = now + interval;
    for (const t of await this.deps.store.tenants.list()) {
      for (const e of await this.deps.store.exceptions.list(t.id, { now: new Date(now).toISOString() })) next = Math.min(next, Date.parse(e.expiresAt));
    }
    return next - now;
  }

  private async pass(): Promise<SweepReport> {
    const { store, pdp, clock, log } = this.deps;
    const now = clock.now();
    const report: SweepReport = { exceptionsExpired: 0, reviewed: 0, changed: 0, snapshotsPurged: 0, sessionsPurged: 0 };

    const due = await store.exceptions.dueForExpiry(now.toISOString());
    const tenantsWithExpiry = new Set(due.map((e) => e.tenantId));
    for (const tenantId of tenantsWithExpiry) {
      // The engine already ignores the expired exception by time; reloading drops it from the cache.
      this.deps.inputs.invalidate(tenantId);
      report.changed += (await pdp.reevaluateTenant(tenantId, 'exception-expiry')).changed;
    }
    for (const e of due) {
      await store.exceptions.markExpiryProcessed(e.tenantId, e.id, now.toISOString());
      log.info({ evt: 'EXCEPTION_EXPIRED', tenantId: e.tenantId, exceptionId: e.id }, 'exception expired; endpoints re-evaluated');
    }
    report.exceptionsExpired = due.length;

    // Decisions that time alone changes: posture gone stale, grace run out.
    const cause = (d: Decision): VerdictCause => (d.trace.defaulted === 'stale-posture' ? 'stale' : 'grace-expiry');
    for (const t of await store.tenants.list()) {
      let previous = '';
      for (;;) {
        const ids = await store.endpoints.dueForReview(t.id, now.toISOString(), 500);
        // Re-evaluation moves reviewAt past now; the same batch twice means nothing can move.
        if (ids.length === 0 || ids.join() === previous) break;
        previous = ids.join();
        report.reviewed += ids.length;
        report.changed += await pdp.reevaluate(t.id, ids, cause);
      }
    }

    await store.optimize();
    const cutoff = new Date(now.getTime() - this.deps.retentionDays * DAY_MS).toISOString();
    report.snapshotsPurged = await store.retention.purgeSnapshots(cutoff);
    // Sessions name users, MACs and addresses: the same retention as posture (seed 000).
    report.sessionsPurged = await store.sessions.purge(cutoff);
    // Where agents were seen is only kept while it means something (until it expires).
    await store.agentAddresses.reclaim(now.toISOString());
    if (report.exceptionsExpired + report.reviewed + report.snapshotsPurged + report.sessionsPurged > 0) log.info({ evt: 'SWEEP_DONE', ...report }, 'sweep done');
    return report;
  }
}
