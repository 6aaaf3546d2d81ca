/**
 * The 802.1X / MAB / VPN enforcement adapter: the RADIUS server answers admissions from the
 * current verdict, and every verdict change for an endpoint with a live session goes to its NAS as
 * the profile's CoA / Disconnect chain, so the device is re-placed at once rather than at its next
 * re-authentication.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { MetricSource } from '../../policy/http/metrics.js';
import type { KennekiConfig } from '../../policy/config/schema.js';
import type { Admission, AdmissionIndex } from '../../policy/service/admission.js';
import type { VerdictChange } from '../../policy/service/verdict-bus.js';
import type { NetworkSession, Store } from '../../policy/store/repository.js';
import type { AdapterHealth, ApplyResult, EnforcementAdapter } from '../adapter.js';
import { SessionTable } from '../sessions/session-table.js';
import { formatMac } from './codec/mac.js';
import { DynamicAuthClient } from './coa/dynamic-auth-client.js';
import type { DynamicAuthResult } from './coa/types.js';
import { registerEapMetrics } from './eap-metrics.js';
import type { EapPortHandle } from './eap/index.js';
import { RadiusMetrics } from './metrics.js';
import { NasClientTable, type NasClient } from './server/nas-clients.js';
import { configuredSettings, RadiusServer } from './server/radius-server.js';
import { RadiusWorkerPool } from './workers/worker-pool.js';

export interface RadiusAdapterDeps {
  radius: KennekiConfig['radius'];
  store: Store;
  admission: AdmissionIndex;
  registry: Registry;
  /** Where the RADIUS workers' metrics join /metrics (only used with radius.workers > 0). */
  metricSources?: { addSource(source: MetricSource): () => void };
  log: Logger;
  eap?: EapPortHandle;
  now?: () => Date;
  /** Told of sessions as they are stored (the gateway allow-list learns Framed-IP-Addresses). */
  onSessionsSaved?: (sessions: readonly NetworkSession[]) => void;
}

export class RadiusAdapter implements EnforcementAdapter {
  readonly name = 'radius';
  readonly capabilities = ['vlan-assign', 'coa'] as const;
  readonly metrics: RadiusMetrics;
  readonly sessions: SessionTable;
  private readonly clients: NasClientTable;
  private readonly server: RadiusServer;
  private readonly coa: DynamicAuthClient;
  private lastFailure: string | undefined;
  private stopped = false;
  private started = false;
  private workers: RadiusWorkerPool | undefined;
  private readonly deviceAdmission: (tenantId: string, deviceId: string) => Promise<Admission | undefined>;
  private dropMetricSource: (() => void) | undefined;

  constructor(private readonly d: RadiusAdapterDeps) {
    const r = d.radius;
    this.clients = NasClientTable.fromConfig(r);
    this.metrics = new RadiusMetrics(d.registry);
    if (d.eap) registerEapMetrics(d.registry, () => d.eap!.stats());
    this.sessions = new SessionTable({ store: d.store, log: d.log, ...(d.now ? { now: d.now } : {}), ...(d.onSessionsSaved ? { onSaved: d.onSessionsSaved } : {}) });
    this.deviceAdmission = async (tenantId, deviceId) => {
      const e = await d.store.endpoints.findByDeviceId(tenantId, deviceId);
      return e?.mac !== undefined ? d.admission.lookup(tenantId, e.mac) : e && { endpointId: e.id, verdict: e.verdict };
    };
    this.server = new RadiusServer({
      ...configuredSettings(r, this.clients),
      admission: d.admission,
      sessions: this.sessions,
      metrics: this.metrics,
      log: d.log,
      readers: r.workers,
      // Workers hold EAP themselves when they can: each request then goes to the worker whose State it carries.
      steerByState: r.workers > 1 && d.eap?.share !== undefined,
      ...(d.eap ? { eap: d.eap } : {}),
      admissionByDeviceId: this.deviceAdmission,
    });
    this.coa = new DynamicAuthClient({
      observer: {
        dropped: (reason) => this.metrics.coaDropped.labels(reason).inc(),
        finished: (step, result) => this.metrics.dynamicAuth.labels(step, result).inc(),
      },
    });
  }

  /** The RADIUS worker processes' ids (none without radius.workers). */
  get workerPids(): number[] {
    return this.workers?.pids ?? [];
  }

