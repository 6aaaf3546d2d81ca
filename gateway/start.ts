/**
 * Starts the enforcement adapters the config enables and feeds them verdict changes. Passed to
 * the policy server as its `enforcement` starter by the composition root (policy/cli.ts), so the
 * policy server itself never imports an adapter.
 */
import type { EnforcementHost, RunningEnforcement } from '../policy/service/enforcement-host.js';
import type { VerdictChange } from '../policy/service/verdict-bus.js';
import type { NetworkSession } from '../policy/store/repository.js';
import type { EnforcementAdapter } from './adapter.js';
import { EapCredentialSource } from './radius/eap-credentials.js';
import { startEap } from './radius/eap-server.js';
import { RadiusAdapter } from './radius/radius-adapter.js';
import { DhcpAdapter } from './dhcp/dhcp-adapter.js';
import { AllowlistAdapter } from './allowlist/allowlist-adapter.js';

export async function startEnforcement(host: EnforcementHost): Promise<RunningEnforcement> {
  const { cfg, ctx, log } = host;
  const adapters: EnforcementAdapter[] = [];
  const closers: (() => void)[] = [];
  if (cfg.radius.enabled) {
    const radiusLog = log.child({ component: 'radius' });
    if (cfg.radius.eap.methods.includes('md5')) log.warn({ evt: 'RADIUS_EAP_MD5_ENABLED' }, 'EAP-MD5 is enabled: it has no mutual authentication and no keys; use it only in a lab');
    const eap = cfg.radius.eap.methods.length > 0 ? await startEap(cfg, host.ca, new EapCredentialSource({ store: ctx.store, identity: ctx.identity, log: radiusLog }), radiusLog) : undefined;
    if (eap) closers.push(() => eap.close());
    const addresses = ctx.addresses;
    adapters.push(
      new RadiusAdapter({
        radius: cfg.radius, store: ctx.store, admission: ctx.admission, registry: ctx.metrics.registry, metricSources: ctx.metrics, log: radiusLog,
        ...(eap ? { eap } : {}),
        // Framed-IP-Address from accounting: the VPN tunnel address a gateway allow-list must cover.
        ...(addresses ? { onSessionsSaved: (s: readonly NetworkSession[]) => addresses.noteSessions(s) } : {}),
      }),
    );
  }
  if (cfg.dhcp.enabled) {
    adapters.push(
      new DhcpAdapter({
        dhcp: cfg.dhcp, store: ctx.store, admission: ctx.admission, registry: ctx.metrics.registry, log: log.child({ component: 'dhcp' }),
        ...(ctx.addresses ? { leaseObserver: ctx.addresses } : {}),
      }),
    );
  }
  if (cfg.allowlist.enabled && cfg.allowlist.local.enabled && ctx.addresses) {
    adapters.push(new AllowlistAdapter({ allowlist: cfg.allowlist, view: ctx.addresses, store: ctx.store, registry: ctx.metrics.registry, log: log.child({ component: 'allowlist' }) }));
  }
  const ports: Record<string, number> = {};
  const started: EnforcementAdapter[] = [];
  try {
    for (const a of adapters) {
      Object.assign(ports, await a.start());
      started.push(a);
    }
  } catch (err) {
    for (const a of started.reverse()) await a.stop();
    for (const c of closers) c();
    throw err;
  }
  const apply = async (change: VerdictChange): Promise<void> => {
    await Promise.all(
      started.map(async (a) => {
        const r = await a.apply(change).catch((err: unknown): { status: 'failed'; reason: string } => ({ status: 'failed', reason: err instanceof Error ? err.message : String(err) }));
        const fields = { evt: 'ENFORCEMENT_APPLIED', adapter: a.name, tenantId: change.tenantId, endpointId: change.endpointId, verdict: change.verdict, status: r.status };
        if (r.status === 'failed') log.warn({ ...fields, reason: r.reason }, `${a.name} could not apply the verdict: ${r.reason}`);
        else log.debug({ ...fields, ...('reason' in r ? { reason: r.reason } : { detail: r.detail }) }, `${a.name}: ${r.status}`);
      }),
    );
  };
  const unsubscribe = host.bus.subscribe(apply);
  return {
    ports,
    async stop() {
      unsubscribe();
      for (const a of started.reverse()) await a.stop();
      for (const c of closers) c();
    },
  };
}
