import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { fixture } from '../testing/fixtures.js';
import { isSecurityUpdate } from './security-updates.js';
import { parseSoftwareUpdateList } from './softwareupdate.js';

describe('parseSoftwareUpdateList', () => {
  test('macOS 14: a restart-required point release (security), Safari and the CLT (not)', () => {
    expect(parseSoftwareUpdateList(fixture('softwareupdate/macos-14-security-and-app.txt'), { osMajor: 14 })).toEqual({
      updates: [
        { id: 'macOS Sonoma 14.7.1-23H222', package: 'macOS Sonoma 14.7.1', version: '14.7.1', security: true },
        { id: 'Safari18.1.1SonomaAuto-18.1.1', package: 'Safari', version: '18.1.1', security: false },
        { id: 'Command Line Tools for Xcode-16.1', package: 'Command Line Tools for Xcode', version: '16.1', security: false },
      ],
      rebootRequired: true,
    });
  });

  test('macOS 14 offered Sequoia: the upgrade is not a security update, the Sonoma patch is', () => {
    const { updates } = parseSoftwareUpdateList(fixture('softwareupdate/macos-14-upgrade-offered.txt'), { osMajor: 14 });
    expect(updates.map((u) => [u.id, u.security])).toEqual([
      ['macOS Sequoia 15.1.1-24B91', false],
      ['macOS Sonoma 14.7.1-23H222', true],
    ]);
  });

  test('without the host release, a point release of any major counts', () => {
    const { updates } = parseSoftwareUpdateList(fixture('softwareupdate/macos-14-upgrade-offered.txt'));
    expect(updates.every((u) => u.security)).toBe(true);
  });

  test('macOS 13 Rapid Security Response', () => {
    expect(parseSoftwareUpdateList(fixture('softwareupdate/macos-13-rapid-security-response.txt'), { osMajor: 13 })).toEqual({
      updates: [{ id: 'macOS Ventura 13.4.1 (a)-22F770820d', package: 'macOS Ventura 13.4.1 (a)', version: '13.4.1 (a)', security: true }],
      rebootRequired: true,
    });
  });

  test('old "* name-version" format, including a not-recommended "-" entry', () => {
    expect(parseSoftwareUpdateList(fixture('softwareupdate/macos-10.13-legacy.txt'))).toEqual({
      updates: [
        { id: 'Security Update 2019-004-10.13.6', package: 'Security Update 2019-004', version: '10.13.6', security: true },
        { id: 'Safari12.1.2HighSierraAuto-12.1.2', package: 'Safari', version: '12.1.2', security: false },
        { id: 'iTunesX-12.8.2', package: 'iTunes', version: '12.8.2', security: false },
      ],
      rebootRequired: true,
    });
  });

  test('"No new software available." is an empty list', () => {
    expect(parseSoftwareUpdateList(fixture('softwareupdate/macos-15-no-updates.txt'))).toEqual({ updates: [], rebootRequired: false });
  });

  test.each([[''], ['Software Update Tool\n\nFinding available software\n'], ['Cannot complete the request: the catalog could not be loaded\n']])(
    'anything else without entries is unknown: %j',
    (text) => {
      expect(() => parseSoftwareUpdateList(text)).toThrow(FactUnavailable);
    },
  );
});

describe('isSecurityUpdate', () => {
  test.each([
    ['Security Update 2022-005-Catalina', undefined, undefined, true],
    ['macOS Background Security Improvement 26.1 (a)', undefined, 26, true],
    ['Rapid Security Response macOS 13.3.1 (a)', undefined, 13, true],
    ['macOS Tahoe 26.1-25B78', 'macOS Tahoe 26.1', 26, true],
    ['macOS Sequoia 15.0-24A335', 'macOS Sequoia 15.0', undefined, false],
    ['macOS Sequoia 15.1-24B83', 'macOS Sequoia 15.1', 14, false],
    ['Safari18.1SonomaAuto-18.1', 'Safari', 14, false],
    ['XProtectPlistConfigData_10_15-5280', 'XProtectPlistConfigData', 15, false],
  ] as const)('%s', (label, title, major, expected) => {
    expect(isSecurityUpdate(label, title, major)).toBe(expected);
  });
});
