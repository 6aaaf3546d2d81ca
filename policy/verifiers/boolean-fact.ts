/**
 * The judgement shared by checks of a single yes/no fact (IP forwarding, factory default
 * password, Secure Boot): one value is compliant, the other major, anything else malformed.
 */
import type { FactKey, FactValues, PostureFacts } from '../posture/facts.js';
import { evidenceOf, type CheckId, type CheckResult, type LocalizedText } from './contract.js';
import { compliant, failing, malformed, readFact } from './evidence.js';

type BooleanFact = { [K in FactKey]: FactValues[K] extends boolean ? K : never }[FactKey];

export interface BooleanJudgement {
  /** The value that fails the check. */
  failsWhen: boolean;
  pass: LocalizedText;
  fail: LocalizedText;
  remediation: LocalizedText[];
}

export function judgeBoolean(check: CheckId, facts: PostureFacts, key: BooleanFact, j: BooleanJudgement): CheckResult {
  const read = readFact(check, facts, key);
  if (!read.ok) return read.result;
  if (typeof read.value !== 'boolean') return malformed(check, facts, key);
  const evidence = evidenceOf(facts, key) ?? [];
  return read.value === j.failsWhen
    ? failing(check, 'non-compliant-major', j.fail, j.remediation, evidence)
    : compliant(check, j.pass, evidence);
}
