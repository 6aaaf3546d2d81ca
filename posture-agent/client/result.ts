/**
 * A PB-TNC RESULT batch → what the agent shows and enforces. Fail closed: a RESULT without an
 * access recommendation the agent understands counts as `isolate`, never as `allow`.
 */
import { KENNEKI_ATTR, IETF_ATTR, REMEDIATION_PARAMS, VENDOR } from '../../policy/tnc/pa/constants.js';
import { decodeRemediationString, decodeRemediationUri, decodeIetfAttribute } from '../../policy/tnc/pa/ietf-attributes.js';
import { decodeQuarantineRules } from '../../policy/tnc/pa/kenneki-attributes.js';
import { decodePaMessage } from '../../policy/tnc/pa/message.js';
import { AccessRecommendation, type IetfPbMessage } from '../../policy/tnc/pb/messages.js';
import type { AgentLanguage, AssessmentOutcome, QuarantineAllow, Verdict } from '../outcome.js';

const VERDICT_OF: Record<number, Verdict> = {
  [AccessRecommendation.ALLOW]: 'allow',
  [AccessRecommendation.QUARANTINE]: 'isolate',
  [AccessRecommendation.NO_ACCESS]: 'deny',
};

export function outcomeOfResult(messages: readonly (IetfPbMessage | undefined)[], ctx: { kennekiVendor: number; language: AgentLanguage; server: string; now: Date }): AssessmentOutcome {
  let verdict: Verdict | undefined;
  let reason: string | undefined;
  let language = ctx.language;
  const remediation: string[] = [];
  let allow: QuarantineAllow[] = [];
  for (const m of messages) {
    if (m === undefined) continue;
    if (m.kind === 'access-recommendation') verdict = VERDICT_OF[m.code];
    else if (m.kind === 'reason-string') {
      reason = m.reason;
      if (m.lang === 'ja' || m.lang === 'en') language = m.lang;
    } else if (m.kind === 'pa') {
      for (const a of decodePaMessage(m.paMessage).attributes) {
        if (a.vendor === ctx.kennekiVendor && a.type === KENNEKI_ATTR.QUARANTINE_RULES) {
          allow = decodeQuarantineRules(a).allow;
        } else if (a.vendor === VENDOR.IETF && a.type === IETF_ATTR.REMEDIATION_INSTRUCTIONS) {
          const r = decodeIetfAttribute(a);
          if (r?.type !== 'remediation-instructions' || r.vendor !== VENDOR.IETF) continue;
          if (r.paramsType === REMEDIATION_PARAMS.STRING) remediation.push(decodeRemediationString(r.params).text);
          else if (r.paramsType === REMEDIATION_PARAMS.URI) remediation.push(decodeRemediationUri(r.params));
        }
      }
    }
  }
  const out: AssessmentOutcome = {
    verdict: verdict ?? 'isolate',
    remediation,
    language,
    quarantineAllow: (verdict ?? 'isolate') === 'allow' ? [] : allow,
    assessedAt: ctx.now.toISOString(),
    server: ctx.server,
  };
  if (verdict === undefined) out.reason = `${reason !== undefined ? `${reason}\n` : ''}(the server sent no access recommendation: treated as quarantined)`;
  else if (reason !== undefined) out.reason = reason;
  return out;
}
