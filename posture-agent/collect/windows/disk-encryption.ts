/**
 * BitLocker: Get-BitLockerVolume first (language-independent JSON), manage-bde as the fallback
 * (English output only; see parse/manage-bde.ts).
 */
import { firstOf, stdoutOf, type Collector } from '../contract.js';
import { WINDOWS_COMMANDS as C } from './commands.js';
import { budgetOf } from './command-collector.js';
import { parseBitLockerVolumes } from './parse/bitlocker-volume.js';
import { parseManageBde } from './parse/manage-bde.js';

export const diskEncryption: Collector<'diskEncryption'> = {
  fact: 'diskEncryption',
  describe: 'BitLocker per volume: Get-BitLockerVolume, else manage-bde -status (system volume protected = encrypted and protection on)',
  timeoutMs: budgetOf(C.bitlockerVolume, C.manageBde),
  collect: (host) =>
    firstOf([
      { name: 'Get-BitLockerVolume', read: async () => parseBitLockerVolumes(await stdoutOf(host, C.bitlockerVolume)) },
      { name: 'manage-bde', read: async () => parseManageBde(await stdoutOf(host, C.manageBde)) },
    ]),
};
