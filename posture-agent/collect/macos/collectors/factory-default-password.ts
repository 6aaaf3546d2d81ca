import { FactUnavailable, type Collector } from '../../contract.js';
import { GUEST_ACCOUNT_STATUS } from '../commands.js';
import { parseGuestAccount } from '../parse/guest-account.js';

export const factoryDefaultPasswordCollector: Collector<'factoryDefaultPassword'> = {
  fact: 'factoryDefaultPassword',
  describe: 'whether the password-less Guest account is on (sysadminctl -guestAccount status)',
  timeoutMs: 15_000,
  async collect(host) {
    const r = await host.run(GUEST_ACCOUNT_STATUS);
    if (r.failure !== undefined) throw new FactUnavailable(`sysadminctl: ${r.failure}`);
    // The answer is on stderr, whatever the exit code.
    return parseGuestAccount(`${r.stdout}\n${r.stderr}`);
  },
};
