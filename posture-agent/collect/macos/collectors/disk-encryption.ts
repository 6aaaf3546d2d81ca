import { stdoutOf, type Collector } from '../../contract.js';
import { FDESETUP_STATUS } from '../commands.js';
import { parseFdesetupStatus } from '../parse/fdesetup.js';

export const diskEncryptionCollector: Collector<'diskEncryption'> = {
  fact: 'diskEncryption',
  describe: 'FileVault state of the boot volume (fdesetup status)',
  async collect(host) {
    return parseFdesetupStatus(await stdoutOf(host, FDESETUP_STATUS));
  },
};
