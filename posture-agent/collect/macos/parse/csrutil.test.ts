import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { fixture } from '../testing/fixtures.js';
import { parseCsrutilStatus } from './csrutil.js';

describe('parseCsrutilStatus', () => {
  test.each([
    ['enabled.txt', true],
    ['disabled.txt', false],
    ['custom-configuration.txt', false],
  ])('%s', (name, on) => {
    expect(parseCsrutilStatus(fixture(`csrutil/${name}`))).toBe(on);
  });

  test('a custom configuration with every protection on counts as on', () => {
    const text = fixture('csrutil/custom-configuration.txt').replace('Filesystem Protections: disabled', 'Filesystem Protections: enabled');
    expect(parseCsrutilStatus(text)).toBe(true);
  });

  test('a custom configuration without its list counts as off', () => {
    expect(parseCsrutilStatus('System Integrity Protection status: unknown (Custom Configuration).\n')).toBe(false);
  });

  test.each([[''], ['System Integrity Protection status: unknown.\n'], ['csrutil: failed to read\n']])('unknown: %j', (text) => {
    expect(() => parseCsrutilStatus(text)).toThrow(FactUnavailable);
  });
});
