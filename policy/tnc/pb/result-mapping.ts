/**
 * IF-IMV value sets and their mapping to PB-TNC codes, kept as data so policy and tests read the
 * same table. The PB Access-Recommendation has only three codes, so every IF-IMV recommendation
 * other than Allow and Isolate (No Access, No Recommendation, unknown) maps to No Access: failing
 * closed is the safe default for a NAC server.
 */
import { AccessRecommendation, type AccessRecommendationCode } from './messages.js';

/** IF-IMV evaluation result; the PB-Assessment-Result carries it unchanged (RFC 5793 §4.6). */
export const EvaluationResult = { COMPLIANT: 0, NONCOMPLIANT_MINOR: 1, NONCOMPLIANT_MAJOR: 2, ERROR: 3, DONT_KNOW: 4 } as const;
export type EvaluationResultValue = (typeof EvaluationResult)[keyof typeof EvaluationResult];

/** IF-IMV action recommendation. */
export const ActionRecommendation = { ALLOW: 0, NO_ACCESS: 1, ISOLATE: 2, NO_RECOMMENDATION: 3 } as const;
export type ActionRecommendationValue = (typeof ActionRecommendation)[keyof typeof ActionRecommendation];

export const ACCESS_RECOMMENDATION_FOR: Record<ActionRecommendationValue, AccessRecommendationCode> = {
  [ActionRecommendation.ALLOW]: AccessRecommendation.ALLOW,
  [ActionRecommendation.NO_ACCESS]: AccessRecommendation.NO_ACCESS,
  [ActionRecommendation.ISOLATE]: AccessRecommendation.QUARANTINE,
  [ActionRecommendation.NO_RECOMMENDATION]: AccessRecommendation.NO_ACCESS,
};

/** Any value outside the table (a buggy or hostile validator) also fails closed. */
export function toAccessRecommendation(action: number): AccessRecommendationCode {
  return ACCESS_RECOMMENDATION_FOR[action as ActionRecommendationValue] ?? AccessRecommendation.NO_ACCESS;
}

export const isEvaluationResult = (v: number): v is EvaluationResultValue => Number.isInteger(v) && v >= 0 && v <= 4;
