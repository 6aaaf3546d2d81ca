import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { fixture } from '../testing/fixtures.js';
import { parseFdesetupStatus } from './fdesetup.js';

const boot = (encrypted: boolean, keyProtected: boolean) => [{ name: '/', encrypted, protected: keyProtected, system: true }];

describe('parseFdesetupStatus', () => {
  test.each([
    ['on.txt', true, boot(true, true)],
    ['off.txt', false, boot(false, false)],
    ['encrypting.txt', false, boot(false, true)],
    ['encrypting-pending.txt', false, boot(false, true)],
    ['decrypting.txt', false, boot(false, false)],
    ['off-deferred.txt', false, boot(false, false)],
    ['on-restart-needed.txt', false, boot(false, false)],
  ])('%s', (name, systemVolumeProtected, volumes) => {
    expect(parseFdesetupStatus(fixture(`fdesetup/${name}`))).toEqual({ systemVolumeProtected, volumes });
  });

  test('encryption progress without a state line', () => {
    expect(parseFdesetupStatus('Encryption in progress: Percent completed = 31.2\n')).toEqual({ systemVolumeProtected: false, volumes: boot(false, true) });
  });

  test.each([[''], ['Error: Unable to determine FileVault status.\n']])('unknown: %j', (text) => {
    expect(() => parseFdesetupStatus(text)).toThrow(FactUnavailable);
  });
});
