/**
 * What `status` shows and the daemon keeps: the last outcome, the last attempt (and why it
 * failed), and the facts the server asked for last (for `show-report`).
 */
import type { FactKey } from '../../policy/posture/facts.js';
import type { AssessmentOutcome } from '../outcome.js';
import { ensureDir, readJson, writeAtomic } from './files.js';
import type { StatePaths } from './paths.js';

export interface AgentStatusRecord {
  lastOutcome?: AssessmentOutcome;
  lastAttempt?: { at: string; error?: string };
}

export function loadStatus(p: StatePaths): AgentStatusRecord {
  return readJson<AgentStatusRecord>(p.status) ?? {};
}

export function recordAttempt(p: StatePaths, at: Date, result: { outcome: AssessmentOutcome } | { error: string }): AgentStatusRecord {
  ensureDir(p.dir);
  const prev = loadStatus(p);
  const next: AgentStatusRecord =
    'outcome' in result ? { lastOutcome: result.outcome, lastAttempt: { at: at.toISOString() } } : { ...prev, lastAttempt: { at: at.toISOString(), error: result.error } };
  writeAtomic(p.status, `${JSON.stringify(next, null, 2)}\n`, 0o644);
  return next;
}

export function loadRequested(p: StatePaths): FactKey[] {
  return readJson<FactKey[]>(p.requested) ?? [];
}

export function saveRequested(p: StatePaths, keys: readonly FactKey[]): void {
  ensureDir(p.dir);
  writeAtomic(p.requested, `${JSON.stringify([...new Set(keys)].sort())}\n`, 0o644);
}
