/** `kenneki-agent status`: green, yellow or red, with the reasons, from what the agent last saw. */
import type { AgentContext } from '../context.js';
import { renderOutcome, statusLine, statusOf } from '../notice/render.js';
import { loadStatus } from '../state/status.js';

/** Exit codes, monitoring-style: 0 green, 1 yellow, 2 red. */
const STATUS_EXIT = { green: 0, yellow: 1, red: 2 } as const;

export function statusCommand(ctx: AgentContext, opts: { json?: boolean; color?: boolean }, now = new Date()): { text: string; exitCode: number } {
  const record = loadStatus(ctx.paths);
  const status = {
    ...(record.lastOutcome ? { last: record.lastOutcome } : {}),
    ...(record.lastAttempt ? { lastAttempt: record.lastAttempt } : {}),
    intervalMs: ctx.config.intervalMinutes * 60_000,
  };
  const summary = statusOf(status, now);
  if (opts.json) return { text: JSON.stringify({ ...summary, lastOutcome: record.lastOutcome ?? null, lastAttempt: record.lastAttempt ?? null }, null, 2), exitCode: STATUS_EXIT[summary.colour] };
  const line = statusLine(status, ctx.language, { color: opts.color ?? false, now });
  const detail = record.lastOutcome !== undefined && record.lastOutcome.verdict !== 'allow' ? `\n${renderOutcome(record.lastOutcome, ctx.language, { color: opts.color ?? false })}` : '';
  return { text: `${line.trimEnd()}\n${detail}`, exitCode: STATUS_EXIT[summary.colour] };
}
