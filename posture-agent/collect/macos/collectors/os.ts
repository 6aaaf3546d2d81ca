import type { OsFact } from '../../../../policy/posture/facts.js';
import { stdoutOf, type Collector } from '../../contract.js';
import { UNAME_MACHINE } from '../commands.js';
import { parseUnameMachine } from '../parse/sw-vers.js';
import { readSwVers } from './os-release.js';

export const osCollector: Collector<'os'> = {
  fact: 'os',
  describe: 'macOS version and build (sw_vers), machine architecture (uname -m)',
  async collect(host) {
    const sw = await readSwVers(host);
    const fact: OsFact = { family: 'macos', product: 'macOS', version: sw.productVersion };
    if (sw.buildVersion !== undefined) fact.build = sw.buildVersion;
    // The architecture is informational: its absence must not cost the version.
    try {
      fact.arch = parseUnameMachine(await stdoutOf(host, UNAME_MACHINE));
    } catch {
      /* arch stays unset */
    }
    return fact;
  },
};
