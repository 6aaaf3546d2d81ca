/**
 * Exceptions waive named checks (or the whole policy, `*`) for a user, a device or a group, with a
 * reason, an approver and an expiry. Expired exceptions stop applying by themselves: the engine
 * compares against the evaluation time, and the sweeper re-evaluates affected endpoints.
 */
import type { CheckId } from '../verifiers/contract.js';

export type ExceptionScope = { kind: 'user'; user: string } | { kind: 'device'; endpointId: string } | { kind: 'group'; group: string };

export interface PolicyException {
  id: string;
  tenantId: string;
  scope: ExceptionScope;
  /** Waived checks, or `['*']` for the whole policy. */
  checks: (CheckId | '*')[];
  reason: string;
  approver: string;
  expiresAt: string;
  createdAt: string;
  createdBy: string;
}

/** Who the endpoint is, as far as exceptions and policy selection care. */
export interface Subject {
  endpointId: string;
  user?: string;
  /** Union of the user's and the device's groups. */
  groups: readonly string[];
  tags: readonly string[];
  /** Set when a directory's fail mode admitted the user or device without confirming it. */
  identityHold?: { kind: 'user' | 'device'; name: string; verdict: 'isolate' | 'deny' };
}

export function exceptionApplies(e: PolicyException, subject: Subject, now: Date): boolean {
  if (Date.parse(e.expiresAt) <= now.getTime()) return false;
  switch (e.scope.kind) {
    case 'user':
      return subject.user !== undefined && subject.user.toLowerCase() === e.scope.user.toLowerCase();
    case 'device':
      return subject.endpointId === e.scope.endpointId;
    case 'group':
      return subject.groups.some((g) => g.toLowerCase() === (e.scope as { group: string }).group.toLowerCase());
  }
}

/** The first active exception waiving this check, if any. */
export function waiverFor(checkId: CheckId, active: readonly PolicyException[]): PolicyException | undefined {
  return active.find((e) => e.checks.includes('*') || e.checks.includes(checkId));
}
