/**
 * Wording shared by the checks. Reasons are short phrases (no final period), shown next to the
 * check's name; remediation texts are whole sentences, one per numbered step.
 */
import type { FactKey } from '../posture/facts.js';
import type { LocalizedText } from './contract.js';

/** How a fact is named in a reason: "no <label> evidence reported". */
export const FACT_LABELS: Record<FactKey, LocalizedText & { ja: string }> = {
  os: { en: 'OS', ja: 'OS' },
  pendingUpdates: { en: 'pending updates', ja: '保留中の更新プログラム' },
  packages: { en: 'installed packages', ja: 'インストール済みパッケージ' },
  antivirus: { en: 'antivirus', ja: 'ウイルス対策ソフト' },
  firewall: { en: 'firewall', ja: 'ファイアウォール' },
  diskEncryption: { en: 'disk encryption', ja: 'ディスク暗号化' },
  ipForwarding: { en: 'IP forwarding', ja: 'IP 転送' },
  factoryDefaultPassword: { en: 'factory default password', ja: '初期パスワード' },
  secureBoot: { en: 'Secure Boot', ja: 'セキュアブート' },
  agent: { en: 'agent', ja: 'エージェント' },
  deviceId: { en: 'device ID', ja: 'デバイス ID' },
};

export function noEvidence(key: FactKey): LocalizedText {
  const l = FACT_LABELS[key];
  return { en: `no ${l.en} evidence reported`, ja: `${l.ja}の情報が報告されていません` };
}

export function collectorUnknown(key: FactKey, reason: string): LocalizedText {
  const l = FACT_LABELS[key];
  return { en: `${l.en} evidence unknown: ${reason}`, ja: `${l.ja}の情報を取得できませんでした（${reason}）` };
}

export function collectorError(key: FactKey, reason: string): LocalizedText {
  const l = FACT_LABELS[key];
  return { en: `${l.en} collector failed: ${reason}`, ja: `${l.ja}の収集中にエラーが発生しました（${reason}）` };
}

export function malformedEvidence(key: FactKey): LocalizedText {
  const l = FACT_LABELS[key];
  return { en: `malformed ${l.en} evidence`, ja: `${l.ja}の情報の形式が正しくありません` };
}

export function checkFailed(check: string, message: string): LocalizedText {
  return {
    en: `check ${check} could not be evaluated: ${message}`,
    ja: `検査 ${check} を評価できませんでした（${message}）`,
  };
}

export const REASSESS: LocalizedText = {
  en: 'Make sure the posture agent is running, then run the posture assessment again.',
  ja: '検査エージェントが起動していることを確認してから、もう一度検査を実行してください。',
};

export const CONTACT_ADMIN: LocalizedText = {
  en: 'If the problem persists, contact your IT administrator.',
  ja: '問題が解決しない場合は、IT 管理者に連絡してください。',
};

/** Steps for a result that could not judge the endpoint: evidence missing, unknown or broken. */
export const REASSESS_STEPS: readonly LocalizedText[] = [REASSESS, CONTACT_ADMIN];

/** "a, b, c and 2 more" / 「a、b、c ほか 2 件」: keeps long lists readable in a notice. */
export function listOf(items: readonly string[], max = 5): LocalizedText {
  const shown = items.slice(0, max);
  const rest = items.length - shown.length;
  return {
    en: shown.join(', ') + (rest > 0 ? ` and ${rest} more` : ''),
    ja: shown.join('、') + (rest > 0 ? ` ほか ${rest} 件` : ''),
  };
}

/** English plural for counts in reasons: plural(3, 'update') → "3 updates". */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
