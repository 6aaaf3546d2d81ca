import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { fixture } from '../testing/fixtures.js';
import { parseDefaultsVersion, parseInfoPlistVersion, parseXProtectVersionTool } from './xprotect.js';

describe('XProtect version parsers', () => {
  test('xprotect version (macOS 15)', () => {
    expect(parseXProtectVersionTool(fixture('xprotect/xprotect-version-macos-15.txt'))).toBe('5280');
  });
  test('xprotect version 0: bundle not installed yet, nothing found', () => {
    expect(parseXProtectVersionTool(fixture('xprotect/xprotect-version-not-installed.txt'))).toBeUndefined();
  });
  test.each([['info-plist-macos-14.xml', '2193'], ['info-plist-macos-15.xml', '5280']])('Info.plist %s', (name, version) => {
    expect(parseInfoPlistVersion(fixture(`xprotect/${name}`))).toBe(version);
  });
  test('defaults read', () => {
    expect(parseDefaultsVersion(fixture('xprotect/defaults-read-macos-13.txt'))).toBe('2192');
  });
  test.each([
    () => parseXProtectVersionTool('xprotect: unknown command\n'),
    () => parseInfoPlistVersion('bplist00\u00d1\u0001\u0002'),
    () => parseInfoPlistVersion('<plist><dict></dict></plist>'),
    () => parseDefaultsVersion('The domain/default pair of (x, CFBundleShortVersionString) does not exist\n'),
  ])('unknown %#', (f) => {
    expect(f).toThrow(FactUnavailable);
  });
});
