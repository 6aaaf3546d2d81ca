/**
 * Verdict changes are events. Enforcement adapters subscribe here; they never poll the store.
 * In-process today; with several nodes on PostgreSQL the same events travel by LISTEN/NOTIFY.
 *
 * A slow or failing subscriber must not hold up assessment or other subscribers, so handlers run
 * detached and their failures are reported, not thrown back at the publisher.
 */
import type { Decision } from '../decide/decision.js';
import type { Verdict } from '../decide/policy.js';
import type { VerdictCause } from '../store/repository.js';

export interface VerdictChange {
  tenantId: string;
  endpointId: string;
  mac?: string;
  previous: Verdict;
  verdict: Verdict;
  /** The VLAN moved (decision.vlan); set even when `verdict` equals `previous`. */
  placementChanged?: boolean;
  cause: VerdictCause;
  decidedAt: string;
  decision: Decision;
}

export type VerdictHandler = (change: VerdictChange) => void | Promise<void>;

export class VerdictBus {
  private readonly handlers = new Set<VerdictHandler>();

  constructor(private readonly onHandlerError: (err: unknown, change: VerdictChange) => void = () => {}) {}

  subscribe(handler: VerdictHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  publish(change: VerdictChange): void {
    for (const h of this.handlers) {
      try {
        const r = h(change);
        if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch((e) => this.onHandlerError(e, change));
      } catch (e) {
        this.onHandlerError(e, change);
      }
    }
  }
}
