import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { fixture } from '../fixtures.test-helper.js';
import { schemaErrors } from '../fact-schema.test-helper.js';
import { parseAvServices } from './av-services.js';
import { parseDefenderStatus } from './defender.js';
import { decodeProductState } from './product-state.js';
import { parseSecurityCenter } from './security-center.js';

describe('decodeProductState', () => {
  test.each([
    [397568, { provider: 0x06, scanner: 'on', microsoft: true, signaturesUpToDate: true }],
    [393472, { provider: 0x06, scanner: 'off', microsoft: true, signaturesUpToDate: true }],
    [397584, { provider: 0x06, scanner: 'on', microsoft: true, signaturesUpToDate: false }],
    [266240, { provider: 0x04, scanner: 'on', microsoft: false, signaturesUpToDate: true }],
    [266256, { provider: 0x04, scanner: 'on', microsoft: false, signaturesUpToDate: false }],
    [262144, { provider: 0x04, scanner: 'off', microsoft: false, signaturesUpToDate: true }],
    [270336, { provider: 0x04, scanner: 'snoozed', microsoft: false, signaturesUpToDate: true }],
    [274432, { provider: 0x04, scanner: 'expired', microsoft: false, signaturesUpToDate: true }],
    [0x04f000, { provider: 0x04, scanner: 'unknown', microsoft: false, signaturesUpToDate: true }],
  ])('%i', (state, expected) => {
    expect(decodeProductState(state)).toEqual(expected);
  });
});

describe('parseSecurityCenter', () => {
  test('Defender passive beside an active third-party product', () => {
    expect(parseSecurityCenter(fixture('security-center/defender-and-eset.json'))).toEqual([
      { name: 'Windows Defender', state: decodeProductState(393472), defender: true },
      { name: 'ESET Security', state: decodeProductState(266240), defender: false },
    ]);
  });

  test('one product is an object, not an array', () => {
    expect(parseSecurityCenter(fixture('security-center/defender-only.json'))).toEqual([
      { name: 'Windows Defender', state: decodeProductState(397568), defender: true },
    ]);
  });

  test('a third-party product with signatures out of date', () => {
    const [p] = parseSecurityCenter(fixture('security-center/third-party-out-of-date.json'));
    expect(p).toEqual({ name: 'Sophos Anti-Virus', state: { provider: 4, scanner: 'on', microsoft: false, signaturesUpToDate: false }, defender: false });
  });

  test('nothing registered', () => {
    expect(parseSecurityCenter(fixture('security-center/none.json'))).toEqual([]);
  });

  test('a product without a readable state is skipped, not guessed', () => {
    expect(parseSecurityCenter('[{"displayName":"X","productState":null},{"displayName":"Y","productState":"266240"}]')).toEqual([
      { name: 'Y', state: decodeProductState(266240), defender: false },
    ]);
  });
});

describe('parseDefenderStatus', () => {
  test.each([
    // Windows PowerShell 5.1 date form.
    ['defender/win11-ps51.json', { name: 'Microsoft Defender Antivirus', running: true, enabled: true, signaturesUpdatedAt: '2024-11-20T06:52:03.000Z', signatureAgeDays: 0, tamperProtected: true }],
    // PowerShell 7 ISO form with an offset.
    ['defender/server-2022-ps7.json', { name: 'Microsoft Defender Antivirus', running: true, enabled: true, signaturesUpdatedAt: '2024-11-17T03:12:55.000Z', signatureAgeDays: 3, tamperProtected: false }],
    // Passive beside another product: runs, does not protect.
    ['defender/passive.json', { name: 'Microsoft Defender Antivirus', running: true, enabled: false, signaturesUpdatedAt: '2024-11-19T08:00:01.000Z', signatureAgeDays: 1, tamperProtected: false }],
    // Never updated: 65535 days as reported, and no 1601 date.
    ['defender/never-updated.json', { name: 'Microsoft Defender Antivirus', running: true, enabled: true, signatureAgeDays: 65535 }],
  ])('%s', (path, expected) => {
    const product = parseDefenderStatus(fixture(path));
    expect(product).toEqual(expected);
    expect(schemaErrors('antivirus', { products: [product] })).toEqual([]);
  });

  test('an age beyond the schema is clamped to it, still ancient', () => {
    const out = '{"AMServiceEnabled":true,"AntivirusEnabled":true,"RealTimeProtectionEnabled":true,"AntivirusSignatureAge":4294967295}';
    expect(parseDefenderStatus(out).signatureAgeDays).toBe(100_000);
  });

  test('without the engine flags there is no answer', () => {
    expect(() => parseDefenderStatus('{"AntivirusSignatureAge":0}')).toThrow(FactUnavailable);
  });
});

describe('parseAvServices', () => {
  test('a server with CrowdStrike and Defender stopped', () => {
    expect(parseAvServices(fixture('av-services/server-crowdstrike.json'))).toEqual([
      { name: 'CrowdStrike Falcon', running: true, enabled: true },
      { name: 'Microsoft Defender Antivirus', running: false, enabled: false },
    ]);
  });

  test('enum numbers, one service as an object', () => {
    expect(parseAvServices(fixture('av-services/defender-numeric.json'))).toEqual([{ name: 'Microsoft Defender Antivirus', running: true, enabled: true }]);
  });

  test('a service running but set to Manual is not enabled', () => {
    expect(parseAvServices('{"Name":"ekrn","Status":"Running","StartType":"Manual"}')).toEqual([{ name: 'ESET Endpoint Security', running: true, enabled: false }]);
  });

  test('none installed', () => {
    expect(parseAvServices(fixture('av-services/none.json'))).toEqual([]);
  });
});
