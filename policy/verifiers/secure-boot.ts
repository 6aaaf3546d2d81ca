/** Secure Boot must be on, so that a tampered boot chain cannot hide from the agent. */
import type { Check } from './contract.js';
import { judgeBoolean } from './boolean-fact.js';
import { CONTACT_ADMIN } from './messages.js';

export const secureBootCheck: Check<'secure-boot'> = {
  id: 'secure-boot',
  reads: ['secureBoot'],
  evaluate: (ctx) =>
    judgeBoolean('secure-boot', ctx.facts, 'secureBoot', {
      failsWhen: false,
      pass: { en: 'Secure Boot is on', ja: 'セキュアブートは有効です' },
      fail: { en: 'Secure Boot is off', ja: 'セキュアブートが無効になっています' },
      remediation: [
        {
          en: 'Restart the computer, open the UEFI firmware settings and turn on Secure Boot.',
          ja: 'コンピューターを再起動して UEFI ファームウェアの設定画面を開き、セキュアブートを有効にしてください。',
        },
        CONTACT_ADMIN,
      ],
    }),
};