  async start(): Promise<Record<string, number>> {
    await this.sessions.start();
    const ports = await this.server.start();
    if (this.d.radius.workers > 0) {
      this.workers = new RadiusWorkerPool({
        count: this.d.radius.workers,
        radius: this.d.radius,
        server: this.server,
        admission: this.d.admission,
        sessions: this.sessions,
        log: this.d.log,
        ...(this.d.eap?.share ? { eap: this.d.eap.share } : {}),
        admissionByDeviceId: this.deviceAdmission,
      });
      try {
        await this.workers.start();
      } catch (err) {
        await this.server.stop();
        throw err;
      }
      const pool = this.workers;
      this.dropMetricSource = this.d.metricSources?.addSource(() => pool.metrics());
    }
    const workers = this.d.radius.workers;
    const shared = this.server.sharedBecause;
    this.d.log.info(
      { evt: 'RADIUS_LISTENING', host: this.d.radius.host, ...ports, clients: this.clients.size, workers, ...(workers > 0 ? { sockets: shared ? 'shared' : 'one per worker', eap: this.workers?.eapInWorkers ? 'workers' : 'main' } : {}) },
      `RADIUS listening on ${this.d.radius.host}:${ports.authPort} (accounting ${ports.acctPort})${workers > 0 ? ` with ${workers} worker processes, ${shared ? 'sharing one socket per port' : 'each reading a socket of its own'}${this.workers?.eapInWorkers ? ', each holding its own EAP conversations' : ''}` : ''}`,
    );
    // Correct, but every worker is woken for every datagram: say why, once, so it can be fixed.
    if (workers > 1 && shared) this.d.log.warn({ evt: 'RADIUS_WORKERS_SHARE_SOCKETS', reason: shared }, `RADIUS workers share one socket per port: ${shared}`);
    this.started = true;
    return { radiusAuth: ports.authPort, radiusAcct: ports.acctPort };
  }

  async apply(change: VerdictChange): Promise<ApplyResult> {
    if (!this.d.radius.coa.enabled) return { status: 'noop', reason: 'radius.coa.enabled is false' };
    if (change.mac === undefined) return { status: 'noop', reason: 'the endpoint has no MAC' };
    const live = this.sessions.liveByMac(change.tenantId, change.mac);
    if (live.length === 0) return { status: 'noop', reason: 'no live RADIUS session for this MAC' };
    const results = await Promise.all(live.map((s) => this.reauthorize(change, s)));
    const failed = results.filter((r) => r.result.outcome !== 'acked');
    if (failed.length === 0) return { status: 'applied', detail: results.map((r) => `${r.nas}: ${r.result.step}`).join(', ') };
    const reason = failed.map((r) => `${r.nas}: ${r.result.outcome} (${r.result.steps.map((s) => `${s.step} ${s.result}${s.errorCauseName ? ` ${s.errorCauseName}` : ''}`).join(', ')})`).join('; ');
    this.lastFailure = reason;
    return { status: 'failed', reason };
  }

  health(): AdapterHealth {
    if (this.stopped) return { ok: false, detail: 'stopped' };
    if (!this.started) return { ok: false, detail: 'not started' };
    return this.lastFailure ? { ok: true, detail: `listening; last CoA failure: ${this.lastFailure}` } : { ok: true, detail: 'listening' };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.dropMetricSource?.();
    await this.workers?.stop();
    await this.server.stop();
    this.coa.close();
    await this.sessions.stop();
  }

  private async reauthorize(change: VerdictChange, s: NetworkSession): Promise<{ nas: string; result: DynamicAuthResult }> {
    const client: NasClient | undefined = this.clients.byName(s.nas);
    if (!client) return { nas: s.nas, result: { outcome: 'error', steps: [{ step: 'lookup', result: 'error', attempts: 0, detail: `NAS ${s.nas} is no longer configured` }] } };
    const callingStationId = s.mac !== undefined ? formatMac(s.mac, client.profile.macFormat) : undefined;
    const result = await this.coa.send(
      { address: client.coaAddress ?? s.nasAddress, port: client.coaPort, secret: client.secret, steps: client.profile.dynamicAuth },
      {
        ...(callingStationId !== undefined ? { callingStationId } : {}),
        ...(s.userName !== undefined ? { userName: s.userName } : {}),
        ...(s.acctSessionId !== undefined ? { acctSessionId: s.acctSessionId } : {}),
      },
      { timeoutMs: this.d.radius.coa.timeout_ms, retries: this.d.radius.coa.retries },
    );
    this.d.log.info(
      { evt: 'RADIUS_DYNAMIC_AUTH', tenantId: change.tenantId, endpointId: change.endpointId, nas: s.nas, verdict: change.verdict, outcome: result.outcome, step: result.step, steps: result.steps },
      `CoA/Disconnect to ${s.nas}: ${result.outcome}`,
    );
    await this.d.store.audit
      .append(change.tenantId, {
        actor: 'radius',
        actorKind: 'system',
        action: `radius.${result.outcome === 'acked' ? 'reauthorize' : 'reauthorize-failed'}`,
        targetType: 'endpoint',
        targetId: change.endpointId,
        after: { nas: s.nas, verdict: change.verdict, outcome: result.outcome, ...(result.step ? { step: result.step } : {}), steps: result.steps },
      })
      .catch((err: unknown) => this.d.log.error({ evt: 'AUDIT_WRITE_FAILED', err }, 'could not audit a CoA outcome'));
    return { nas: s.nas, result };
  }
}
