import type { Collector } from '../contract.js';
import { FactUnavailable } from '../contract.js';
import { LINUX_FILES } from './commands.js';
import { passwordlessAccounts } from './parse/shadow.js';

/** True when an account logs in without any password (see parse/shadow.ts for why that is this fact). */
export const factoryDefaultPasswordCollector: Collector<'factoryDefaultPassword'> = {
  fact: 'factoryDefaultPassword',
  describe: '/etc/shadow: does any account have an empty password (only the yes/no leaves the device)',
  timeoutMs: 2_000,
  async collect(host) {
    const text = await host.readFile(LINUX_FILES.shadow);
    // Readable by root only: an agent not running as root cannot tell, and says so.
    if (text === undefined) throw new FactUnavailable(`${LINUX_FILES.shadow} is not readable (the agent must run as root)`);
    return passwordlessAccounts(text).length > 0;
  },
};
