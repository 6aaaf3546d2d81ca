/**
 * Plumbing shared by the checks: reading a fact (turning absent, unknown, failed or malformed
 * evidence into the matching result) and building results. Keeps each check to its judgement.
 */
import type { FactKey, FactValues, OsFact, PostureFacts } from '../posture/facts.js';
import { evidenceOf, type CheckId, type CheckResult, type CheckStatus, type LocalizedText } from './contract.js';
import { collectorError, collectorUnknown, malformedEvidence, noEvidence, REASSESS_STEPS } from './messages.js';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

export type Evidence = NonNullable<CheckResult['evidence']>;

export type FactRead<K extends FactKey> = { ok: true; value: FactValues[K] } | { ok: false; result: CheckResult };

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/**
 * The value of a fact, or the result the check must return without it. Absent evidence is
 * `unknown`, never `compliant`; a collector's unknown/error is passed on with its reason.
 */
export function readFact<K extends FactKey>(check: CheckId, facts: PostureFacts, key: K): FactRead<K> {
  const f: unknown = facts[key];
  if (f === undefined || f === null) {
    return { ok: false, result: notJudged(check, 'unknown', noEvidence(key), []) };
  }
  const evidence = evidenceOf(facts, key) ?? [];
  if (!isRecord(f)) return { ok: false, result: malformed(check, facts, key) };
  if (f.status === 'ok' && 'value' in f) return { ok: true, value: f.value as FactValues[K] };
  if (f.status === 'unknown') {
    return { ok: false, result: notJudged(check, 'unknown', collectorUnknown(key, String(f.reason)), evidence) };
  }
  if (f.status === 'error') {
    return { ok: false, result: notJudged(check, 'error', collectorError(key, String(f.reason)), evidence) };
  }
  return { ok: false, result: malformed(check, facts, key) };
}

/** A fact present but not in the shape the model promises: the collector or mapper is broken. */
export function malformed(check: CheckId, facts: PostureFacts, key: FactKey): CheckResult {
  return notJudged(check, 'error', malformedEvidence(key), evidenceOf(facts, key) ?? []);
}

/** The OS fact when it is present and well-formed enough to look definitions up with. */
export function osOf(facts: PostureFacts): OsFact | undefined {
  const f: unknown = facts.os;
  if (!isRecord(f) || f.status !== 'ok' || !isRecord(f.value)) return undefined;
  const os = f.value;
  return typeof os.product === 'string' && typeof os.version === 'string' ? (os as unknown as OsFact) : undefined;
}

export function compliant(check: CheckId, reason: LocalizedText, evidence: Evidence): CheckResult {
  return { check, status: 'compliant', reason, remediation: [], evidence };
}

export function failing(
  check: CheckId,
  status: 'non-compliant-minor' | 'non-compliant-major',
  reason: LocalizedText,
  remediation: LocalizedText[],
  evidence: Evidence,
  extra: Pick<CheckResult, 'findings' | 'failingSince'> = {},
): CheckResult {
  return { check, status, reason, remediation, evidence, ...extra };
}

export function notJudged(
  check: CheckId,
  status: Extract<CheckStatus, 'unknown' | 'error'>,
  reason: LocalizedText,
  evidence: Evidence,
): CheckResult {
  return { check, status, reason, remediation: [...REASSESS_STEPS], evidence };
}

/** Milliseconds since epoch of an ISO 8601 string, or undefined when it does not parse. */
export function timeOf(iso: unknown): number | undefined {
  if (typeof iso !== 'string') return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/** 25.46 → "25.5", 3 → "3": ages in reasons. */
export function roundTo1(n: number): string {
  return String(Math.round(n * 10) / 10);
}
