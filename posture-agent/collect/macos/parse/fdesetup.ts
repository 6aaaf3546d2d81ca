/**
 * `fdesetup status` → FileVault on the boot volume.
 *
 * Protected means what BitLocker's "Protection On" means (DiskEncryptionFact): the whole volume is
 * encrypted AND unlocking needs a user's secret. So only a settled "FileVault is On." counts.
 * - "Encryption in progress" (a percentage, or "Pending" on battery): the key is already wrapped,
 *   but part of the data is still plain on disk, so not yet protected. It settles by itself and
 *   the next reassessment sees it; a policy can allow it for a grace period.
 * - "Decryption in progress": FileVault is being turned off.
 * - "FileVault is Off" with deferred enablement, or "On, but … restart": the change only happens
 *   at the next restart, so nothing is protected yet.
 */
import type { DiskEncryptionFact } from '../../../../policy/posture/facts.js';
import { FactUnavailable } from '../../contract.js';

/** fdesetup speaks only of the boot volume, which has no name in its output. */
const BOOT_VOLUME = '/';

export function parseFdesetupStatus(text: string): DiskEncryptionFact {
  const state = /FileVault is (On|Off)\b(.*)/i.exec(text);
  const encrypting = /Encryption in progress/i.test(text);
  const decrypting = /Decryption in progress/i.test(text);
  if (state === null && !encrypting && !decrypting) throw new FactUnavailable('fdesetup printed no FileVault state');

  const on = state !== null && /^on$/i.test(state[1] as string);
  const pendingRestart = state !== null && /restart/i.test(state[2] ?? '');
  const encrypted = on && !encrypting && !decrypting && !pendingRestart;
  // While encrypting, the volume key is already wrapped (unlocking needs a password); the data is
  // not all encrypted yet. fdesetup may print the progress line alone, without "FileVault is On".
  const keyProtected = encrypted || (encrypting && !decrypting && (on || state === null));
  return {
    systemVolumeProtected: encrypted,
    volumes: [{ name: BOOT_VOLUME, encrypted, protected: keyProtected, system: true }],
  };
}
