/** User-facing texts for decisions that could not be made from posture. */
import type { LocalizedText } from '../verifiers/contract.js';

export const DEFAULTED_TEXT: Record<'no-posture' | 'stale-posture' | 'no-policy', { reason: LocalizedText; remediation: LocalizedText[] }> = {
  'no-posture': {
    reason: { en: 'No security posture has been reported for this device yet.', ja: 'この端末のセキュリティ状態はまだ報告されていません。' },
    remediation: [
      {
        en: 'Install and start the Kenneki agent (kenneki-agent run) so that the device can be checked.',
        ja: '端末を検査できるよう、Kenneki エージェントをインストールして起動してください (kenneki-agent run)。',
      },
    ],
  },
  'stale-posture': {
    reason: { en: 'The last security report from this device is too old.', ja: 'この端末からの最後のセキュリティ報告が古すぎます。' },
    remediation: [
      { en: 'Make sure the Kenneki agent is running, then run "kenneki-agent check".', ja: 'Kenneki エージェントが動作していることを確認し、「kenneki-agent check」を実行してください。' },
    ],
  },
  'no-policy': {
    reason: { en: 'No access policy applies to this device.', ja: 'この端末に適用されるアクセスポリシーがありません。' },
    remediation: [{ en: 'Contact your IT administrator.', ja: 'IT 管理者に連絡してください。' }],
  },
};

export const IDENTITY_HOLD_TEXT: { reason: LocalizedText; remediation: LocalizedText } = {
  reason: {
    en: 'Your account could not be confirmed with the directory (it is unavailable), so access is limited until it is.',
    ja: 'ディレクトリ (現在利用できません) でアカウントを確認できないため、確認できるまでアクセスが制限されます。',
  },
  remediation: { en: 'No action is needed: access is restored automatically once the directory confirms your account.', ja: '操作は不要です。ディレクトリでアカウントが確認されると、自動的にアクセスが戻ります。' },
};
