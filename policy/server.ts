/**
 * The composition root for `kenneki serve`: store, caches, PDP, sweeper, HTTP, the PT-TLS (NEA)
 * listener. Also used by tests
 * to run a real server on port 0.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { AccountService } from './auth/accounts.js';
import { DEVICE_TOKEN_PREFIX } from './auth/principal.js';
import { DirectoryAdmins } from './auth/directory-admins.js';
import { bootstrap, type BootstrapResult } from './bootstrap/bootstrap.js';
import type { KennekiConfig } from './config/schema.js';
import { buildApp, type RouteInfo } from './http/app.js';
import type { AppContext, EnrollmentContext } from './http/context.js';
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
import { TncsSession } from './tnc/broker/session.js';
import { issueServerCertificate, loadOrCreateCa, type Ca } from './tnc/ca/index.js';
import { EnrollmentService } from './tnc/enrollment-service.js';
import { PtTlsListener, type PtTlsEvent } from './tnc/listener/pt-tls-listener.js';
import { recordFailedLogin } from './tnc/listener/failed-login-audit.js';
import { PT_HEADER_BYTES } from './tnc/pt/message.js';
import { PostureService } from './tnc/posture-service.js';
import { OpenSessions } from './tnc/open-sessions.js';
import { neededFacts } from './service/pdp.js';
import { KennekiError } from './errors.js';
import { resolveDirectories } from './identity/config-rules.js';
import { IdentityService } from './identity/identity-service.js';
import { AdmissionIndex } from './service/admission.js';
import { AddressView } from './addresses/address-view.js';
import { gatewayFeed } from './addresses/gateway-feed.js';
import type { EnforcementStarter, RunningEnforcement } from './service/enforcement-host.js';

export interface RunningServer {
  ctx: AppContext;
  bus: VerdictBus;
  queue: ReevaluationQueue;
  sweeper: Sweeper;
  bootstrap: BootstrapResult;
  /** Where the HTTP API listens, e.g. http://127.0.0.1:8080. */
  url: string;
  routes: RouteInfo[];
  /** Where the PT-TLS (NEA) listener listens; absent when disabled or unavailable. */
  ptTlsPort?: number;
  /** The enforcement adapters' ports (e.g. radiusAuth); empty without a starter. */
  enforcementPorts: Record<string, number>;
  close(): Promise<void>;
}

export interface StartServerOptions {
  log: Logger;
  clock?: Clock;
  startSweeper?: boolean;
  /**
   * True when the config is the embedded defaults (no --config): a PT-TLS port that cannot be
   * bound (EACCES, EADDRINUSE) then only logs PT_TLS_UNAVAILABLE. With a config file the operator
   * asked for the listener, so the start fails instead.
   */
  defaultsOnly?: boolean;
  /** Starts the enforcement adapters (gateway/start.ts); the composition root passes it. */
  enforcement?: EnforcementStarter;
}

const PT_TLS_EVENT_LEVEL: Partial<Record<PtTlsEvent['evt'], 'debug' | 'warn' | 'error'>> = {
  PT_TLS_CONNECTED: 'debug',
  PT_TLS_CLOSED: 'debug',
  PT_TLS_SERVER_ERROR: 'error',
  PT_TLS_SESSION_ERROR: 'warn',
};

export function openStore(cfg: KennekiConfig, clock: Clock = systemClock, log?: Logger): Store {
  return createSqliteStore(cfg.store.path, { now: () => clock.now(), writerThread: cfg.store.writer_thread, ...(log ? { log } : {}) });
}

/** The tenant PT-TLS files devices under. */
const ptTlsTenant = (cfg: KennekiConfig): string => cfg.pt_tls.tenant ?? cfg.tenants[0]?.id ?? 'default';

