/**
 * Re-evaluation after a policy, exception, definitions or identity change runs in the background,
 * one run per tenant at a time. Changes that arrive during a run coalesce into one more run, so ten
 * quick policy edits cost two passes over the tenant, not ten.
 */
import type { Logger } from 'pino';
import type { VerdictCause } from '../store/repository.js';
import type { PolicyDecisionPoint } from './pdp.js';

export class ReevaluationQueue {
  private readonly running = new Map<string, Promise<void>>();
  private readonly pending = new Map<string, VerdictCause>();

  constructor(private readonly pdp: PolicyDecisionPoint, private readonly log: Logger) {}

  request(tenantId: string, cause: VerdictCause): void {
    if (this.running.has(tenantId)) {
      this.pending.set(tenantId, cause);
      return;
    }
    const run = this.pdp
      .reevaluateTenant(tenantId, cause)
      .then(() => undefined)
      .catch((err) => this.log.error({ evt: 'REEVALUATION_FAILED', tenantId, cause, err }, 're-evaluation failed'))
      .finally(() => {
        this.running.delete(tenantId);
        const next = this.pending.get(tenantId);
        if (next) {
          this.pending.delete(tenantId);
          this.request(tenantId, next);
        }
      });
    this.running.set(tenantId, run);
  }

  /** Resolves when no re-evaluation is running or queued. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }
}
