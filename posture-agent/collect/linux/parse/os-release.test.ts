import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { fixture } from '../testing/fixtures.js';
import { parseOsRelease, toOsFact } from './os-release.js';

describe('toOsFact', () => {
  test.each([
    ['Debian 12: the point release from debian_version', 'os-release.debian12.txt', 'debian_version.debian12.txt', { product: 'debian', version: '12.7' }],
    ['Debian 12 without debian_version', 'os-release.debian12.txt', undefined, { product: 'debian', version: '12' }],
    ['Ubuntu 22.04: debian_version "bookworm/sid" is ignored', 'os-release.ubuntu2204.txt', 'debian_version.ubuntu2204.txt', { product: 'ubuntu', version: '22.04' }],
    ['RHEL 9.4: quoted ID', 'os-release.rhel9.txt', undefined, { product: 'rhel', version: '9.4' }],
  ])('%s', (_name, osRelease, debianVersion, expected) => {
    const fact = toOsFact(fixture(osRelease), debianVersion === undefined ? undefined : fixture(debianVersion), { release: '6.1.0-25-amd64\n', machine: 'x86_64\n' });
    expect(fact).toEqual({ family: 'linux', ...expected, build: '6.1.0-25-amd64', arch: 'x86_64' });
  });

  test('a debian_version that does not extend VERSION_ID is not used (testing: "trixie/sid", or a stale 11.9)', () => {
    expect(toOsFact('ID=debian\nVERSION_ID=12\n', 'trixie/sid\n').version).toBe('12');
    expect(toOsFact('ID=debian\nVERSION_ID=12\n', '11.9\n').version).toBe('12');
  });

  test('no ID defaults to "linux" (os-release(5)); a rolling release uses BUILD_ID', () => {
    expect(toOsFact('NAME="Arch Linux"\nBUILD_ID=rolling\n')).toEqual({ family: 'linux', product: 'linux', version: 'rolling' });
  });

  test('no version at all is unavailable', () => {
    expect(() => toOsFact('ID=gentoo\n')).toThrow(FactUnavailable);
  });

  test('odd uname output is left out, not fatal', () => {
    expect(toOsFact('ID=debian\nVERSION_ID=12\n', undefined, { release: 'two words', machine: '' })).toEqual({ family: 'linux', product: 'debian', version: '12' });
  });
});

describe('parseOsRelease quoting (os-release(5))', () => {
  test.each([
    ['NAME="Debian GNU/Linux"', 'Debian GNU/Linux'],
    ["NAME='single $quoted \\ text'", 'single $quoted \\ text'],
    ['NAME="esc \\"q\\" \\$HOME \\\\ \\` \\n"', 'esc "q" $HOME \\ ` \\n'],
    ['NAME=unquoted\\ with\\ escapes', 'unquoted with escapes'],
    ['NAME="a"\'b\'c', 'abc'],
  ])('%s', (line, value) => {
    expect(parseOsRelease(`${line}\n`).get('NAME')).toBe(value);
  });

  test('comments, blank lines and unterminated quotes are skipped', () => {
    const f = parseOsRelease('# ID=nope\n\nID="broken\nVERSION_ID=1\n');
    expect([...f.entries()]).toEqual([['VERSION_ID', '1']]);
  });
});
