/**
 * The policy model. A policy is selected for an endpoint by identity groups and device tags, in
 * explicit precedence order (lowest number first, first match wins). Each policy lists the checks
 * it runs and what a failure means.
 */
import type { CheckId, CheckParams } from '../verifiers/contract.js';

export type Verdict = 'allow' | 'isolate' | 'deny';

/** What a failing check does. `warn` tells the user but keeps access. */
export type FailureAction = 'isolate' | 'deny' | 'warn';

/**
 * What missing evidence (a collector that timed out, a fact not reported) means. Never "allow":
 * `use-last-known` re-judges the last good value while it is younger than `lastKnownMaxAgeHours`,
 * and falls back to isolate when there is none.
 */
export type UnknownAction = 'isolate' | 'deny' | 'use-last-known';

export type PolicyCheck = {
  [Id in CheckId]: {
    check: Id;
    action: FailureAction;
    /** A failure younger than this only warns. Counted from the failure's natural start when the check knows it. */
    graceDays?: number;
    /** Record what the check would do, enforce nothing. */
    monitorOnly?: boolean;
    onUnknown?: UnknownAction;
    lastKnownMaxAgeHours?: number;
    params?: Partial<CheckParams[Id]>;
  };
}[CheckId];

export interface PolicyMatch {
  /** Matches when the user or the device is in any of these groups. */
  groups?: string[];
  /** Matches when the endpoint carries any of these tags. */
  deviceTags?: string[];
}

export interface PolicyBody {
  description?: string;
  match: PolicyMatch;
  /** `monitor` records decisions without enforcing any of them (dry run in production). */
  mode: 'enforce' | 'monitor';
  checks: PolicyCheck[];
  /** The user's remediation page, sent with every non-compliant result. */
  remediationUrl?: string;
  /**
   * Remediation hosts a quarantined device may still reach (update servers, the AV vendor's
   * signature mirror). Sent to Kenneki agents in the RESULT batch for their host firewall; the
   * remediation page's host is added automatically (decide/quarantine-allow.ts).
   */
  quarantineAllow?: QuarantineAllow[];
}

/** One remediation destination: an IPv4/IPv6 address, a CIDR prefix, or a DNS name. */
export interface QuarantineAllow {
  host: string;
  /** Absent: any protocol. */
  protocol?: 'tcp' | 'udp' | 'any';
  /** Absent: every port. */
  ports?: number[];
}

export interface Policy extends PolicyBody {
  id: string;
  tenantId: string;
  name: string;
  precedence: number;
  enabled: boolean;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export const VERDICT_RANK: Record<Verdict, number> = { allow: 0, isolate: 1, deny: 2 };

export function stricter(a: Verdict, b: Verdict): Verdict {
  return VERDICT_RANK[a] >= VERDICT_RANK[b] ? a : b;
}
