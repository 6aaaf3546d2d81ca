import fc from 'fast-check';
import { expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { parseGuestAccount } from './guest-account.js';

test('the Guest account line, as sysadminctl logs it on stderr', () => {
  expect(parseGuestAccount('2024-10-02 09:14:27.512 sysadminctl[1831:25417] Guest account disabled.\n')).toBe(false);
  expect(parseGuestAccount('2024-10-02 09:14:27.512 sysadminctl[1831:25417] Guest account enabled.\n')).toBe(true);
  expect(() => parseGuestAccount('sysadminctl: must be run as root\n')).toThrow(FactUnavailable);
});

test('property: any text gives a boolean or FactUnavailable', () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      try {
        expect(typeof parseGuestAccount(s)).toBe('boolean');
      } catch (e) {
        expect(e).toBeInstanceOf(FactUnavailable);
      }
    }),
  );
});
