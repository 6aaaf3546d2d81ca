/**
 * The messages of the RESULT batch, in the order and with the flags a standard client accepts
 * (nea-wire.md "What a standard client does", step 6): strongSwan's pt-tls-client rejects a wrong
 * NOSKIP, so each flag is set explicitly here rather than trusted to a default.
 */
import type { Decision } from '../../decide/decision.js';
import type { Verdict } from '../../decide/policy.js';
import { encodeIetfAttribute, remediationString, remediationUri } from '../pa/ietf-attributes.js';
import { encodeQuarantineRules } from '../pa/kenneki-attributes.js';
import type { PaAttribute } from '../pa/message.js';
import type { PbMessage } from '../pb/batch.js';
import { encodeIetfPbMessage, type AccessRecommendationCode } from '../pb/messages.js';
import { ActionRecommendation, EvaluationResult, toAccessRecommendation, type EvaluationResultValue } from '../pb/result-mapping.js';
import type { LocalizedText } from '../../verifiers/contract.js';
import { localize, type Language } from './language.js';

/** Kenneki's verdict as an IF-IMV evaluation result: isolate is a minor, deny a major failure. */
export const EVALUATION_FOR: Record<Verdict, EvaluationResultValue> = {
  allow: EvaluationResult.COMPLIANT,
  isolate: EvaluationResult.NONCOMPLIANT_MINOR,
  deny: EvaluationResult.NONCOMPLIANT_MAJOR,
};

/** Through the IF-IMV action so the PB code comes from the one shared table (allow 1, isolate 3, deny 2). */
const ACTION_FOR: Record<Verdict, number> = {
  allow: ActionRecommendation.ALLOW,
  isolate: ActionRecommendation.ISOLATE,
  deny: ActionRecommendation.NO_ACCESS,
};
export const accessRecommendationFor = (v: Verdict): AccessRecommendationCode => toAccessRecommendation(ACTION_FOR[v]);

/** Said when the policy gave no reason, so the client still shows its user something. */
const DEFAULT_REASON: Record<Verdict, { en: string; ja: string }> = {
  allow: { en: 'Access allowed.', ja: 'アクセスが許可されました。' },
  isolate: { en: 'Access restricted: the device does not meet the security policy.', ja: 'アクセスが制限されました: 端末がセキュリティポリシーを満たしていません。' },
  deny: { en: 'Access denied: the device does not meet the security policy.', ja: 'アクセスが拒否されました: 端末がセキュリティポリシーを満たしていません。' },
};

/**
 * PA attributes for the validator's PB-PA: Assessment Result, one Remediation Instructions string
 * per failing check ("reason. step step"), then the remediation page URI. A standard client shows
 * each string as one item, so a check's steps stay together and a step shared by several checks
 * ("contact your IT administrator") is not repeated between them.
 */
export function resultAttributes(d: Decision, lang: Language): PaAttribute[] {
  const attrs = [encodeIetfAttribute({ type: 'assessment-result', result: EVALUATION_FOR[d.verdict] })];
  for (const text of remediationTexts(d, lang)) attrs.push(encodeIetfAttribute(remediationString(text)));
  if (d.remediationUrl !== undefined) attrs.push(encodeIetfAttribute(remediationUri(d.remediationUrl)));
  return attrs;
}

/**
 * The host-firewall rules for a Kenneki agent: where the device may still go. An allowed device
 * gets an empty list, so the agent lifts any quarantine it had applied.
 */
export function quarantineRulesAttribute(d: Decision, vendorId: number): PaAttribute {
  return encodeQuarantineRules(vendorId, { verdict: d.verdict, allow: d.verdict === 'allow' ? [] : (d.quarantineAllow ?? []) });
}

/** One text per failing (or warning) check; a decision made without checks gets one text of its steps. */
export function remediationTexts(d: Decision, lang: Language): { text: string; lang: Language }[] {
  const failing = d.trace.checks.filter((c) => c.effectiveAction !== 'pass' && c.effectiveAction !== 'waived');
  if (failing.length === 0) return d.remediation.length === 0 ? [] : [joined(d.remediation, lang)];
  return failing.map((c) => joined([c.result.reason, ...c.result.remediation], lang));
}

/** Parts as sentences in one text; tagged `lang` only when every part had a text in it. */
function joined(parts: LocalizedText[], lang: Language): { text: string; lang: Language } {
  const texts = parts.map((p) => localize(p, lang));
  const allJa = texts.every((t) => t.lang === 'ja');
  const sentences = texts.map((t) => (/[.!?。！？]$/u.test(t.text) ? t.text : `${t.text}${t.lang === 'ja' ? '。' : '.'}`));
  // Japanese sentences follow each other without a space; anything mixed gets spaces.
  return { text: sentences.join(allJa ? '' : ' '), lang: texts.every((t) => t.lang === lang) ? lang : 'en' };
}

/** The PB messages that follow the PB-PA: Assessment Result (NOSKIP), Access Recommendation and Reason (no NOSKIP). */
export function resultPbMessages(d: Decision, lang: Language): PbMessage[] {
  const reasons = d.reasons.map((r) => localize(r, lang));
  const reason = reasons.length > 0 ? { reason: reasons.map((r) => r.text).join('\n'), lang: reasons[0]?.lang ?? lang } : { reason: DEFAULT_REASON[d.verdict][lang], lang };
  const code = accessRecommendationFor(d.verdict);
  return [
    encodeIetfPbMessage({ kind: 'assessment-result', result: EVALUATION_FOR[d.verdict] }, true),
    encodeIetfPbMessage({ kind: 'access-recommendation', code }, false),
    encodeIetfPbMessage({ kind: 'reason-string', ...reason }, false),
  ];
}
