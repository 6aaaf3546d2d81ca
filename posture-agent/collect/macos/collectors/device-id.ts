import { stdoutOf, type Collector } from '../../contract.js';
import { IOREG_PLATFORM_EXPERT } from '../commands.js';
import { parseIoregPlatformUuid } from '../parse/ioreg.js';

export const deviceIdCollector: Collector<'deviceId'> = {
  fact: 'deviceId',
  describe: 'hardware UUID (ioreg IOPlatformExpertDevice IOPlatformUUID)',
  async collect(host) {
    return parseIoregPlatformUuid(await stdoutOf(host, IOREG_PLATFORM_EXPERT));
  },
};
