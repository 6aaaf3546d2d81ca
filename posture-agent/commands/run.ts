/**
 * `kenneki-agent run`: the daemon. At start it restores the persisted host-firewall state before
 * anything else (a reboot must not open a quarantined laptop), then assesses on the interval, on
 * network changes and on server retries. A desktop notice is shown when the verdict changes.
 */
import { assess } from '../assess.js';
import type { AgentContext } from '../context.js';
import { NetworkWatch } from '../daemon/network-watch.js';
import { RunLoop } from '../daemon/run-loop.js';
import type { AgentLog } from '../log.js';
import type { Verdict } from '../outcome.js';
import { loadEnrollment } from '../state/enrollment.js';
import { loadStatus, recordAttempt } from '../state/status.js';
import { hostFirewallFor, outcomeEffects } from './effects.js';

export interface RunOptions {
  intervalSeconds?: number;
  firewall?: boolean;
  /** Network-change polling; default 5 s. */
  pollMs?: number;
}

export async function runCommand(ctx: AgentContext, opts: RunOptions, log: AgentLog): Promise<{ stop(): Promise<void> }> {
  const e = loadEnrollment(ctx.paths);
  const firewall = opts.firewall !== false && ctx.config.hostFirewall ? hostFirewallFor(ctx, e, log) : undefined;
  if (firewall !== undefined) {
    const r = await firewall.reapply();
    log('HOST_FIREWALL_RESTORED', { status: r.status, ...(r.status === 'failed' ? { message: r.message } : { mode: r.mode }) });
  }
  let lastVerdict: Verdict | undefined = loadStatus(ctx.paths).lastOutcome?.verdict;
  const timeoutMs = ctx.config.timeoutSeconds * 1000;
  const intervalMs = (opts.intervalSeconds ?? ctx.config.intervalMinutes * 60) * 1000;
  const loop = new RunLoop({
    intervalMs,
    assessOnce: () => assess({ paths: ctx.paths, enrollment: e, source: ctx.source, language: ctx.language, timeoutMs }),
    onOutcome: async (outcome, trigger) => {
      const changed = outcome.verdict !== lastVerdict;
      lastVerdict = outcome.verdict;
      log('TRIGGER', { trigger });
      await outcomeEffects(ctx, outcome, { ...(firewall ? { firewall } : {}), desktop: changed && ctx.config.notify, log });
    },
    onFailure: async (err, retryInMs) => {
      recordAttempt(ctx.paths, new Date(), { error: err.message });
      log('ASSESSMENT_FAILED', { server: `${e.host}:${e.port}`, error: err.message, retryInMs });
    },
  });
  const watch = new NetworkWatch({
    host: ctx.host,
    ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
    onChange: () => {
      log('NETWORK_CHANGED');
      loop.networkChanged();
    },
  });
  await watch.start();
  loop.start();
  log('AGENT_STARTED', { server: `${e.host}:${e.port}`, intervalMs, deviceId: e.deviceId });
  return {
    async stop() {
      watch.stop();
      await loop.stop();
      log('AGENT_STOPPED');
    },
  };
}
