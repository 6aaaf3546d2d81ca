import { firstOf, stdoutOf, type Collector } from '../contract.js';
import { LINUX_COMMANDS } from './commands.js';
import { parseLsblk } from './parse/lsblk.js';

export const diskEncryptionCollector: Collector<'diskEncryption'> = {
  fact: 'diskEncryption',
  describe: 'lsblk -J: is there a crypt (dm-crypt / LUKS) device under the filesystem mounted at /; every mounted volume',
  timeoutMs: 10_000,
  collect: (host) =>
    firstOf([
      { name: 'lsblk', read: async () => parseLsblk(await stdoutOf(host, LINUX_COMMANDS.lsblk)) },
      // util-linux < 2.37 rejects the MOUNTPOINTS column.
      { name: 'lsblk (without MOUNTPOINTS)', read: async () => parseLsblk(await stdoutOf(host, LINUX_COMMANDS.lsblkLegacy)) },
    ]),
};
