/**
 * IP forwarding must be off (IETF PA-TNC attribute 11, Forwarding Enabled): an endpoint that
 * routes can bridge the quarantine network to another one.
 */
import type { Check } from './contract.js';
import { judgeBoolean } from './boolean-fact.js';

export const ipForwardingCheck: Check<'ip-forwarding'> = {
  id: 'ip-forwarding',
  reads: ['ipForwarding'],
  evaluate: (ctx) =>
    judgeBoolean('ip-forwarding', ctx.facts, 'ipForwarding', {
      failsWhen: true,
      pass: { en: 'IP forwarding is off', ja: 'IP 転送は無効です' },
      fail: { en: 'IP forwarding is on', ja: 'IP 転送が有効になっています' },
      remediation: [
        {
          en: 'Turn off IP forwarding (Linux: sudo sysctl -w net.ipv4.ip_forward=0; Windows: Set-NetIPInterface -Forwarding Disabled).',
          ja: 'IP 転送を無効にしてください（Linux: sudo sysctl -w net.ipv4.ip_forward=0、Windows: Set-NetIPInterface -Forwarding Disabled）。',
        },
        {
          en: 'If this device must route traffic (for example it shares its connection), ask your IT administrator for an exception.',
          ja: '業務上この端末で通信の転送（インターネット共有など）が必要な場合は、IT 管理者に例外を申請してください。',
        },
      ],
    }),
};
