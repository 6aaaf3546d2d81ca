import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { passwordlessAccounts } from './shadow.js';

describe('/etc/shadow → accounts without a password', () => {
  test('an empty password field is passwordless; locked, disabled and hashed ones are not', () => {
    const text = ['root:$y$j9T$abc$def:20050:0:99999:7:::', 'daemon:*:19900:0:99999:7:::', 'sshd:!:19900::::::', 'guest::20050:0:99999:7:::', 'alice:!$y$j9T$x$y:20050:0:99999:7:::', ''].join('\n');
    expect(passwordlessAccounts(text)).toEqual(['guest']);
  });

  test('a file that is not a shadow file, or lists nobody, is unknown rather than "no"', () => {
    expect(() => passwordlessAccounts('')).toThrow(FactUnavailable);
    expect(() => passwordlessAccounts('root:x:0:0:root:/root:/bin/bash\n')).toThrow(FactUnavailable);
  });

  test('property: any text gives a list of names or FactUnavailable, nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(fc.array(fc.string({ maxLength: 8 }), { maxLength: 10 }).map((f) => f.join(':'))).map((l) => l.join('\n'))), (text) => {
        try {
          const names = passwordlessAccounts(text);
          expect(names.every((n) => typeof n === 'string' && n !== '')).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(FactUnavailable);
        }
      }),
    );
  });
});
