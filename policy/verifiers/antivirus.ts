/**
 * Anti-virus: at least one product running, enabled, with fresh signatures (and tamper
 * protection when the policy asks for it). Several products may be reported (Defender passive
 * beside a third-party product); the best one decides.
 */
import type { AntivirusProduct } from '../posture/facts.js';
import { evidenceOf, type Check, type CheckContext, type LocalizedText } from './contract.js';
import { compliant, DAY_MS, failing, isRecord, malformed, readFact, roundTo1, timeOf } from './evidence.js';

const ID = 'antivirus';

type Verdict = { status: 'compliant' | 'non-compliant-minor' | 'non-compliant-major'; reason: LocalizedText; remediation: LocalizedText[] };

export const antivirusCheck: Check<'antivirus'> = {
  id: ID,
  reads: ['antivirus'],
  evaluate(ctx, params) {
    const read = readFact(ID, ctx.facts, 'antivirus');
    if (!read.ok) return read.result;
    const fact = read.value;
    if (!isRecord(fact) || !Array.isArray(fact.products) || !fact.products.every(isRecord)) {
      return malformed(ID, ctx.facts, 'antivirus');
    }
    const evidence = evidenceOf(ctx.facts, 'antivirus') ?? [];

    if (fact.products.length === 0) {
      return failing(
        ID,
        'non-compliant-major',
        { en: 'no anti-virus product reported', ja: 'ウイルス対策ソフトが検出されませんでした' },
        [
          {
            en: 'Install an anti-virus product (for example Microsoft Defender) and turn on real-time protection.',
            ja: 'ウイルス対策ソフト（Microsoft Defender など）をインストールし、リアルタイム保護を有効にしてください。',
          },
        ],
        evidence,
      );
    }

    const rank = { compliant: 0, 'non-compliant-minor': 1, 'non-compliant-major': 2 } as const;
    let best: Verdict | undefined;
    for (const p of fact.products) {
      const v = judge(p, ctx, params.maxSignatureAgeDays ?? 7, params.requireTamperProtection === true);
      if (!best || rank[v.status] < rank[best.status]) best = v;
    }
    const v = best!;
    return v.status === 'compliant'
      ? compliant(ID, v.reason, evidence)
      : failing(ID, v.status, v.reason, v.remediation, evidence);
  },
};

function judge(p: AntivirusProduct, ctx: CheckContext, maxAgeDays: number, requireTamper: boolean): Verdict {
  const name = String(p.name);
  if (p.running !== true || p.enabled !== true) {
    return {
      status: 'non-compliant-major',
      reason: { en: `${name} is not running or not enabled`, ja: `${name} が実行されていないか、無効になっています` },
      remediation: [{ en: `Start ${name} and turn on real-time protection.`, ja: `${name} を起動し、リアルタイム保護を有効にしてください。` }],
    };
  }
  if (requireTamper && p.tamperProtected === false) {
    return {
      status: 'non-compliant-major',
      reason: { en: `${name} has tamper protection off`, ja: `${name} の改ざん防止が無効になっています` },
      remediation: [{ en: `Turn on tamper protection in ${name}.`, ja: `${name} の改ざん防止を有効にしてください。` }],
    };
  }
  const update: LocalizedText = { en: `Update the virus definitions of ${name}.`, ja: `${name} のウイルス定義ファイルを更新してください。` };
  const age = signatureAgeDays(p, ctx.now.getTime());
  if (age === undefined) {
    return {
      status: 'non-compliant-minor',
      reason: { en: `${name}: signature age not reported`, ja: `${name} の定義ファイルの更新日時が報告されていません` },
      remediation: [update],
    };
  }
  if (age > maxAgeDays) {
    return {
      status: 'non-compliant-major',
      reason: {
        en: `${name} signatures are ${roundTo1(age)} days old (maximum ${maxAgeDays})`,
        ja: `${name} の定義ファイルが ${roundTo1(age)} 日前のものです（上限 ${maxAgeDays} 日）`,
      },
      remediation: [update],
    };
  }
  return {
    status: 'compliant',
    reason: {
      en: `${name} is running with signatures ${roundTo1(age)} days old`,
      ja: `${name} が実行中で、定義ファイルは ${roundTo1(age)} 日前のものです`,
    },
    remediation: [],
  };
}

/** Age as the product reports it, else from the update time; undefined when neither is usable. */
function signatureAgeDays(p: AntivirusProduct, now: number): number | undefined {
  if (typeof p.signatureAgeDays === 'number' && Number.isFinite(p.signatureAgeDays)) return Math.max(0, p.signatureAgeDays);
  const updated = timeOf(p.signaturesUpdatedAt);
  const age = updated === undefined ? NaN : (now - updated) / DAY_MS;
  return Number.isFinite(age) ? Math.max(0, age) : undefined;
}