/** `host:port` as an agent's --server takes it (IPv6 literals in brackets). */
const hostPort = (host: string, port: number): string => (isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`);

/**
 * Starts the NEA listener: Kenneki's CA (created in data_dir on first start) issues a fresh server
 * certificate for `server_names` at each start, kept in memory only. Returns undefined when the
 * listener is disabled, or unavailable on the embedded defaults.
 */
async function startPtTls(cfg: KennekiConfig, ctx: AppContext, ca: Ca, opts: StartServerOptions): Promise<{ listener: PtTlsListener; port: number } | undefined> {
  const pt = cfg.pt_tls;
  if (!pt.enabled) return undefined;
  const log = opts.log.child({ component: 'pt-tls' });
  const tenantId = ptTlsTenant(cfg);
  const names = pt.server_names;
  const cert = await issueServerCertificate(ca, { dnsNames: names.filter((n) => isIP(n) === 0), ipAddresses: names.filter((n) => isIP(n) !== 0), keyAlgorithm: pt.server_key });
  const posture = new PostureService({ store: ctx.store, pdp: ctx.pdp, clock: ctx.clock, unknownEndpointVerdict: cfg.posture.unknown_endpoint_verdict, log, identity: ctx.identity });
  const enrollment = new EnrollmentService({ store: ctx.store, ca, tenantId, clock: ctx.clock, pdp: ctx.pdp, log: opts.log.child({ component: 'enrollment' }) });
  // Warm the tenant's inputs so the first session already knows which facts to ask for.
  void ctx.inputs.get(tenantId).catch(() => {});

  const listener = new PtTlsListener({
    host: pt.host,
    port: pt.port,
    // The chain, so an enrolling agent can check the CA against its token's pin during the
    // handshake, before it sends anything.
    cert: cert.certPem + ca.certPem,
    key: cert.keyPem,
    ...(pt.client_auth === 'mutual-tls' ? { ca: [ca.certPem] } : {}),
    clientAuth: pt.client_auth,
    idleTimeoutMs: pt.idle_timeout_seconds * 1000,
    handshakeTimeoutMs: pt.handshake_timeout_seconds * 1000,
    maxConnections: pt.max_connections,
    maxMessageBytes: pt.limits.max_message_bytes,
    onEvent: (e) => log[PT_TLS_EVENT_LEVEL[e.evt] ?? 'info']({ ...e }, e.evt),
    sessionFactory: (peer) => {
      let user: string | undefined;
      let endpointId: string | undefined;
      const authenticate =
        pt.client_auth === 'sasl-plain'
          ? async (u: string, p: string): Promise<boolean> => {
              // Directory users first (device credentials never go there); a user the
              // directories do not know may still be a local account.
              if (!p.startsWith(DEVICE_TOKEN_PREFIX) && ctx.identity.hasDirectories(tenantId)) {
                const r = await ctx.identity.login(tenantId, u, p);
                if (r.ok) {
                  user = r.user;
                  return true;
                }
                if (r.reason === 'busy') log.warn({ evt: 'PT_TLS_AUTH_BUSY', remoteAddress: peer.remoteAddress }, 'SASL PLAIN refused unchecked: too many directory logins waiting');
                if (r.reason === 'invalid' || r.reason === 'unavailable' || r.reason === 'busy') {
                  await recordFailedLogin({ store: ctx.store, tenantId, log }, { user: u, remoteAddress: peer.remoteAddress });
                  return false;
                }
              }
              const checked = await ctx.accounts.checkProtocolCredentials(tenantId, u, p);
              if (checked.ok && checked.kind === 'device') endpointId = checked.endpointId;
              else if (checked.ok) user = checked.username;
              else {
                if (checked.reason === 'busy') log.warn({ evt: 'PT_TLS_AUTH_BUSY', remoteAddress: peer.remoteAddress }, 'SASL PLAIN refused unchecked: too many password checks waiting');
                await recordFailedLogin({ store: ctx.store, tenantId, log }, { user: u, remoteAddress: peer.remoteAddress });
              }
              return checked.ok;
            }
          : undefined;
      // After a decision the connection is the endpoint's open session, for server-initiated
      // reassessment (SRETRY), until it closes.
      let forget: (() => void) | undefined;
      const unverified = peer.unverified;
      const session: TncsSession = new TncsSession({
        enroll: (req) => enrollment.enroll(req, { remoteAddress: peer.remoteAddress }),
        ...(unverified
          ? {
              enrollmentOnly: {
                onRefused: (reason: string) => log.warn({ evt: 'PT_TLS_ASSESSMENT_REFUSED', remoteAddress: peer.remoteAddress, tenantId, certificate: unverified.reason }, reason),
              },
            }
          : {}),
        ...(authenticate ? { authenticate } : {}),
        // Asked when the session assesses: the tenant's current policies, from the inputs cache.
        neededFacts: async () => neededFacts((await ctx.inputs.get(tenantId)).policies),
        decide: async (facts) => {
          const assessed = await posture.assess(
            tenantId,
            {
              ...(user !== undefined ? { user } : {}),
              ...(endpointId !== undefined ? { endpointId } : {}),
              ...(peer.clientCertificate ? { certificateCn: peer.clientCertificate.subjectCN } : {}),
            },
            facts,
          );
          if (assessed.endpointId !== undefined && forget === undefined) forget = ctx.openSessions.register(tenantId, assessed.endpointId, session);
          // The address this agent connected from is its endpoint's, for gateway allow-lists.
          if (assessed.endpointId !== undefined) await ctx.addresses?.noteAgent(tenantId, peer.remoteAddress, assessed.endpointId);
          return assessed.decision;
        },
        limits: {
          maxRoundTrips: pt.limits.max_round_trips,
          // A PB-TNC batch is a PT-TLS message's body: the message limit less the 16-byte header.
          maxBatchBytes: pt.limits.max_message_bytes - PT_HEADER_BYTES,
          maxBatches: pt.limits.max_batches,
        },
        onInternalError: (err) => log.error({ evt: 'PT_TLS_ASSESSMENT_FAILED', remoteAddress: peer.remoteAddress, err }, 'assessment failed on the server: the client got PB-TNC Local Error'),
        now: () => ctx.clock.now(),
        vendorId: pt.vendor_id,
      });
      session.onClosed(() => forget?.());
      return session;
    },
  });
  try {
    const { port } = await listener.start();
    log.info({ evt: 'PT_TLS_LISTENING', host: pt.host, port, tenantId, clientAuth: pt.client_auth }, `PT-TLS listening on ${pt.host}:${port}`);
    return { listener, port };
  } catch (err) {
    await listener.stop();
    const code = (err as NodeJS.ErrnoException).code;
    const fix = code === 'EACCES' ? `set pt_tls.port to a port above 1023, or run with CAP_NET_BIND_SERVICE` : `set pt_tls.port to a free port, or stop what listens on ${pt.port}`;
    if (opts.defaultsOnly === true && (code === 'EACCES' || code === 'EADDRINUSE')) {
      log.warn({ evt: 'PT_TLS_UNAVAILABLE', host: pt.host, port: pt.port, code }, `PT-TLS not started: cannot listen on ${pt.host}:${pt.port} (${code}); ${fix} (or set pt_tls.enabled: false)`);
      return undefined;
    }
    throw new KennekiError('KENNEKI_ERR_CONFIG_INVALID', `pt_tls: cannot listen on ${pt.host}:${pt.port} (${code ?? String(err)}); ${fix}, or set pt_tls.enabled: false`, {
      cause: err,
      details: { problems: [`pt_tls.port: cannot listen on ${pt.host}:${pt.port} (${code ?? 'error'})`] },
    });
  }
}

export async function startServer(cfg: KennekiConfig, opts: StartServerOptions): Promise<RunningServer> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log;
  const store = openStore(cfg, clock, log.child({ component: 'store' }));
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
  let identity: IdentityService;
  try {
    const identityLog = log.child({ component: 'identity' });
    identity = new IdentityService({
      store,
      clock,
      log: identityLog,
      directories: resolveDirectories(cfg),
      observer: metrics,
      // Only the endpoints this identity owns or names: a login must not re-evaluate a tenant.
      onChanged: (tenantId, kind, name) =>
        store.endpoints
          .idsOfIdentity(tenantId, kind, name)
          .then((ids) => (ids.length > 0 ? pdp.reevaluate(tenantId, ids, 'identity-change') : 0))
          .catch((err: unknown) => identityLog.error({ evt: 'REEVALUATION_FAILED', tenantId, kind, name, err }, 're-evaluation after an identity change failed')),
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  // The CA before the context: the enrollment-token routes pin its certificate.
  let ca: Ca | undefined;
  try {
    ca = cfg.pt_tls.enabled ? await loadOrCreateCa(cfg.data_dir) : undefined;
  } catch (err) {
    await store.close();
    throw err;
  }
  let ptAddress: string | undefined;
  const enrollment: EnrollmentContext | undefined = ca && { tenantId: ptTlsTenant(cfg), caCertPem: ca.certPem, serverAddress: () => ptAddress };
  const directoryAdmins = new DirectoryAdmins({ store, identity, inputs, accounts, log: log.child({ component: 'directory-admins' }) });
  accounts.directoryRole = (tenantId, ldapUser, tokenRole) => directoryAdmins.effectiveRole(tenantId, ldapUser, tokenRole);
  const admission = new AdmissionIndex({ store, bus, clock });
  // Which address is whose, for gateway allow-lists; only kept when some gateway needs it.
  const addresses = cfg.allowlist.enabled
    ? new AddressView({ store, clock, log: log.child({ component: 'addresses' }), agentAddressTtlSeconds: cfg.allowlist.agent_address_ttl_seconds, refreshSeconds: cfg.allowlist.refresh_seconds })
    : undefined;
  const unsubscribeAddresses = addresses && bus.subscribe((change) => addresses.onVerdict(change));
  // A quarantined host that cannot reach PT-TLS can never report its way out: say so at start.
  if (cfg.allowlist.enabled && cfg.pt_tls.enabled && !cfg.allowlist.services.some((x) => x.proto === 'tcp' && x.port === cfg.pt_tls.port)) {
    log.warn(
      { evt: 'ALLOWLIST_PT_TLS_NOT_REACHABLE', ptTlsPort: cfg.pt_tls.port },
      `allowlist.services names no TCP service on port ${cfg.pt_tls.port}: quarantined hosts behind a gateway cannot reach PT-TLS, so their agents cannot report and they stay quarantined. Add { ip: <Kenneki's address as clients reach it>, proto: tcp, port: ${cfg.pt_tls.port} }`,
    );
  }
  const ctx: AppContext = {
    store, pdp, inputs, changes, accounts, identity, directoryAdmins, clock, metrics, log, admission, openSessions: new OpenSessions(),
    ...(enrollment ? { enrollment } : {}),
    ...(addresses ? { addresses, gatewayFeed: gatewayFeed(cfg.allowlist, addresses) } : {}),
  };
  try {
    await addresses?.start();
  } catch (err) {
    await store.close();
    throw err;
  }

  const boot = await bootstrap(cfg, { store, accounts, changes });
  const { app, routes } = await buildApp(ctx, {
    bodyLimit: cfg.http.body_limit_bytes,
    trustProxy: cfg.http.trust_proxy,
    ...(cfg.http.tls ? { https: { cert: readFileSync(cfg.http.tls.cert_file), key: readFileSync(cfg.http.tls.key_file) } } : {}),
  });
  let pt: Awaited<ReturnType<typeof startPtTls>>;
  try {
    pt = ca && (await startPtTls(cfg, ctx, ca, opts));
    if (pt) ptAddress = hostPort(cfg.pt_tls.server_names[0]!, pt.port);
  } catch (err) {
    await store.close();
    throw err;
  }
  let enforcement: RunningEnforcement | undefined;
  try {
    enforcement = opts.enforcement && (await opts.enforcement({ cfg, ctx, bus, log, ...(ca ? { ca } : {}) }));
  } catch (err) {
    await pt?.listener.stop();
    await store.close();
    throw err;
  }
  let url: string;
  try {
    url = await app.listen({ host: cfg.http.host, port: cfg.http.port });
  } catch (err) {
    await enforcement?.stop();
    await pt?.listener.stop();
    await store.close();
    throw err;
  }
  if (opts.startSweeper !== false) {
    sweeper.start();
    identity.start();
  }
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
    ...(pt ? { ptTlsPort: pt.port } : {}),
    enforcementPorts: enforcement?.ports ?? {},
    close() {
      closing ??= (async () => {
        sweeper.stop();
        // Enforcement first: it may still be sending CoA for the last verdict changes.
        await enforcement?.stop();
        unsubscribeAddresses?.();
        addresses?.stop();
        admission.stop();
        await identity.stop();
        await pt?.listener.stop();
        await app.close();
        await queue.idle();
        await store.close();
      })();
      return closing;
    },
  };
}
