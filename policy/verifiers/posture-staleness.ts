/**
 * Posture must be fresh: the report itself, and every fact in it. The server keeps a fact's last
 * known value when a collector fails, so one old fact can hide inside a fresh report.
 */
import { FACT_KEYS, type FactKey } from '../posture/facts.js';
import { evidenceOf, type Check, type LocalizedText } from './contract.js';
import { compliant, failing, HOUR_MS, isRecord, notJudged, roundTo1, timeOf } from './evidence.js';
import { FACT_LABELS } from './messages.js';

const ID = 'posture-staleness';

const REPORT_AGAIN: LocalizedText = {
  en: 'Connect the device to the network and make sure the posture agent is running, so that it reports its posture again.',
  ja: '端末をネットワークに接続し、検査エージェントが起動していることを確認して、検査結果を再送信させてください。',
};

export const postureStalenessCheck: Check<'posture-staleness'> = {
  id: ID,
  reads: [],
  evaluate(ctx, params) {
    const maxAgeHours = params.maxAgeHours ?? 24;
    const now = ctx.now.getTime();
    const reportAge = (now - ctx.reportedAt.getTime()) / HOUR_MS;
    if (!Number.isFinite(reportAge)) {
      return notJudged(ID, 'unknown', { en: 'report time not known', ja: '検査結果の報告日時が不明です' }, []);
    }

    let oldest: { key: FactKey; at: number } | undefined;
    for (const key of FACT_KEYS) {
      const f: unknown = ctx.facts[key];
      const at = isRecord(f) ? timeOf(f.collectedAt) : undefined;
      if (at !== undefined && (!oldest || at < oldest.at)) oldest = { key, at };
    }
    const evidence = oldest ? evidenceOf(ctx.facts, oldest.key) ?? [] : [];

    if (reportAge > maxAgeHours) {
      return failing(
        ID,
        'non-compliant-major',
        {
          en: `posture is stale (reported ${roundTo1(reportAge)} h ago, maximum ${maxAgeHours} h)`,
          ja: `検査結果が古くなっています（${roundTo1(reportAge)} 時間前に報告、上限 ${maxAgeHours} 時間）`,
        },
        [REPORT_AGAIN],
        evidence,
      );
    }
    if (oldest) {
      const factAge = (now - oldest.at) / HOUR_MS;
      if (factAge > maxAgeHours) {
        const label = FACT_LABELS[oldest.key];
        return failing(
          ID,
          'non-compliant-major',
          {
            en: `posture is stale (${label.en} evidence collected ${roundTo1(factAge)} h ago, maximum ${maxAgeHours} h)`,
            ja: `検査結果が古くなっています（${label.ja}の情報は ${roundTo1(factAge)} 時間前に収集、上限 ${maxAgeHours} 時間）`,
          },
          [REPORT_AGAIN],
          evidence,
        );
      }
    }
    return compliant(
      ID,
      { en: `posture reported ${roundTo1(Math.max(0, reportAge))} h ago`, ja: `検査結果は ${roundTo1(Math.max(0, reportAge))} 時間前に報告されました` },
      evidence,
    );
  },
};
