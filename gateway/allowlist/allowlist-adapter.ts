/**
 * The gateway allow-list as an EnforcementAdapter, for a policy server that is also the LAN or VPN
 * gateway (`allowlist.local`). It follows the address view in-process: each batch of address
 * changes becomes one nft transaction. `apply` reports whether a verdict change is in force for
 * the addresses the endpoint holds.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AddressChange, AddressView } from '../../policy/addresses/address-view.js';
import { gatewayPolicyOf } from '../../policy/addresses/gateway-feed.js';
import type { KennekiConfig } from '../../policy/config/schema.js';
import type { VerdictChange } from '../../policy/service/verdict-bus.js';
import type { Store } from '../../policy/store/repository.js';
import type { AdapterHealth, ApplyResult, EnforcementAdapter } from '../adapter.js';
import { GatewayEnforcer } from './gateway-enforcer.js';

export interface AllowlistAdapterDeps {
  allowlist: KennekiConfig['allowlist'];
  view: AddressView;
  store: Pick<Store, 'audit' | 'tenants'>;
  registry: Registry;
  log: Logger;
  /** Tests run nft inside a namespace of their own. */
  wrapNft?: (argv: string[]) => string[];
}

/** A failed nft run is retried by the applier; the verdict is reported failed with this hint. */
const RETRY_MS = 1000;

export class AllowlistAdapter implements EnforcementAdapter {
  readonly name = 'allowlist';
  readonly capabilities = ['allowlist'] as const;
  private enforcer: GatewayEnforcer | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly tenants: Set<string> | undefined;
  private stopped = false;

  constructor(private readonly d: AllowlistAdapterDeps) {
    this.tenants = d.allowlist.tenants.length > 0 ? new Set(d.allowlist.tenants) : undefined;
  }

  async start(): Promise<Record<string, number>> {
    const { allowlist: al, view, log } = this.d;
    const l = al.local;
    const enforcer = new GatewayEnforcer({
      local: { table: l.table, clientNetworks: l.client_networks, directInterfaces: l.direct_interfaces, ...(l.portal_redirect_port !== undefined ? { portalRedirectPort: l.portal_redirect_port } : {}), ...(l.portal_redirect_address !== undefined ? { portalRedirectAddress: l.portal_redirect_address } : {}) },
      nft: l.nft,
      ...(this.d.wrapNft ? { wrap: this.d.wrapNft } : {}),
      reconcileSeconds: l.reconcile_seconds,
      log,
      registry: this.d.registry,
      onDrift: (drift) => void this.audit(drift),
    });
    const mine = (tenantId: string) => this.tenants === undefined || this.tenants.has(tenantId);
    // Subscribe before the snapshot is taken, so nothing falls between them; changes that arrive
    // before the table exists wait for it (the applier refuses them until start).
    let ready = false;
    const early: AddressChange[] = [];
    this.unsubscribe = view.subscribe((changes) => {
      const relevant = changes.filter((c) => mine(c.tenantId));
      if (relevant.length === 0) return;
      if (!ready) return void early.push(...relevant);
      this.forward(enforcer, relevant);
    });
    const ports = await enforcer.start(gatewayPolicyOf(al), view.snapshot(this.tenants ? [...this.tenants] : undefined));
    this.enforcer = enforcer;
    ready = true;
    if (early.length > 0) this.forward(enforcer, early);
    log.info({ evt: 'ALLOWLIST_STARTED', table: l.table, entries: view.size, ...ports }, `gateway allow-list in force (nft table inet ${l.table})`);
    return ports.portalRedirect !== undefined ? { portalRedirect: ports.portalRedirect } : {};
  }

  private forward(enforcer: GatewayEnforcer, changes: readonly AddressChange[]): void {
    enforcer
      .changes(changes.map((c) => ({ tenantId: c.tenantId, ip: c.ip, ...(c.entry ? { entry: c.entry } : {}) })))
      .catch((err: unknown) => this.d.log.error({ evt: 'ALLOWLIST_APPLY_FAILED', err, count: changes.length }, 'allow-list changes are not in force yet; nft is retried'));
  }

  private async audit(drift: string[]): Promise<void> {
    const tenants = this.tenants ? [...this.tenants] : undefined;
    const entry = { actor: 'allowlist', actorKind: 'system' as const, action: 'allowlist.drift-repaired', targetType: 'nft-table', targetId: this.d.allowlist.local.table, after: { drift } };
    try {
      // A table shared by tenants drifted for all of them: each tenant's audit log says so.
      for (const t of tenants ?? (await this.d.store.tenants.list()).map((x) => x.id)) await this.d.store.audit.append(t, entry);
    } catch (err) {
      this.d.log.error({ evt: 'ALLOWLIST_AUDIT_FAILED', err }, 'a repaired allow-list drift could not be audited');
    }
  }

  async apply(change: VerdictChange): Promise<ApplyResult> {
    const enforcer = this.enforcer;
    if (!enforcer || this.stopped) return { status: 'failed', reason: 'the allow-list is not running', retryAt: new Date(Date.now() + RETRY_MS).toISOString() };
    if (this.tenants && !this.tenants.has(change.tenantId)) return { status: 'noop', reason: `tenant ${change.tenantId} is not served by this gateway` };
    // The view turned the verdict into address changes on the bus before this; they reach the
    // enforcer when the view flushes (end of this turn), and are in force when it settles. An
    // address learned just after the verdict (the agent's, noted once its report is filed) takes
    // one more round: wait a few rounds before calling anything not in force.
    let entries = this.d.view.entriesOf(change.tenantId, change.endpointId, change.mac);
    let notInForce = entries;
    for (let round = 0; round < 5 && notInForce.length > 0; round++) {
      await new Promise<void>((r) => setTimeout(r, round === 0 ? 0 : 10));
      await enforcer.settled();
      entries = this.d.view.entriesOf(change.tenantId, change.endpointId, change.mac);
      notInForce = entries.filter((e) => enforcer.entry(e.ip)?.access !== e.access);
    }
    if (entries.length === 0) return { status: 'noop', reason: 'no address of this endpoint is known (no lease, session or agent report)' };
    const health = enforcer.health();
    if (!health.ok || notInForce.length > 0) {
      return { status: 'failed', reason: health.ok ? `${notInForce.length} address(es) not in force yet` : health.detail, retryAt: new Date(Date.now() + RETRY_MS).toISOString() };
    }
    return { status: 'applied', detail: entries.map((e) => `${e.ip} ${e.access}`).join(', ') };
  }

  health(): AdapterHealth {
    if (!this.enforcer || this.stopped) return { ok: false, detail: this.stopped ? 'stopped' : 'not started' };
    return this.enforcer.health();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe?.();
    await this.enforcer?.stop();
  }
}
