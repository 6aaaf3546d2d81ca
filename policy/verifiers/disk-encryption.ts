/**
 * The system volume must be encrypted with protection on. BitLocker can be encrypted yet
 * suspended ("Protection Off", the key stored in the clear); that is not protected.
 */
import type { DiskEncryptionFact } from '../posture/facts.js';
import { evidenceOf, type Check, type LocalizedText } from './contract.js';
import { compliant, failing, isRecord, malformed, readFact } from './evidence.js';
import { listOf } from './messages.js';

const ID = 'disk-encryption';

export const diskEncryptionCheck: Check<'disk-encryption'> = {
  id: ID,
  reads: ['diskEncryption'],
  evaluate(ctx) {
    const read = readFact(ID, ctx.facts, 'diskEncryption');
    if (!read.ok) return read.result;
    const fact = read.value;
    if (!isRecord(fact) || typeof fact.systemVolumeProtected !== 'boolean') return malformed(ID, ctx.facts, 'diskEncryption');
    const evidence = evidenceOf(ctx.facts, 'diskEncryption') ?? [];
    if (fact.systemVolumeProtected) {
      return compliant(ID, { en: 'system volume is encrypted and protected', ja: 'システム ボリュームは暗号化され、保護されています' }, evidence);
    }

    const suspended = suspendedSystemVolumes(fact);
    if (suspended.length > 0) {
      const names = listOf(suspended);
      return failing(
        ID,
        'non-compliant-major',
        {
          en: `system volume ${names.en} is encrypted but protection is off`,
          ja: `システム ボリューム ${names.ja} は暗号化されていますが、保護が無効になっています`,
        },
        suspended.map(
          (v): LocalizedText => ({
            en: `Resume protection on ${v} (BitLocker: manage-bde -protectors -enable ${v}, or Resume-BitLocker -MountPoint "${v}").`,
            ja: `${v} の保護を再開してください（BitLocker の場合: manage-bde -protectors -enable ${v}、または Resume-BitLocker -MountPoint "${v}"）。`,
          }),
        ),
        evidence,
      );
    }
    return failing(
      ID,
      'non-compliant-major',
      { en: 'system volume is not encrypted', ja: 'システム ボリュームが暗号化されていません' },
      [
        {
          en: 'Turn on full-disk encryption for the system volume (BitLocker on Windows, FileVault on macOS, LUKS on Linux).',
          ja: 'システム ボリュームのディスク全体の暗号化を有効にしてください（Windows は BitLocker、macOS は FileVault、Linux は LUKS）。',
        },
        {
          en: 'Keep the recovery key where your IT administrator asks you to.',
          ja: '回復キーは IT 管理者の指示に従って保管してください。',
        },
      ],
      evidence,
    );
  },
};

function suspendedSystemVolumes(fact: DiskEncryptionFact): string[] {
  if (!Array.isArray(fact.volumes)) return [];
  return fact.volumes
    .filter((v) => isRecord(v) && v.system === true && v.encrypted === true && v.protected !== true)
    .map((v) => String(v.name));
}
