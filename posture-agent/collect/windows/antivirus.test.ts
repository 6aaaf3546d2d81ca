import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../contract.js';
import { FixtureHost, type RecordedCommand } from '../fixture-host.js';
import { antivirus } from './antivirus.js';
import { WINDOWS_COMMANDS as C } from './commands.js';
import { schemaErrors } from './fact-schema.test-helper.js';
import { fixture } from './fixtures.test-helper.js';

const ok = (path: string): RecordedCommand => ({ stdout: fixture(path) });
/** How powershell.exe fails when the script's cmdlet fails: exit 1, the error on stderr. */
const failed = (path: string): RecordedCommand => ({ stdout: '', stderr: fixture(path), code: 1 });

const DEFENDER = 'Microsoft Defender Antivirus';

async function collect(commands: Record<string, RecordedCommand>) {
  const host = new FixtureHost({ platform: 'windows', commands });
  const value = await antivirus.collect(host);
  expect(schemaErrors('antivirus', value)).toEqual([]);
  return { value, ran: host.ran };
}

describe('antivirus collector: Security Center → Defender → services', () => {
  test('Windows 11, Defender passive beside an active ESET: both listed, Defender completed from Get-MpComputerStatus', async () => {
    const { value, ran } = await collect({ [C.securityCenterAv.id]: ok('security-center/defender-and-eset.json'), [C.defenderStatus.id]: ok('defender/passive.json') });
    expect(value).toEqual({
      products: [
        { name: DEFENDER, running: false, enabled: false, signaturesUpdatedAt: '2024-11-19T08:00:01.000Z', signatureAgeDays: 1, tamperProtected: false },
        { name: 'ESET Security', running: true, enabled: true },
      ],
    });
    expect(ran).toEqual([C.securityCenterAv.id, C.defenderStatus.id]);
  });

  test('Security Center alone when Defender cannot add its details', async () => {
    const { value } = await collect({ [C.securityCenterAv.id]: ok('security-center/defender-only.json') });
    expect(value).toEqual({ products: [{ name: DEFENDER, running: true, enabled: true }] });
  });

  test('a third-party product only: Defender is not asked', async () => {
    const { value, ran } = await collect({ [C.securityCenterAv.id]: ok('security-center/third-party-out-of-date.json') });
    expect(value).toEqual({ products: [{ name: 'Sophos Anti-Virus', running: true, enabled: true }] });
    expect(ran).toEqual([C.securityCenterAv.id]);
  });

  test('Windows Server 2022: no Security Center ("Invalid namespace"), Defender answers', async () => {
    const { value, ran } = await collect({ [C.securityCenterAv.id]: failed('security-center/invalid-namespace.stderr.txt'), [C.defenderStatus.id]: ok('defender/server-2022-ps7.json') });
    expect(value).toEqual({
      products: [{ name: DEFENDER, running: true, enabled: true, signaturesUpdatedAt: '2024-11-17T03:12:55.000Z', signatureAgeDays: 3, tamperProtected: false }],
    });
    expect(ran).toEqual([C.securityCenterAv.id, C.defenderStatus.id]);
  });

  test('Windows Server with CrowdStrike and Defender off: the chain reaches the service check', async () => {
    const { value, ran } = await collect({
      [C.securityCenterAv.id]: failed('security-center/invalid-namespace.stderr.txt'),
      [C.defenderStatus.id]: failed('defender/service-not-running.stderr.txt'),
      [C.avServices.id]: ok('av-services/server-crowdstrike.json'),
    });
    expect(value).toEqual({
      products: [
        { name: 'CrowdStrike Falcon', running: true, enabled: true },
        { name: DEFENDER, running: false, enabled: false },
      ],
    });
    expect(ran).toEqual([C.securityCenterAv.id, C.defenderStatus.id, C.avServices.id]);
  });

  test('Windows Server with Defender passive: the services say what protects instead', async () => {
    const { value } = await collect({
      [C.securityCenterAv.id]: failed('security-center/invalid-namespace.stderr.txt'),
      [C.defenderStatus.id]: ok('defender/passive.json'),
      [C.avServices.id]: ok('av-services/server-crowdstrike.json'),
    });
    expect(value.products.map((p) => [p.name, p.enabled])).toEqual([
      [DEFENDER, false],
      ['CrowdStrike Falcon', true],
    ]);
  });

  test('Security Center with nothing registered falls through to Defender', async () => {
    const { value, ran } = await collect({ [C.securityCenterAv.id]: ok('security-center/none.json'), [C.defenderStatus.id]: ok('defender/win11-ps51.json') });
    expect(value.products).toHaveLength(1);
    expect(value.products[0]?.name).toBe(DEFENDER);
    expect(ran).toEqual([C.securityCenterAv.id, C.defenderStatus.id]);
  });

  test('no known antivirus service at the last step is an answer: no products', async () => {
    const { value } = await collect({ [C.avServices.id]: ok('av-services/none.json') });
    expect(value).toEqual({ products: [] });
  });

  test('when every step fails, the reason says what was tried', async () => {
    const host = new FixtureHost({ platform: 'windows', commands: { [C.securityCenterAv.id]: failed('security-center/invalid-namespace.stderr.txt') } });
    const err = await antivirus.collect(host).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FactUnavailable);
    // stdoutOf keeps the CRLF line's trailing " \r" (see the report on the contract).
    expect((err as Error).message).toMatch(
      /^Security Center: powershell.exe exited with 1: Get-CimInstance : Invalid namespace\s*; Defender: powershell.exe: not found; antivirus services: powershell.exe: not found$/,
    );
  });

  test('the budget covers the whole chain', () => {
    expect(antivirus.timeoutMs).toBeGreaterThanOrEqual((C.securityCenterAv.timeoutMs ?? 0) + (C.defenderStatus.timeoutMs ?? 0) + (C.avServices.timeoutMs ?? 0));
  });
});
