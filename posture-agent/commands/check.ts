/** `kenneki-agent check`: one assessment, its effects, and the verdict printed. */
import { assess } from '../assess.js';
import type { AgentContext } from '../context.js';
import type { AgentLog } from '../log.js';
import { renderOutcome, renderUnreachable } from '../notice/render.js';
import type { Verdict } from '../outcome.js';
import { loadEnrollment } from '../state/enrollment.js';
import { recordAttempt } from '../state/status.js';
import { hostFirewallFor, outcomeEffects } from './effects.js';

/** Exit codes, monitoring-style: 0 allowed, 2 quarantined, 3 denied, 1 could not assess. */
export const CHECK_EXIT: Record<Verdict | 'error', number> = { allow: 0, isolate: 2, deny: 3, error: 1 };

export interface CheckOptions {
  json?: boolean;
  firewall?: boolean;
  notify?: boolean;
  color?: boolean;
}

export async function checkCommand(ctx: AgentContext, opts: CheckOptions, log: AgentLog): Promise<{ text: string; exitCode: number }> {
  const e = loadEnrollment(ctx.paths);
  const timeoutMs = ctx.config.timeoutSeconds * 1000;
  let open;
  try {
    open = await assess({ paths: ctx.paths, enrollment: e, source: ctx.source, language: ctx.language, timeoutMs });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    recordAttempt(ctx.paths, new Date(), { error: message });
    log('ASSESSMENT_FAILED', { server: `${e.host}:${e.port}`, error: message });
    const text = opts.json ? JSON.stringify({ error: message }) : renderUnreachable(`${e.host}:${e.port}`, message, ctx.language, { color: opts.color ?? false });
    return { text, exitCode: CHECK_EXIT.error };
  }
  await open.tncc.close().catch(() => {});
  const firewall = opts.firewall !== false && ctx.config.hostFirewall ? hostFirewallFor(ctx, e, log) : undefined;
  const effects = await outcomeEffects(ctx, open.outcome, { ...(firewall ? { firewall } : {}), desktop: opts.notify === true && ctx.config.notify, log });
  const text = opts.json
    ? JSON.stringify({ outcome: open.outcome, firewall: effects.firewall ?? null }, null, 2)
    : `${renderOutcome(open.outcome, ctx.language, { color: opts.color ?? false })}${effects.firewall?.status === 'failed' ? `\n! ${effects.firewall.message}\n` : ''}`;
  return { text, exitCode: CHECK_EXIT[open.outcome.verdict] };
}
