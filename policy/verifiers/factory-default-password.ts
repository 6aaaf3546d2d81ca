/** The device must not use a factory default password (IETF PA-TNC attribute 12). */
import type { Check } from './contract.js';
import { judgeBoolean } from './boolean-fact.js';

export const factoryDefaultPasswordCheck: Check<'factory-default-password'> = {
  id: 'factory-default-password',
  reads: ['factoryDefaultPassword'],
  evaluate: (ctx) =>
    judgeBoolean('factory-default-password', ctx.facts, 'factoryDefaultPassword', {
      failsWhen: true,
      pass: { en: 'no factory default password in use', ja: '初期パスワードは使用されていません' },
      fail: { en: 'a factory default password is in use', ja: '初期パスワードが使用されています' },
      remediation: [
        {
          en: 'Change the factory default password to a strong password of your own.',
          ja: '初期パスワードを、推測されにくい独自のパスワードに変更してください。',
        },
      ],
    }),
};
