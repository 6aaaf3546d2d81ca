/**
 * The composition root for `kenneki serve`: store, caches, PDP, sweeper, HTTP. Also used by tests
 * to run a real server on port 0.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { AccountService } from './auth/accounts.js';
import { bootstrap, type BootstrapResult } from './bootstrap/bootstrap.js';
import type { KennekiConfig } from './config/schema.js';
import { buildApp, type RouteInfo } from './http/app.js';
import type { AppContext } from './http/context.js';
import { KennekiMetrics } from './http/metrics.js';
import { AdminChanges } from './service/admin-changes.js';
import { systemClock, type Clock } from './service/clock.js';
import { DecisionInputs } from './service/decision-inputs.js';
import { PolicyDecisionPoint } from './service/pdp.js';
import { ReevaluationQueue } from './service/reevaluation-queue.js';
import { Sweeper } from './service/sweeper.js';
import { VerdictBus } from './service/verdict-bus.js';
import type { Store } from './store/repository.js';
import { createSqliteStore } from './store/sqlite/store.js';

export interface RunningServer {
  ctx: AppContext;
  bus: VerdictBus;
  queue: ReevaluationQueue;
  sweeper: Sweeper;
  bootstrap: BootstrapResult;
  /** Where the HTTP API listens, e.g. http://127.0.0.1:8080. */
  url: string;
  routes: RouteInfo[];
  close(): Promise<void>;
}

export function openStore(cfg: KennekiConfig, clock: Clock = systemClock): Store {
  return createSqliteStore(cfg.store.path, { now: () => clock.now() });
}

export async function startServer(cfg: KennekiConfig, opts: { log: Logger; clock?: Clock; startSweeper?: boolean }): Promise<RunningServer> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log;
  const store = openStore(cfg, clock);
  const metrics = new KennekiMetrics(store);
  const bus = new VerdictBus((err, change) => log.error({ evt: 'VERDICT_SUBSCRIBER_FAILED', err, endpointId: change.endpointId }, 'verdict subscriber failed'));
  const inputs = new DecisionInputs(store);
  const defaults = { unknownEndpointVerdict: cfg.posture.unknown_endpoint_verdict, staleAfterHours: cfg.posture.stale_after_hours };
  const pdp = new PolicyDecisionPoint({ store, inputs, bus, clock, defaults, log: log.child({ component: 'pdp' }), observer: metrics });
  const queue = new ReevaluationQueue(pdp, log.child({ component: 'reevaluation' }));
  const sweeper = new Sweeper({
    store,
    pdp,
    inputs,
    clock,
    retentionDays: cfg.posture.retention_days,
    intervalSeconds: cfg.posture.reevaluate_interval_seconds,
    log: log.child({ component: 'sweeper' }),
  });
  const changes = new AdminChanges({ store, inputs, queue, clock, sweeper });
  const accounts = new AccountService(store, clock);
  const ctx: AppContext = { store, pdp, inputs, changes, accounts, clock, metrics, log };

  const boot = await bootstrap(cfg, { store, accounts, changes });
  const { app, routes } = await buildApp(ctx, {
    bodyLimit: cfg.http.body_limit_bytes,
    trustProxy: cfg.http.trust_proxy,
    ...(cfg.http.tls ? { https: { cert: readFileSync(cfg.http.tls.cert_file), key: readFileSync(cfg.http.tls.key_file) } } : {}),
  });
  const url = await app.listen({ host: cfg.http.host, port: cfg.http.port });
  if (opts.startSweeper !== false) sweeper.start();
  log.info({ evt: 'SERVER_LISTENING', url, store: cfg.store.path }, `kenneki listening on ${url}`);

  let closing: Promise<void> | undefined;
  return {
    ctx,
    bus,
    queue,
    sweeper,
    bootstrap: boot,
    url,
    routes,
    close() {
      closing ??= (async () => {
        sweeper.stop();
        await app.close();
        await queue.idle();
        await store.close();
      })();
      return closing;
    },
  };
}
