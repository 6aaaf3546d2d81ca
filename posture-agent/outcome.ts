/**
 * What one assessment told the agent: the server's access recommendation, its reason, the
 * numbered remediation steps, and (for `isolate`) where the host firewall may still let the
 * device go. Built from the PB-TNC RESULT batch (client/result.ts); shown by notices, kept by
 * `status`, applied by the host firewall.
 */
import type { QuarantineAllow, Verdict } from '../policy/decide/policy.js';

export type { QuarantineAllow, Verdict };

export type AgentLanguage = 'en' | 'ja';

export interface AssessmentOutcome {
  /** PB-Access-Recommendation: Allow → allow, Quarantine → isolate, No Access → deny. */
  verdict: Verdict;
  /** PB-Reason-String, in `language`; absent when the server sent none. */
  reason?: string;
  /** Remediation Instructions strings (and URIs), in order: shown as numbered steps. */
  remediation: string[];
  /** Language the server wrote the texts in (it follows our Accept-Language). */
  language: AgentLanguage;
  /** Remediation hosts from the RESULT batch (Kenneki attribute 7); empty when allowed. */
  quarantineAllow: QuarantineAllow[];
  /** When the RESULT arrived (ISO 8601). */
  assessedAt: string;
  /** host:port of the PT-TLS server that decided. */
  server: string;
}
