import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { fixture } from '../testing/fixtures.js';
import { parseSysctlFlag } from './sysctl-flag.js';

describe('parseSysctlFlag', () => {
  test.each([
    [fixture('sysctl/forwarding-off.txt'), false],
    [fixture('sysctl/forwarding-on.txt'), true],
    ['net.inet.ip.forwarding: 1\n', true],
  ])('%j', (text, on) => {
    expect(parseSysctlFlag(text)).toBe(on);
  });
  test.each([[''], ['2\n'], ['sysctl: unknown oid \'net.inet.ip.forwarding\'\n']])('unknown: %j', (text) => {
    expect(() => parseSysctlFlag(text)).toThrow(FactUnavailable);
  });
});
