/**
 * Terminal text for an assessment outcome (`kenneki-agent assess`, the notice fallback) and the
 * one-line `kenneki-agent status`.
 *
 * The state is always a word in brackets, so the output means the same without colour; colour
 * (ANSI) is added only when the caller says the output is a TTY that wants it. Server texts are
 * passed through `displayText`, so a reason cannot carry escape sequences into the terminal.
 *
 * Status colour rules (`statusOf`), given the last outcome, the last attempt and the interval:
 *   red    — never assessed (no outcome), or the last outcome is isolate or deny;
 *   yellow — the last outcome is allow, and at least one of:
 *              · it has remediation steps (allowed with warnings, e.g. within a grace period),
 *              · it is stale: now − assessedAt > interval (an unreadable assessedAt is stale),
 *              · the last attempt failed (server unreachable) and was not older than the outcome;
 *   green  — otherwise: allowed, no steps, fresh, last attempt succeeded.
 * Red outcomes still list stale / unreachable as extra reasons, for the user's information.
 */
import type { AgentLanguage, AssessmentOutcome, QuarantineAllow } from '../outcome.js';
import { displayText } from './safe-text.js';
import { fill, textsFor, type NoticeTexts, type StatusColour, type StatusReasonCode } from './texts.js';

export interface RenderOptions {
  /** ANSI colour; only when the caller knows stdout is a TTY (and NO_COLOR is not set). */
  color?: boolean;
  /** IANA zone for times; default UTC, so output does not depend on the machine's zone. */
  timeZone?: string;
}

const ANSI: Record<StatusColour, string> = { green: '\u001b[1;32m', yellow: '\u001b[1;33m', red: '\u001b[1;31m' };
const ANSI_RESET = '\u001b[0m';

function tag(word: string, colour: StatusColour, color: boolean | undefined): string {
  return color === true ? `${ANSI[colour]}[${word}]${ANSI_RESET}` : `[${word}]`;
}

/** `2026-11-23 17:26 UTC`, or `2026-11-24 02:26 +09:00` in another zone; the raw text when unreadable. */
export function formatTime(iso: string, timeZone = 'UTC'): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return displayText(iso);
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(d);
  const p = (type: Intl.DateTimeFormatPartTypes): string => parts.find((x) => x.type === type)?.value ?? '';
  const offset = p('timeZoneName').replace(/^GMT/, '');
  // ICU writes UTC as "GMT" or "GMT+00:00" depending on its version.
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')} ${offset === '' || offset === '+00:00' ? 'UTC' : offset}`;
}

/** The interval in the largest unit that divides it exactly: `15 min`, `1 h`, `90 s`. */
export function formatDuration(ms: number, lang: AgentLanguage): string {
  const d = textsFor(lang).duration;
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return fill(d.hours, { n: ms / 3_600_000 });
  if (ms >= 60_000 && ms % 60_000 === 0) return fill(d.minutes, { n: ms / 60_000 });
  return fill(d.seconds, { n: Math.round(ms / 1000) });
}

/** `updates.example.com`, `10.0.0.0/24 (tcp/80,443)`, `dns.example (udp)`. */
export function formatDestination(a: QuarantineAllow): string {
  const host = displayText(a.host).replace(/\n/g, ' ');
  const proto = a.protocol ?? 'any';
  const ports = a.ports !== undefined && a.ports.length > 0 ? `/${a.ports.join(',')}` : '';
  if (proto === 'any' && ports === '') return host;
  return `${host} (${proto}${ports})`;
}

/** Continuation lines of a multi-line server text line up under its first line. */
function indentRest(s: string, indent: string): string {
  return s.replace(/\n/g, `\n${indent}`);
}

function label(t: NoticeTexts, text: string): string {
  return `${text}${t.colon.trimEnd()}`;
}

function headlineOf(outcome: AssessmentOutcome, t: NoticeTexts): { text: string; colour: StatusColour } {
  if (outcome.verdict !== 'allow') return { text: t.headline[outcome.verdict], colour: 'red' };
  if (outcome.remediation.length > 0) return { text: t.headlineAllowWithWarnings, colour: 'yellow' };
  return { text: t.headline.allow, colour: 'green' };
}

/**
 * The notice as terminal text, lines joined with \n and a final \n:
 *   [STATE] headline
 *   Why: reason                        (always for isolate/deny; for allow only when given)
 *   How to fix it:                     ("Please fix these soon" when allowed)
 *     1. step …                        (isolate/deny without steps: "contact your IT department")
 *   You can still reach:               (isolate, when the server listed destinations)
 *     - host (proto/ports)
 *   Kenneki will check again automatically.   (whenever there is something to fix)
 *   Checked <time> by <server>
 */
