/**
 * BitLocker from `manage-bde -status` text (scripts.ts MANAGE_BDE_SCRIPT), the fallback when
 * Get-BitLockerVolume is missing. manage-bde prints in the system's display language and there is
 * no switch for English, so only English output parses; anything else is unknown, never guessed.
 *
 *   Volume C: [OSDisk]
 *   [OS Volume]
 *       Conversion Status:    Fully Encrypted
 *       Protection Status:    Protection Off (1 reboots left)
 */
import { FactUnavailable } from '../../contract.js';
import type { DiskEncryptionFact } from '../../../../policy/posture/facts.js';
import { clip } from '../ps-json.js';
import { systemVolumeFact } from './bitlocker-volume.js';

const VOLUME = /^Volume (\S+)(?: \[.*\])?\s*$/;
const FIELD = /^\s+([A-Za-z][A-Za-z ]*?):\s+(.*?)\s*$/;
/** "Used Space Only Encrypted" is how Windows 10+ reports a volume encrypted in used-space mode. */
const ENCRYPTED = /^(Fully Encrypted|Used Space Only Encrypted)$/i;
const PROTECTED = /^Protection On\b/i;

export function parseManageBde(stdout: string): DiskEncryptionFact {
  const blocks: { name: string; system: boolean; fields: Map<string, string> }[] = [];
  for (const line of stdout.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const volume = VOLUME.exec(line);
    if (volume !== null) {
      blocks.push({ name: clip(volume[1] ?? '', 256), system: false, fields: new Map() });
      continue;
    }
    const current = blocks.at(-1);
    if (current === undefined) continue;
    if (/^\[OS Volume\]\s*$/.test(line)) current.system = true;
    const field = FIELD.exec(line);
    if (field !== null) current.fields.set((field[1] ?? '').toLowerCase(), field[2] ?? '');
  }
  if (blocks.length === 0) throw new FactUnavailable('manage-bde: no volume in the output (only English output is understood)');
  const volumes = blocks.map((b) => {
    const conversion = b.fields.get('conversion status');
    const protection = b.fields.get('protection status');
    if (conversion === undefined || protection === undefined) {
      throw new FactUnavailable(`manage-bde: volume ${b.name} has no Conversion/Protection Status (only English output is understood)`);
    }
    const encrypted = ENCRYPTED.test(conversion);
    return { name: b.name, encrypted, protected: encrypted && PROTECTED.test(protection), system: b.system };
  });
  return systemVolumeFact(volumes, 'manage-bde');
}
