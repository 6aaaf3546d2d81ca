import { stdoutOf, type Collector } from '../../contract.js';
import { CSRUTIL_STATUS } from '../commands.js';
import { parseCsrutilStatus } from '../parse/csrutil.js';

export const secureBootCollector: Collector<'secureBoot'> = {
  fact: 'secureBoot',
  describe: 'System Integrity Protection, which stands for secure boot on macOS (csrutil status)',
  async collect(host) {
    return parseCsrutilStatus(await stdoutOf(host, CSRUTIL_STATUS));
  },
};
