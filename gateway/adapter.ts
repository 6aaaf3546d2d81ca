/**
 * The EnforcementAdapter contract (architecture.md): every way of applying a verdict (RADIUS,
 * DHCP, gateway allow-lists, host firewalls) is started, told about each verdict change, asked
 * for its health and stopped the same way. Capabilities are data.
 *
 * `apply` never substitutes silently: it says it applied the change, that there was nothing to do
 * and why, or that it failed. A failure leaves the endpoint where the NAS already has it, and the
 * NAS only ever had it in production if the verdict was allow; a failed move towards quarantine is
 * retried and shows up in metrics, the audit log and health.
 */
import type { VerdictChange } from '../policy/service/verdict-bus.js';

export type AdapterCapability = 'vlan-assign' | 'coa' | 'lease-steer' | 'allowlist' | 'host-firewall';

export type ApplyResult =
  | { status: 'applied'; detail: string }
  | { status: 'noop'; reason: string }
  | { status: 'failed'; reason: string; retryAt?: string };

export interface AdapterHealth {
  ok: boolean;
  detail: string;
}

export interface EnforcementAdapter {
  readonly name: string;
  readonly capabilities: readonly AdapterCapability[];
  /** Binds sockets and reloads its enforcement state from the store. Returns the ports it listens on. */
  start(): Promise<Record<string, number>>;
  apply(change: VerdictChange): Promise<ApplyResult>;
  health(): AdapterHealth;
  /** Idempotent. */
  stop(): Promise<void>;
}
