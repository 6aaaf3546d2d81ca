import { describe, expect, test } from 'vitest';
import type { DiskEncryptionFact, PostureFacts } from '../posture/facts.js';
import type { CheckStatus } from './contract.js';
import { runCheck } from './registry.js';
import { contextOf, errorFact, expectWellFormed, ok, unknownFact } from './test-context.js';

const disk = (fact: DiskEncryptionFact): PostureFacts => ({ diskEncryption: ok(fact) });

describe('disk-encryption', () => {
  test.each<[string, PostureFacts, CheckStatus, string]>([
    ['BitLocker on with protection on', disk({ systemVolumeProtected: true, volumes: [{ name: 'C:', encrypted: true, protected: true, system: true }] }), 'compliant', 'encrypted and protected'],
    ['LUKS root', disk({ systemVolumeProtected: true }), 'compliant', 'encrypted and protected'],
    [
      'BitLocker encrypted but protection off',
      disk({ systemVolumeProtected: false, volumes: [{ name: 'C:', encrypted: true, protected: false, system: true }] }),
      'non-compliant-major',
      'system volume C: is encrypted but protection is off',
    ],
    ['not encrypted', disk({ systemVolumeProtected: false, volumes: [{ name: 'C:', encrypted: false, protected: false, system: true }] }), 'non-compliant-major', 'system volume is not encrypted'],
    [
      'LUKS on a second disk only',
      disk({ systemVolumeProtected: false, volumes: [{ name: 'sda2', encrypted: false, protected: false, system: true }, { name: 'sdb1', encrypted: true, protected: true, system: false }] }),
      'non-compliant-major',
      'system volume is not encrypted',
    ],
    ['not protected, no volume detail', disk({ systemVolumeProtected: false }), 'non-compliant-major', 'not encrypted'],
    ['no disk encryption fact', {}, 'unknown', 'no disk encryption evidence reported'],
    ['manage-bde timed out', { diskEncryption: unknownFact('manage-bde timed out') }, 'unknown', 'manage-bde timed out'],
    ['manage-bde needs elevation', { diskEncryption: errorFact('ERROR: An attempt to access a required resource was denied') }, 'error', 'access a required resource was denied'],
    ['malformed fact', { diskEncryption: ok({ systemVolumeProtected: 'yes' } as unknown as DiskEncryptionFact) }, 'error', 'malformed disk encryption evidence'],
  ])('%s', (_name, facts, status, reason) => {
    const r = runCheck('disk-encryption', contextOf(facts), {});
    expect(r.status).toBe(status);
    expect(r.reason.en).toContain(reason);
    expectWellFormed(r);
  });

  test('BitLocker suspended: remediation resumes protection on that volume', () => {
    const r = runCheck('disk-encryption', contextOf(disk({ systemVolumeProtected: false, volumes: [{ name: 'C:', encrypted: true, protected: false, system: true }] })), {});
    expect(r.reason.ja).toBe('システム ボリューム C: は暗号化されていますが、保護が無効になっています');
    expect(r.remediation).toHaveLength(1);
    expect(r.remediation[0]?.en).toContain('manage-bde -protectors -enable C:');
    expect(r.remediation[0]?.ja).toContain('C: の保護を再開してください');
  });
});
