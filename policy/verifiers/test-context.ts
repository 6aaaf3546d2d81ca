/**
 * Builders for the verifier tests: facts, contexts and the shape every result must have.
 * Test support only; imported by `*.test.ts`.
 */
import type { Fact, FactSource, OsFact, PostureFacts } from '../posture/facts.js';
import type { DefinitionsView } from '../definitions/view.js';
import type { CheckContext, CheckResult } from './contract.js';
import { createDefinitionsView } from '../definitions/memory-view.js';

export const NOW = new Date('2025-06-01T12:00:00.000Z');
export const COLLECTED = '2025-06-01T11:55:00.000Z';
const DAY = 86_400_000;
const HOUR = 3_600_000;

export const DEBIAN_12: OsFact = { family: 'linux', product: 'debian', version: '12.7', build: '6.1.0-25-amd64' };
/** No definitions feed covers it: its platform is unknown. */
export const FEDORA_40: OsFact = { family: 'linux', product: 'Fedora Linux', version: '40' };
export const WINDOWS_11: OsFact = { family: 'windows', product: 'Windows 11 Pro', version: '10.0.22631.4317', build: '23H2' };
export const MACOS_15: OsFact = { family: 'macos', product: 'macOS', version: '15.1' };

export function ok<T>(value: T, collectedAt = COLLECTED, source: FactSource = 'kenneki-agent'): Fact<T> {
  return { status: 'ok', value, collectedAt, source };
}

export function unknownFact<T>(reason: string): Fact<T> {
  return { status: 'unknown', reason, collectedAt: COLLECTED, source: 'kenneki-agent' };
}

export function errorFact<T>(reason: string): Fact<T> {
  return { status: 'error', reason, collectedAt: COLLECTED, source: 'kenneki-agent' };
}

export function daysAgo(days: number): Date {
  return new Date(NOW.getTime() - days * DAY);
}

export function hoursAgo(hours: number): Date {
  return new Date(NOW.getTime() - hours * HOUR);
}

export function contextOf(
  facts: PostureFacts,
  over: { definitions?: DefinitionsView; reportedAt?: Date; now?: Date; firstReported?: Map<string, Date> } = {},
): CheckContext {
  return {
    facts,
    reportedAt: over.reportedAt ?? new Date(COLLECTED),
    now: over.now ?? NOW,
    definitions: over.definitions ?? createDefinitionsView({ advisories: [], forbidden: [] }),
    firstReported: over.firstReported ?? new Map(),
  };
}

/** The ways a result breaks the contract's promises to users; empty when it keeps them. */
export function wellFormednessProblems(r: CheckResult): string[] {
  const problems: string[] = [];
  if (!r.reason.en || !r.reason.ja) problems.push('reason must be given in en and ja');
  if (r.status === 'compliant' && r.remediation.length > 0) problems.push('a compliant result has no remediation');
  if (r.status !== 'compliant' && r.remediation.length === 0) problems.push(`a ${r.status} result needs remediation steps`);
  r.remediation.forEach((step, i) => {
    if (!step.en || !step.ja) problems.push(`remediation step ${i + 1} must be given in en and ja`);
  });
  for (const e of r.evidence ?? []) if (!e.collectedAt) problems.push(`evidence for ${e.fact} has no collection time`);
  return problems;
}

/**
 * Throws when a result breaks those promises. Kept free of vitest so that this module, which the
 * build does compile, carries no test-only dependency.
 */
export function expectWellFormed(r: CheckResult): void {
  const problems = wellFormednessProblems(r);
  if (problems.length > 0) throw new Error(`${r.check} result is not well-formed: ${problems.join('; ')}\n${JSON.stringify(r, null, 2)}`);
}
