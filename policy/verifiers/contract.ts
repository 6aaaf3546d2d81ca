/**
 * The verifier (IMV) contract. A check reads facts, may need definitions, and returns exactly one
 * result. It never decides access: the decide/ layer maps results to actions through the policy
 * (action on failure, grace, monitor-only, exceptions).
 *
 * Status follows TNC's IMV evaluation results.
 */
import type { FactKey, FactSource, FactValues, PostureFacts } from '../posture/facts.js';
import type { DefinitionsView } from '../definitions/view.js';

export type CheckStatus = 'compliant' | 'non-compliant-minor' | 'non-compliant-major' | 'error' | 'unknown';

export const CHECK_STATUSES: readonly CheckStatus[] = [
  'compliant',
  'non-compliant-minor',
  'non-compliant-major',
  'error',
  'unknown',
] as const;

/** Text shown to users, in every language Kenneki speaks. English is mandatory. */
export interface LocalizedText {
  en: string;
  ja?: string;
}

/** One problem a check found, for listing and for "extraction by patch" queries. */
export interface Finding {
  kind: 'pending-update' | 'vulnerable-package' | 'forbidden-package';
  /** Package, KB or update id. */
  name: string;
  version?: string;
  /** CVE ids, advisory, or other short detail. */
  detail?: string;
  /**
   * When this finding started to count, for grace: the definition's release date when known,
   * otherwise the endpoint's first report of it. Filled by the check from the context.
   */
  since?: string;
}

export interface CheckResult {
  check: CheckId;
  status: CheckStatus;
  reason: LocalizedText;
  /** Numbered remediation steps for the user; empty when compliant. */
  remediation: LocalizedText[];
  findings?: Finding[];
  /**
   * For failing checks whose failure has a natural start (oldest pending update's release date),
   * the time grace counts from. When absent, decide/ counts from the first failed evaluation.
   */
  failingSince?: string;
  /** Collection time and source of the evidence used, for the trace. */
  evidence?: { fact: FactKey; collectedAt: string; source: FactSource }[];
}

export type CheckId =
  | 'os-version'
  | 'pending-updates'
  | 'packages'
  | 'antivirus'
  | 'firewall'
  | 'disk-encryption'
  | 'ip-forwarding'
  | 'factory-default-password'
  | 'secure-boot'
  | 'agent-version'
  | 'posture-staleness';

export const CHECK_IDS: readonly CheckId[] = [
  'os-version',
  'pending-updates',
  'packages',
  'antivirus',
  'firewall',
  'disk-encryption',
  'ip-forwarding',
  'factory-default-password',
  'secure-boot',
  'agent-version',
  'posture-staleness',
] as const;

/** What a check sees. Everything is passed in: checks are pure and do no I/O. */
export interface CheckContext {
  facts: PostureFacts;
  /** When the report was assembled by the endpoint. */
  reportedAt: Date;
  /** Evaluation time. Injected so tests and what-if runs are deterministic. */
  now: Date;
  definitions: DefinitionsView;
  /** When this endpoint first reported each pending update (key: update id), for grace. */
  firstReported: ReadonlyMap<string, Date>;
}

/** Parameters per check, as configured in a policy. Every field has a documented default. */
export interface CheckParams {
  'os-version': {
    /** Minimum version per product; product matched case-insensitively as a prefix. */
    minimum: { product: string; version: string }[];
    /** Products not listed: 'fail' (non-compliant-major) or 'pass'. Default 'fail'. */
    unlisted?: 'fail' | 'pass';
  };
  'pending-updates': {
    /** Security updates pending longer than this are major; younger ones minor (warn). Default 0. */
    graceDays?: number;
    /** A pending reboot after updates counts as a minor finding. Default true. */
    rebootRequiredIsMinor?: boolean;
  };
  packages: {
    /** Which definition kinds to check. Default both. */
    vulnerable?: boolean;
    forbidden?: boolean;
  };
  antivirus: {
    /** Maximum signature age in days. Default 7. */
    maxSignatureAgeDays?: number;
    /** Require tamper protection where the product reports it. Default false. */
    requireTamperProtection?: boolean;
  };
  firewall: Record<string, never>;
  'disk-encryption': Record<string, never>;
  'ip-forwarding': Record<string, never>;
  'factory-default-password': Record<string, never>;
  'secure-boot': Record<string, never>;
  'agent-version': {
    /** Minimum Kenneki agent version (semver). Reports from other NEA clients are not judged. */
    minimum: string;
  };
  'posture-staleness': {
    /** Reports older than this are stale. Default 24 h. */
    maxAgeHours?: number;
  };
}

export interface Check<Id extends CheckId = CheckId> {
  id: Id;
  /** The facts this check reads; they are requested from the endpoint when a policy uses it. */
  reads: readonly FactKey[];
  evaluate(ctx: CheckContext, params: CheckParams[Id]): CheckResult;
}

/** Helper for checks: the evidence line for a fact that was present. */
export function evidenceOf<K extends FactKey>(facts: PostureFacts, key: K): CheckResult['evidence'] {
  const f = facts[key];
  return f ? [{ fact: key, collectedAt: f.collectedAt, source: f.source }] : [];
}

export type { FactValues };
