import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { schemaErrors } from '../fact-schema.test-helper.js';
import { fixture } from '../fixtures.test-helper.js';
import { parseBitLockerVolumes } from './bitlocker-volume.js';
import { parseManageBde } from './manage-bde.js';

const C = (encrypted: boolean, prot: boolean) => ({ name: 'C:', encrypted, protected: prot, system: true });

describe('parseBitLockerVolumes', () => {
  test.each([
    // A laptop with only C: — one object, not an array.
    ['bitlocker-volume/protected-single.json', { systemVolumeProtected: true, volumes: [C(true, true)] }],
    // Fully encrypted, protection off: NOT protected.
    [
      'bitlocker-volume/encrypted-protection-off.json',
      { systemVolumeProtected: false, volumes: [C(true, false), { name: 'D:', encrypted: false, protected: false, system: false }] },
    ],
    [
      'bitlocker-volume/ps51-numeric.json',
      { systemVolumeProtected: true, volumes: [C(true, true), { name: 'E:', encrypted: false, protected: false, system: false }] },
    ],
  ])('%s', (path, expected) => {
    const fact = parseBitLockerVolumes(fixture(path));
    expect(fact).toEqual(expected);
    expect(schemaErrors('diskEncryption', fact)).toEqual([]);
  });

  test('no operating system volume', () => {
    expect(() => parseBitLockerVolumes('{"MountPoint":"D:","VolumeType":"Data","VolumeStatus":"FullyEncrypted","ProtectionStatus":"On"}')).toThrow(
      /no operating system volume/,
    );
  });
});

describe('parseManageBde', () => {
  test.each([
    ['manage-bde/protected.txt', { systemVolumeProtected: true, volumes: [C(true, true)] }],
    // Suspended for an update: encrypted, protection off until the reboot count runs out.
    ['manage-bde/suspended.txt', { systemVolumeProtected: false, volumes: [C(true, false)] }],
    // Device encryption waiting for activation: used-space encrypted, key in the clear.
    ['manage-bde/awaiting-activation.txt', { systemVolumeProtected: false, volumes: [C(true, false)] }],
    [
      'manage-bde/not-encrypted-two-volumes.txt',
      { systemVolumeProtected: false, volumes: [C(false, false), { name: 'D:', encrypted: true, protected: true, system: false }] },
    ],
  ])('%s', (path, expected) => {
    const fact = parseManageBde(fixture(path));
    expect(fact).toEqual(expected);
    expect(schemaErrors('diskEncryption', fact)).toEqual([]);
  });

  test('the access-denied text has no volume', () => {
    expect(() => parseManageBde(fixture('manage-bde/access-denied.txt'))).toThrow(FactUnavailable);
  });

  test('localised output is unknown, not guessed (synthetic, not a recording)', () => {
    const german = 'Volume C: [OSDisk]\r\n[Betriebssystemvolume]\r\n\r\n    Konvertierungsstatus: Vollständig verschlüsselt\r\n    Schutzstatus:         Der Schutz ist aktiviert.\r\n';
    expect(() => parseManageBde(german)).toThrow(/only English output/);
  });
});
