import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { fixture } from '../testing/fixtures.js';
import { clamavProduct } from './clamav.js';
import { parseMdatpHealth } from './mdatp-health.js';

describe('clamavProduct', () => {
  const cvd = new Date('2026-11-20T06:00:00Z');
  const cld = new Date('2026-11-23T04:12:00Z');

  test('clamd and freshclam running: the newer of daily.cvd / daily.cld is the signature time', () => {
    expect(clamavProduct(['systemd', 'clamd', 'freshclam', 'bash'], [cvd, cld])).toEqual({
      name: 'ClamAV',
      running: true,
      enabled: true,
      signaturesUpdatedAt: '2026-11-23T04:12:00.000Z',
    });
  });

  test('signatures but no daemon: installed, not running', () => {
    expect(clamavProduct(['systemd', 'bash'], [undefined, cld])).toEqual({ name: 'ClamAV', running: false, enabled: false, signaturesUpdatedAt: '2026-11-23T04:12:00.000Z' });
  });

  test('no daemon and no database: no ClamAV', () => {
    expect(clamavProduct(['systemd', 'clamdscan-lookalike'], [undefined, undefined])).toBeUndefined();
  });
});

describe('parseMdatpHealth', () => {
  test('healthy Defender: real-time on, tamper protection "block", age from minutes ago', () => {
    expect(parseMdatpHealth(fixture('mdatp-health.txt'), new Date('2026-11-23T17:21:07Z'))).toEqual({
      name: 'Microsoft Defender for Endpoint',
      running: true,
      enabled: true,
      signatureAgeDays: 0.13,
      signaturesUpdatedAt: '2026-11-23T14:14:07.000Z',
      tamperProtected: true,
    });
  });

  test('passive mode is not enabled; audit tamper protection is not protected', () => {
    const text = 'healthy : true\nreal_time_protection_enabled : true\npassive_mode_enabled : true [managed]\ntamper_protection : "audit"\n';
    expect(parseMdatpHealth(text, new Date(0))).toEqual({ name: 'Microsoft Defender for Endpoint', running: true, enabled: false, tamperProtected: false });
  });

  test('an answer without the health fields is unavailable', () => {
    expect(() => parseMdatpHealth('ATTENTION: No license found. Contact your administrator for help.\n', new Date())).toThrow(FactUnavailable);
  });
});
