import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { parseLocalAccounts } from './local-accounts.js';

describe('Get-LocalUser → an enabled account that needs no password', () => {
  test('the usual laptop: Administrator and Guest disabled, the user needs a password', () => {
    const out = '[{"Name":"Administrator","Enabled":false,"PasswordRequired":true},{"Name":"DefaultAccount","Enabled":false,"PasswordRequired":false},{"Name":"Guest","Enabled":false,"PasswordRequired":false},{"Name":"taro","Enabled":true,"PasswordRequired":true}]';
    expect(parseLocalAccounts(out)).toBe(false);
  });

  test('an enabled Guest that needs no password counts; a single account prints as an object', () => {
    expect(parseLocalAccounts('[{"Name":"Guest","Enabled":true,"PasswordRequired":false},{"Name":"taro","Enabled":true,"PasswordRequired":true}]')).toBe(true);
    expect(parseLocalAccounts('{"Name":"kiosk","Enabled":true,"PasswordRequired":false}')).toBe(true);
  });

  test('no accounts, missing fields or not JSON: unknown', () => {
    for (const out of ['', '[]', '[{"Name":"x"}]', 'Get-LocalUser : The term is not recognized']) expect(() => parseLocalAccounts(out)).toThrow(FactUnavailable);
  });

  test('property: any text gives a boolean or FactUnavailable', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (out) => {
        try {
          expect(typeof parseLocalAccounts(out)).toBe('boolean');
        } catch (e) {
          expect(e).toBeInstanceOf(FactUnavailable);
        }
      }),
    );
  });
});
