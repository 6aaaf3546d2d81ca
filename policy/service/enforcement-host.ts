/**
 * How the policy server hands itself to the enforcement adapters (gateway/) without importing
 * them: the composition root (cli.ts, or a test) passes a starter, and the server calls it once
 * its store, PDP and listeners are up. Nothing in policy/ depends on an adapter.
 */
import type { Logger } from 'pino';
import type { KennekiConfig } from '../config/schema.js';
import type { AppContext } from '../http/context.js';
import type { Ca } from '../tnc/ca/index.js';
import type { VerdictBus } from './verdict-bus.js';

export interface EnforcementHost {
  cfg: KennekiConfig;
  ctx: AppContext;
  bus: VerdictBus;
  /** Kenneki's CA, when PT-TLS created it: issues the EAP server certificate and trusts device certificates. */
  ca?: Ca;
  log: Logger;
}

export interface RunningEnforcement {
  /** What each adapter listens on, e.g. { radiusAuth: 1812, radiusAcct: 1813 }. */
  ports: Record<string, number>;
  stop(): Promise<void>;
}

export type EnforcementStarter = (host: EnforcementHost) => Promise<RunningEnforcement>;
