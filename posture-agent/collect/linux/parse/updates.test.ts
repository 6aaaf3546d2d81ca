import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { fixture } from '../testing/fixtures.js';
import { isSecurityOrigin, parseAptSimulate } from './apt-simulate.js';
import { parseDnfCheckUpdate, parseDnfSecurity } from './dnf-updates.js';

describe('parseAptSimulate', () => {
  test('Debian 12: two security updates and one normal', () => {
    expect(parseAptSimulate(fixture('apt-get-simulate.debian12.txt'))).toEqual([
      { id: 'libssl3', package: 'libssl3', version: '3.0.15-1~deb12u1', security: true },
      { id: 'openssl', package: 'openssl', version: '3.0.15-1~deb12u1', security: true },
      { id: 'tzdata', package: 'tzdata', version: '2024b-0+deb12u1', security: false },
    ]);
  });

  test('Ubuntu 22.04: several origins, a new kernel package, trailing "[]"', () => {
    expect(parseAptSimulate(fixture('apt-get-simulate.ubuntu2204.txt'))).toEqual([
      { id: 'libgcrypt20', package: 'libgcrypt20', version: '1.9.4-3ubuntu3.1', security: true },
      { id: 'linux-image-5.15.0-126-generic', package: 'linux-image-5.15.0-126-generic', version: '5.15.0-126.136', security: true },
      { id: 'linux-image-generic', package: 'linux-image-generic', version: '5.15.0.126.128', security: true },
      { id: 'snapd', package: 'snapd', version: '2.65.3+22.04', security: false },
    ]);
  });

  test('nothing pending is an empty list; output without the summary is unavailable', () => {
    expect(parseAptSimulate(fixture('apt-get-simulate.none.txt'))).toEqual([]);
    expect(() => parseAptSimulate('E: Could not open lock file\n')).toThrow(FactUnavailable);
  });

  test.each([
    ['Debian-Security:12/stable-security', true],
    ['Debian-Security:12/oldstable-security', true],
    ['Ubuntu:22.04/jammy-security', true],
    ['UbuntuESMApps:22.04/jammy-apps-security', true],
    ['Debian:12.8/stable', false],
    ['Ubuntu:22.04/jammy-updates', false],
    ['security.example:1/notsecure', false],
  ])('origin %s is security: %s', (origin, expected) => {
    expect(isSecurityOrigin(origin)).toBe(expected);
  });
});

describe('dnf (RHEL 9)', () => {
  test('updateinfo --security names the packages of Sec. advisories only', () => {
    expect([...parseDnfSecurity(fixture('dnf-updateinfo-security.rhel9.txt'))]).toEqual(['kernel', 'kernel-core', 'openssl', 'openssl-libs']);
  });

  test('check-update: wrapped lines joined, "Security:" notes and obsoletes skipped, security marked', () => {
    const security = parseDnfSecurity(fixture('dnf-updateinfo-security.rhel9.txt'));
    expect(parseDnfCheckUpdate(fixture('dnf-check-update.rhel9.txt'), security)).toEqual([
      { id: 'kernel', package: 'kernel', version: '5.14.0-427.20.1.el9_4', security: true },
      { id: 'kernel-core', package: 'kernel-core', version: '5.14.0-427.20.1.el9_4', security: true },
      { id: 'openssl', package: 'openssl', version: '1:3.0.7-28.el9_4', security: true },
      { id: 'openssl-libs', package: 'openssl-libs', version: '1:3.0.7-28.el9_4', security: true },
      { id: 'python3-libselinux-very-long-package-name', package: 'python3-libselinux-very-long-package-name', version: '3.6-1.el9', security: false },
      { id: 'tzdata', package: 'tzdata', version: '2024a-1.el9', security: false },
    ]);
  });

  test('no updates (exit 0, empty output) is an empty list', () => {
    expect(parseDnfCheckUpdate('', new Set())).toEqual([]);
  });
});
