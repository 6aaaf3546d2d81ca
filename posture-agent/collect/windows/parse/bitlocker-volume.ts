/**
 * BitLocker per volume from `Get-BitLockerVolume` (scripts.ts BITLOCKER_VOLUME_SCRIPT), the first
 * choice for disk encryption: JSON with enum names, the same in every display language.
 *
 * Protected means encrypted AND protection on. A fully encrypted volume with protection off
 * (suspended for an update, or device encryption waiting for a Microsoft account to hold the
 * recovery key) has its key stored in the clear on the disk: anyone with the disk can read it.
 */
import { FactUnavailable } from '../../contract.js';
import type { DiskEncryptionFact } from '../../../../policy/posture/facts.js';
import { num, parsePsJson, recordsOf, text } from '../ps-json.js';

type Volume = NonNullable<DiskEncryptionFact['volumes']>[number];

/** Enum name, or its number when the script's formatting was lost. */
const is = (v: unknown, name: string, value: number): boolean =>
  num(v) === value || (typeof v === 'string' && v.trim().toLowerCase() === name.toLowerCase());

export function systemVolumeFact(volumes: Volume[], what: string): DiskEncryptionFact {
  const system = volumes.find((v) => v.system);
  if (system === undefined) throw new FactUnavailable(`${what}: no operating system volume reported`);
  return { systemVolumeProtected: system.encrypted && system.protected, volumes: volumes.slice(0, 64) };
}

export function parseBitLockerVolumes(stdout: string): DiskEncryptionFact {
  const volumes: Volume[] = [];
  for (const v of recordsOf(parsePsJson(stdout, 'Get-BitLockerVolume'), 'Get-BitLockerVolume')) {
    const name = text(v.MountPoint);
    if (!name) continue;
    // VolumeStatus FullyEncrypted (1); "Used space only" volumes also report FullyEncrypted.
    const encrypted = is(v.VolumeStatus, 'FullyEncrypted', 1);
    volumes.push({ name, encrypted, protected: encrypted && is(v.ProtectionStatus, 'On', 1), system: is(v.VolumeType, 'OperatingSystem', 0) });
  }
  return systemVolumeFact(volumes, 'Get-BitLockerVolume');
}
