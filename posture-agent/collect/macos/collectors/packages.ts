import { stdoutOf, type Collector } from '../../contract.js';
import { SYSTEM_PROFILER_APPS } from '../commands.js';
import { parseApplications } from '../parse/system-profiler-apps.js';

export const packagesCollector: Collector<'packages'> = {
  fact: 'packages',
  describe: 'installed applications, name and version (system_profiler SPApplicationsDataType)',
  // system_profiler's own budget plus room to parse a large inventory.
  timeoutMs: 75_000,
  async collect(host) {
    return { manager: 'system_profiler', packages: parseApplications(await stdoutOf(host, SYSTEM_PROFILER_APPS)) };
  },
};
