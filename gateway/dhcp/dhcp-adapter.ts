/**
 * The DHCP enforcement adapter (`lease-steer`): serves DHCP and hands each client an address from
 * the pool its verdict picks (server/steering.ts).
 *
 * A verdict change is applied at the client's next DHCPREQUEST, not pushed: the renewal of an
 * address in the wrong pool gets a NAK, and the client's next DISCOVER is offered the right pool.
 * Quarantine leases are short (60 s by default), so a fixed device gets out within about half of
 * that; a device turning non-compliant keeps its production address until it renews (half the
 * production lease), which is why DHCP steering pairs with RADIUS CoA or the gateway allow-list
 * wherever those exist. FORCERENEW (RFC 3203) would need authentication few clients implement.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { KennekiConfig } from '../../policy/config/schema.js';
import type { AdmissionSource } from '../../policy/service/admission.js';
import type { VerdictChange } from '../../policy/service/verdict-bus.js';
import type { Store } from '../../policy/store/repository.js';
import type { AdapterHealth, ApplyResult, EnforcementAdapter } from '../adapter.js';
import { LeaseTable } from './leases/lease-table.js';
import type { LeaseObserver } from './leases/lease-table.js';
import { DhcpMetrics } from './metrics.js';
import { DhcpServer } from './server/dhcp-server.js';
import { leaseSpecs, servedScopes } from './server/scopes.js';

export interface DhcpAdapterDeps {
  dhcp: KennekiConfig['dhcp'];
  store: Store;
  admission: AdmissionSource;
  registry: Registry;
  log: Logger;
  /** Told of leases as they are stored and given back (the gateway allow-list's address view). */
  leaseObserver?: LeaseObserver;
}

/** Expired leases and declines are swept from memory and deleted from the store this often. */
const RECLAIM_INTERVAL_MS = 60_000;

export class DhcpAdapter implements EnforcementAdapter {
  readonly name = 'dhcp';
  readonly capabilities = ['lease-steer'] as const;
  private server: DhcpServer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly d: DhcpAdapterDeps) {}

  async start(): Promise<Record<string, number>> {
    const { dhcp, store, log } = this.d;
    if (dhcp.server_id === undefined) throw new Error('dhcp.server_id is required when dhcp is enabled');
    const scopes = servedScopes(dhcp);
    const leases = await LeaseTable.load({ store: store.dhcpLeases, scopes: leaseSpecs(scopes), offerHoldMs: dhcp.offer_hold_seconds * 1000, declineHoldSeconds: dhcp.decline_hold_seconds, ...(this.d.leaseObserver ? { observer: this.d.leaseObserver } : {}) });
    const metrics = new DhcpMetrics(this.d.registry, () => scopes.flatMap((s) => [...s.pools.keys()].map((pool) => ({ scope: s.name, pool, used: leases.usage(s.tenantId, s.name, pool)?.used ?? 0 }))));
    const server = new DhcpServer({ host: dhcp.host, port: dhcp.port, serverId: dhcp.server_id, scopes, leases, admission: this.d.admission, unknownMac: dhcp.unknown_mac, metrics, log });
    const port = await server.start();
    this.server = server;
    this.timer = setInterval(() => {
      leases.sweep();
      store.dhcpLeases.reclaim(new Date().toISOString()).catch((err: unknown) => log.error({ evt: 'DHCP_RECLAIM_FAILED', err }, 'could not delete expired DHCP leases'));
    }, RECLAIM_INTERVAL_MS).unref();
    log.info({ evt: 'DHCP_LISTENING', host: dhcp.host, port, serverId: dhcp.server_id, scopes: scopes.map((s) => s.name) }, `DHCP server on ${dhcp.host}:${port} (server id ${dhcp.server_id})`);
    return { dhcp: port };
  }

  async apply(change: VerdictChange): Promise<ApplyResult> {
    return { status: 'noop', reason: `steered at the next DHCPREQUEST of ${change.endpointId}'s MAC: a renewal in the wrong pool is NAKed` };
  }

  health(): AdapterHealth {
    if (this.stopped) return { ok: false, detail: 'stopped' };
    return this.server ? { ok: true, detail: 'serving DHCP' } : { ok: false, detail: 'not started' };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    const s = this.server;
    this.server = undefined;
    await s?.stop();
  }
}
