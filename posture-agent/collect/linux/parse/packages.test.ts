import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { fixture } from '../testing/fixtures.js';
import { parseDpkgQuery } from './dpkg-query.js';
import { parseRpmQa } from './rpm-qa.js';

describe('parseDpkgQuery', () => {
  test('Debian 12: installed and held kept; removed, not-installed and half-configured left out; multi-arch once', () => {
    expect(parseDpkgQuery(fixture('dpkg-query.debian12.txt'))).toEqual({
      manager: 'dpkg',
      packages: [
        { name: 'adduser', version: '3.134' },
        { name: 'apt', version: '2.6.1' },
        { name: 'base-files', version: '12.4+deb12u7' },
        { name: 'bash', version: '5.2.15-2+b7' },
        { name: 'coreutils', version: '9.1-1' },
        { name: 'dpkg', version: '1.21.22' },
        { name: 'firefox-esr', version: '115.15.0esr-1~deb12u1' },
        { name: 'libc6', version: '2.36-9+deb12u8' },
        { name: 'libssl3', version: '3.0.14-1~deb12u2' },
        { name: 'linux-image-6.1.0-25-amd64', version: '6.1.106-3' },
        { name: 'login', version: '1:4.13+dfsg1-1+b1' },
        { name: 'openssl', version: '3.0.14-1~deb12u2' },
      ],
    });
  });

  test('a package marked for removal but still installed ("ri") still counts', () => {
    expect(parseDpkgQuery('ri \tlibfoo1\t1.0-1\n').packages).toEqual([{ name: 'libfoo1', version: '1.0-1' }]);
  });

  test('output with no installed package is unavailable, not an empty inventory', () => {
    expect(() => parseDpkgQuery('')).toThrow(FactUnavailable);
    expect(() => parseDpkgQuery('rc \told\t1.0\n')).toThrow(FactUnavailable);
  });
});

describe('parseRpmQa', () => {
  test('RHEL 9: epochs kept, "(none)" dropped, gpg-pubkey left out, both kernels kept', () => {
    expect(parseRpmQa(fixture('rpm-qa.rhel9.txt'))).toEqual({
      manager: 'rpm',
      packages: [
        { name: 'bash', version: '5.1.8-9.el9' },
        { name: 'openssl', version: '1:3.0.7-27.el9' },
        { name: 'openssl-libs', version: '1:3.0.7-27.el9' },
        { name: 'kernel-core', version: '5.14.0-362.8.1.el9_3' },
        { name: 'kernel-core', version: '5.14.0-427.13.1.el9_4' },
        { name: 'glibc', version: '2.34-100.el9_4.2' },
        { name: 'dbus', version: '1:1.12.20-8.el9' },
        { name: 'rpm', version: '4.16.1.3-29.el9' },
      ],
    });
  });

  test('nothing parseable is unavailable', () => {
    expect(() => parseRpmQa('error: rpmdb: BDB0113 Thread/process 1234/0 failed\n')).toThrow(FactUnavailable);
  });
});
