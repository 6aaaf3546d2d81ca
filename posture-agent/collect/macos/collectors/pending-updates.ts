import { FactUnavailable, type Collector, type HostProbe } from '../../contract.js';
import { SOFTWAREUPDATE_LIST } from '../commands.js';
import { parseSoftwareUpdateList } from '../parse/softwareupdate.js';
import { hostMajor } from './os-release.js';

/** Without the host's release an offered major upgrade may pass for a patch; better than no list. */
async function majorOrUndefined(host: HostProbe): Promise<number | undefined> {
  try {
    return await hostMajor(host);
  } catch {
    return undefined;
  }
}

export const pendingUpdatesCollector: Collector<'pendingUpdates'> = {
  fact: 'pendingUpdates',
  describe: 'updates Apple offers, security ones by name, and whether they need a restart (softwareupdate -l)',
  // softwareupdate asks Apple's catalog and often takes most of a minute.
  timeoutMs: 100_000,
  async collect(host) {
    const osMajor = await majorOrUndefined(host);
    const r = await host.run(SOFTWAREUPDATE_LIST);
    if (r.failure !== undefined) throw new FactUnavailable(`${SOFTWAREUPDATE_LIST.file}: ${r.failure}`);
    // The list is on stdout, "No new software available." and catalog errors on stderr: both count.
    // A non-zero exit with a readable list still lists; without one the parser says unknown.
    return parseSoftwareUpdateList(`${r.stdout}\n${r.stderr}`, osMajor === undefined ? {} : { osMajor });
  },
};
