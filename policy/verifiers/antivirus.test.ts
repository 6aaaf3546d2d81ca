import { describe, expect, test } from 'vitest';
import type { AntivirusFact, AntivirusProduct, PostureFacts } from '../posture/facts.js';
import type { CheckParams, CheckStatus } from './contract.js';
import { runCheck } from './registry.js';
import { contextOf, daysAgo, errorFact, expectWellFormed, ok, unknownFact } from './test-context.js';

const defender = (over: Partial<AntivirusProduct> = {}): AntivirusProduct => ({
  name: 'Microsoft Defender Antivirus',
  running: true,
  enabled: true,
  signatureAgeDays: 1,
  ...over,
});
const av = (...products: AntivirusProduct[]): PostureFacts => ({ antivirus: ok({ products }) });

describe('antivirus', () => {
  test.each<[string, PostureFacts, CheckParams['antivirus'], CheckStatus, string]>([
    ['Defender running with fresh signatures', av(defender()), {}, 'compliant', 'is running with signatures 1 days old'],
    ['signatures exactly at the maximum', av(defender({ signatureAgeDays: 7 })), {}, 'compliant', 'running'],
    ['signatures older than the default 7 days', av(defender({ signatureAgeDays: 8 })), {}, 'non-compliant-major', 'signatures are 8 days old (maximum 7)'],
    ['stricter maximum', av(defender({ signatureAgeDays: 2 })), { maxSignatureAgeDays: 1 }, 'non-compliant-major', 'maximum 1'],
    ['age from the update time (ClamAV)', av({ name: 'ClamAV', running: true, enabled: true, signaturesUpdatedAt: daysAgo(3).toISOString() }), {}, 'compliant', '3 days old'],
    ['old update time', av({ name: 'ClamAV', running: true, enabled: true, signaturesUpdatedAt: daysAgo(10).toISOString() }), {}, 'non-compliant-major', '10 days old'],
    ['reported age wins over the update time', av(defender({ signatureAgeDays: 2, signaturesUpdatedAt: daysAgo(30).toISOString() })), {}, 'compliant', '2 days old'],
    ['signature age not reported', av(defender({ signatureAgeDays: undefined })), {}, 'non-compliant-minor', 'signature age not reported'],
    ['unparseable update time', av(defender({ signatureAgeDays: undefined, signaturesUpdatedAt: 'yesterday' })), {}, 'non-compliant-minor', 'signature age not reported'],
    ['not running', av(defender({ running: false })), {}, 'non-compliant-major', 'not running or not enabled'],
    ['not enabled', av(defender({ enabled: false })), {}, 'non-compliant-major', 'not running or not enabled'],
    ['no product at all', av(), {}, 'non-compliant-major', 'no anti-virus product reported'],
    ['Defender passive beside a healthy third-party product', av(defender({ enabled: false }), { name: 'ESET Endpoint Security', running: true, enabled: true, signatureAgeDays: 0 }), {}, 'compliant', 'ESET'],
    ['best product decides: stale beats stopped', av(defender({ running: false }), defender({ name: 'Sophos', signatureAgeDays: undefined })), {}, 'non-compliant-minor', 'Sophos'],
    ['tamper protection off, required', av(defender({ tamperProtected: false })), { requireTamperProtection: true }, 'non-compliant-major', 'tamper protection off'],
    ['tamper protection on, required', av(defender({ tamperProtected: true })), { requireTamperProtection: true }, 'compliant', 'running'],
    ['tamper protection not reported, required', av(defender()), { requireTamperProtection: true }, 'compliant', 'running'],
    ['tamper protection off, not required', av(defender({ tamperProtected: false })), {}, 'compliant', 'running'],
    ['no antivirus fact', {}, {}, 'unknown', 'no antivirus evidence reported'],
    ['Windows Server without Security Center', { antivirus: unknownFact('root\\SecurityCenter2 not available') }, {}, 'unknown', 'SecurityCenter2'],
    ['collector failed', { antivirus: errorFact('Get-MpComputerStatus: 0x800106ba') }, {}, 'error', '0x800106ba'],
    ['malformed fact', { antivirus: ok({ products: [null] } as unknown as AntivirusFact) }, {}, 'error', 'malformed antivirus evidence'],
  ])('%s', (_name, facts, params, status, reason) => {
    const r = runCheck('antivirus', contextOf(facts), params);
    expect(r.status).toBe(status);
    expect(r.reason.en).toContain(reason);
    expect(r.evidence?.map((e) => e.fact)).toEqual(facts.antivirus ? ['antivirus'] : []);
    expectWellFormed(r);
  });

  test('remediation for stale signatures', () => {
    const r = runCheck('antivirus', contextOf(av(defender({ signatureAgeDays: 30 }))), {});
    expect(r.remediation).toEqual([
      { en: 'Update the virus definitions of Microsoft Defender Antivirus.', ja: 'Microsoft Defender Antivirus のウイルス定義ファイルを更新してください。' },
    ]);
  });
});