export function renderOutcome(outcome: AssessmentOutcome, lang: AgentLanguage, opts: RenderOptions = {}): string {
  const t = textsFor(lang);
  const head = headlineOf(outcome, t);
  const lines: string[] = [`${tag(t.stateTag[outcome.verdict], head.colour, opts.color)} ${head.text}`];
  const restricted = outcome.verdict !== 'allow';

  const reason = outcome.reason === undefined ? '' : displayText(outcome.reason).trim();
  if (reason !== '' || restricted) {
    const whyLabel = `${t.why}${t.colon}`;
    lines.push(`${whyLabel}${indentRest(reason === '' ? t.noReason : reason, '  ')}`);
  }

  const steps = outcome.remediation.map((s) => displayText(s).trim()).filter((s) => s !== '');
  if (steps.length > 0) {
    lines.push(label(t, restricted ? t.howToFix : t.howToFixSoon));
    const width = String(steps.length).length;
    steps.forEach((step, i) => {
      const num = `${String(i + 1).padStart(width)}. `;
      lines.push(`  ${num}${indentRest(step, ' '.repeat(2 + num.length))}`);
    });
  } else if (restricted) {
    lines.push(label(t, t.howToFix));
    lines.push(`  ${t.noSteps}`);
  }

  if (outcome.verdict === 'isolate' && outcome.quarantineAllow.length > 0) {
    lines.push(t.stillReachable);
    for (const a of outcome.quarantineAllow) lines.push(`  - ${formatDestination(a)}`);
  }

  if (restricted || steps.length > 0) lines.push(t.recheck);
  lines.push(fill(t.assessed, { time: formatTime(outcome.assessedAt, opts.timeZone), server: displayText(outcome.server) }));
  return `${lines.join('\n')}\n`;
}

/** The notice when no outcome arrived: `[ACTION NEEDED] Server unreachable` and the error. */
export function renderUnreachable(server: string, error: string, lang: AgentLanguage, opts: RenderOptions = {}): string {
  const t = textsFor(lang);
  const lines = [
    `${tag(t.status.red, 'red', opts.color)} ${t.serverUnreachable}${t.colon}${displayText(server)}`,
    `${t.why}${t.colon}${indentRest(displayText(error).trim() || t.noReason, '  ')}`,
    t.recheck,
  ];
  return `${lines.join('\n')}\n`;
}

/** What `kenneki-agent status` knows: the last outcome, the last attempt, the interval. */
export interface AgentStatus {
  /** The last outcome received; absent when the agent has never been assessed. */
  last?: AssessmentOutcome;
  /** The most recent attempt, successful or not; `error` is set when it failed (no outcome). */
  lastAttempt?: { at: string; error?: string };
  /** The reassessment interval (ms): an outcome older than this is stale. */
  intervalMs: number;
}

export interface StatusSummary {
  colour: StatusColour;
  /** Why it is not green (empty when green), most serious first. */
  reasons: StatusReasonCode[];
}

/** The colour rules in the header comment, as a function. */
export function statusOf(status: AgentStatus, now: Date): StatusSummary {
  const reasons: StatusReasonCode[] = [];
  const last = status.last;
  if (last === undefined) reasons.push('never-assessed');
  else if (last.verdict === 'isolate') reasons.push('isolated');
  else if (last.verdict === 'deny') reasons.push('denied');
  else if (last.remediation.length > 0) reasons.push('warnings');

  const assessedMs = last === undefined ? NaN : Date.parse(last.assessedAt);
  if (last !== undefined && (Number.isNaN(assessedMs) || now.getTime() - assessedMs > status.intervalMs)) reasons.push('stale');

  const attempt = status.lastAttempt;
  if (attempt?.error !== undefined) {
    const attemptMs = Date.parse(attempt.at);
    // A failure older than the outcome we hold has since been answered by a successful attempt.
    const superseded = !Number.isNaN(attemptMs) && !Number.isNaN(assessedMs) && attemptMs < assessedMs;
    if (!superseded) reasons.push('server-unreachable');
  }

  const red = last === undefined || last.verdict !== 'allow';
  return { colour: red ? 'red' : reasons.length > 0 ? 'yellow' : 'green', reasons };
}

export interface StatusLineOptions extends RenderOptions {
  /** Default: the real clock. */
  now?: Date;
}

/**
 * One line: `[OK] Access allowed (last checked 2026-11-23 17:26 UTC)`, or with reasons:
 * `[WARNING] Access allowed - the last check is more than 15 min old (last checked …)`.
 * Reasons the headline already says (never assessed, isolated, denied) are not repeated.
 */
export function statusLine(status: AgentStatus, lang: AgentLanguage, opts: StatusLineOptions = {}): string {
  const t = textsFor(lang);
  const summary = statusOf(status, opts.now ?? new Date());
  const headline = status.last === undefined ? t.notAssessed : t.headline[status.last.verdict];
  const extra = summary.reasons
    .filter((r) => r === 'warnings' || r === 'stale' || r === 'server-unreachable')
    .map((r) => {
      const text = fill(t.statusReason[r], { interval: formatDuration(status.intervalMs, lang) });
      const error = status.lastAttempt?.error;
      if (r !== 'server-unreachable' || error === undefined || error.trim() === '') return text;
      return `${text}${t.parenOpen}${displayText(error).replace(/\n/g, ' ').trim()}${t.parenClose}`;
    });
  let line = `${tag(t.status[summary.colour], summary.colour, opts.color)} ${headline}`;
  if (extra.length > 0) line += `${t.dash}${extra.join(t.joiner)}`;
  if (status.last !== undefined) {
    line += `${t.parenOpen}${fill(t.lastChecked, { time: formatTime(status.last.assessedAt, opts.timeZone) })}${t.parenClose}`;
  }
  return line;
}
