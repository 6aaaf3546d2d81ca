/**
 * A decision: the verdict plus everything needed to explain it. The trace is stored with each
 * verdict so that an admin can always answer "why is this laptop quarantined?".
 */
import type { CheckId, CheckResult, CheckStatus, LocalizedText } from '../verifiers/contract.js';
import type { FailureAction, QuarantineAllow, Verdict } from './policy.js';

/** How one check's result turned into an action. */
export interface CheckDecision {
  check: CheckId;
  status: CheckStatus;
  /** What the policy says this result does, before grace, monitor-only and exceptions. */
  configuredAction: FailureAction | 'pass';
  /** What it actually does. `waived` = an exception covers it. */
  effectiveAction: FailureAction | 'pass' | 'waived';
  grace?: { days: number; since: string; until: string; active: boolean };
  monitorOnly?: boolean;
  /** For monitor-only checks: what would have been enforced (after grace). */
  wouldBe?: FailureAction | 'pass';
  exceptionId?: string;
  /** Set when the result was judged on the last known value because the fresh one was missing. */
  usedLastKnown?: { collectedAt: string };
  result: CheckResult;
}

export interface Decision {
  verdict: Verdict;
  /** What the verdict would be if nothing were in monitor-only mode. */
  monitoredVerdict: Verdict;
  reasons: LocalizedText[];
  remediation: LocalizedText[];
  remediationUrl?: string;
  /**
   * Where a device that is not allowed may still go (the policy's list plus the remediation
   * page's host); absent when the verdict is allow or the policy names none.
   */
  quarantineAllow?: QuarantineAllow[];
  /**
   * The earliest time at which this decision can change by time alone (a grace period ends, the
   * posture goes stale, an exception expires). The sweeper re-evaluates the endpoint then.
   */
  reviewAt?: string;
  /**
   * The VLAN (id or name, for Tunnel-Private-Group-ID) the endpoint's network role assigns for
   * this verdict: the role's allow VLAN on allow, its isolate VLAN on isolate. Absent on deny (an
   * Access-Reject places nothing), without a role, or when the role names no VLAN for the verdict.
   */
  vlan?: string;
  trace: {
    evaluatedAt: string;
    policy?: { id: string; name: string; revision: number; mode: 'enforce' | 'monitor'; matchedBy: string };
    /** Why no posture-based decision was possible (no posture, no policy). */
    defaulted?: string;
    checks: CheckDecision[];
    exceptions: { id: string; scope: string; checks: string[]; expiresAt: string }[];
    postureReportedAt?: string;
    /** A directory could not confirm the user or device; the verdict is held at `verdict` at most. */
    identityHold?: { kind: 'user' | 'device'; name: string; verdict: Verdict };
    /**
     * The endpoint's network role and the group that made it a member. `missingPolicy`: the role
     * names a policy that does not exist or is disabled, so the decision is defaulted (fails closed).
     */
    role?: { name: string; matchedBy: string; vlan?: string; missingPolicy?: string };
  };
}
