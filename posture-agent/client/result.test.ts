import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { KENNEKI_VENDOR_ID } from '../../policy/tnc/pa/constants.js';
import { encodeIetfAttribute, remediationString, remediationUri } from '../../policy/tnc/pa/ietf-attributes.js';
import { encodeQuarantineRules } from '../../policy/tnc/pa/kenneki-attributes.js';
import { encodePaMessage, type PaAttribute } from '../../policy/tnc/pa/message.js';
import type { IetfPbMessage } from '../../policy/tnc/pb/messages.js';
import { isWireError } from '../../policy/tnc/wire-error.js';
import { outcomeOfResult } from './result.js';

const V = KENNEKI_VENDOR_ID;
const ctx = { kennekiVendor: V, language: 'en' as const, server: 'nac.example.com:271', now: new Date('2026-11-23T09:00:00Z') };
const pa = (attributes: PaAttribute[], paVendor = 0, paSubtype = 1): IetfPbMessage => ({
  kind: 'pa',
  exclusive: true,
  paVendor,
  paSubtype,
  collectorId: 1,
  validatorId: 1,
  paMessage: encodePaMessage({ version: 1, id: 1, attributes }),
});

describe('RESULT batch → outcome', () => {
  test('quarantine: reason, remediation strings and URI in order, and the remediation hosts', () => {
    const o = outcomeOfResult(
      [
        pa([
          encodeIetfAttribute({ type: 'assessment-result', result: 2 }),
          encodeIetfAttribute(remediationString({ text: 'Turn the firewall on.', lang: 'en' })),
          encodeIetfAttribute(remediationUri('https://fix.example.com/')),
        ]),
        pa([encodeQuarantineRules(V, { verdict: 'isolate', allow: [{ host: '10.0.0.5', protocol: 'tcp', ports: [443] }] })], V, 1),
        { kind: 'assessment-result', result: 2 },
        { kind: 'access-recommendation', code: 3 },
        { kind: 'reason-string', reason: 'firewall is off', lang: 'en' },
      ],
      ctx,
    );
    expect(o).toEqual({
      verdict: 'isolate',
      reason: 'firewall is off',
      remediation: ['Turn the firewall on.', 'https://fix.example.com/'],
      language: 'en',
      quarantineAllow: [{ host: '10.0.0.5', protocol: 'tcp', ports: [443] }],
      assessedAt: '2026-11-23T09:00:00.000Z',
      server: 'nac.example.com:271',
    });
  });

  test('allow drops any remediation hosts: nothing is left to restrict', () => {
    const o = outcomeOfResult([pa([encodeQuarantineRules(V, { verdict: 'isolate', allow: [{ host: '10.0.0.5' }] })], V, 1), { kind: 'access-recommendation', code: 1 }], ctx);
    expect(o.verdict).toBe('allow');
    expect(o.quarantineAllow).toEqual([]);
  });

  test('no access recommendation fails closed: isolate, and the reason says why', () => {
    const o = outcomeOfResult([{ kind: 'assessment-result', result: 0 }], ctx);
    expect(o.verdict).toBe('isolate');
    expect(o.reason).toMatch(/no access recommendation/);
  });

  test('property: whatever PA bytes a RESULT carries, the outcome is allow only when the recommendation says Allow, and nothing but a WireError escapes', () => {
    const attr = fc.record({ noskip: fc.boolean(), vendor: fc.constantFrom(0, V, 0x902a, 1), type: fc.integer({ min: 0, max: 12 }), value: fc.uint8Array({ maxLength: 64 }) });
    fc.assert(
      fc.property(fc.array(attr, { maxLength: 6 }), fc.option(fc.constantFrom(1, 2, 3), { nil: undefined }), (attrs, code) => {
        const messages: IetfPbMessage[] = [pa(attrs), ...(code === undefined ? [] : [{ kind: 'access-recommendation' as const, code }])];
        try {
          const o = outcomeOfResult(messages, ctx);
          expect(o.verdict === 'allow').toBe(code === 1);
        } catch (e) {
          expect(isWireError(e)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
