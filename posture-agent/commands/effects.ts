/**
 * What follows an outcome, for `check` and `run` alike: remember it (for `status`), enforce it on
 * the host firewall, tell the user, and — only with consent — run the admin's remediation actions.
 * Each step is independent: a failed notification never stops the firewall, and a firewall
 * failure is reported, never hidden.
 */
import type { PendingUpdatesFact } from '../../policy/posture/facts.js';
import type { AgentContext } from '../context.js';
import { HostFirewall, type ApplyResult } from '../firewall/host-firewall.js';
import type { AgentLog } from '../log.js';
import { notify } from '../notice/notify.js';
import { runRemediationActions, securityPackagesOf } from '../notice/remediation-actions.js';
import type { AssessmentOutcome } from '../outcome.js';
import type { Enrollment } from '../state/enrollment.js';
import { recordAttempt } from '../state/status.js';

export function hostFirewallFor(ctx: AgentContext, e: Pick<Enrollment, 'host' | 'port'>, log: AgentLog): HostFirewall {
  return new HostFirewall({
    stateFile: ctx.paths.firewall,
    servers: [{ host: e.host, port: e.port }],
    log: {
      info: (o, msg) => log('HOST_FIREWALL', { ...o, msg }),
      warn: (o, msg) => log('HOST_FIREWALL_WARN', { ...o, msg }),
      error: (o, msg) => log('HOST_FIREWALL_ERROR', { ...o, msg }),
    },
  });
}

export interface EffectOptions {
  firewall?: HostFirewall;
  /** Desktop notification (when the verdict changed, for the daemon). */
  desktop: boolean;
  log: AgentLog;
}

export interface Effects {
  firewall?: ApplyResult;
  notified?: 'notified' | 'printed';
}

export async function outcomeEffects(ctx: AgentContext, outcome: AssessmentOutcome, opts: EffectOptions): Promise<Effects> {
  const out: Effects = {};
  recordAttempt(ctx.paths, new Date(), { outcome });
  opts.log('ASSESSED', { verdict: outcome.verdict, server: outcome.server, steps: outcome.remediation.length });
  if (opts.firewall !== undefined) {
    out.firewall = await opts.firewall.apply(outcome);
    if (out.firewall.status === 'failed') opts.log('HOST_FIREWALL_FAILED', { code: out.firewall.code, message: out.firewall.message, kept: out.firewall.kept });
  }
  if (opts.desktop) {
    out.notified = await notify(ctx.host, outcome, ctx.language, { onFallback: (why) => opts.log('NOTIFY_FALLBACK', { why }) });
  }
  const { remediation } = ctx.config;
  if (outcome.verdict !== 'allow' && remediation.actions.length > 0) {
    const pending = (await ctx.source.facts(['pendingUpdates'])).pendingUpdates;
    const pendingPackages = pending?.status === 'ok' ? securityPackagesOf(pending.value as PendingUpdatesFact) : [];
    const result = await runRemediationActions({ host: ctx.host, enabled: remediation.actions, consent: remediation.consent, pendingPackages });
    for (const r of result.records) opts.log(r.evt, { ...r });
    if (!result.consent) opts.log('REMEDIATION_NO_CONSENT', { message: result.message });
  }
  return out;
}
