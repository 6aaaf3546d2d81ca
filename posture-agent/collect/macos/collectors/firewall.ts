/**
 * The Application Firewall. socketfilterfw first; the com.apple.alf plist only on macOS 14 and
 * earlier: macOS 15 dropped it, and on a Mac upgraded from 14 a leftover copy would report a
 * setting the firewall no longer reads. When the release is unknown the plist is not trusted either.
 */
import { FactUnavailable, firstOf, stdoutOf, type Collector } from '../../contract.js';
import { ALF_GLOBALSTATE, SOCKETFILTERFW_GLOBALSTATE } from '../commands.js';
import { parseAlfGlobalState, parseSocketFilterGlobalState } from '../parse/firewall-state.js';
import { hostMajor } from './os-release.js';

/** The first release without /Library/Preferences/com.apple.alf.plist. */
const ALF_PLIST_GONE_IN = 15;

export const firewallCollector: Collector<'firewall'> = {
  fact: 'firewall',
  describe: 'Application Firewall global state (socketfilterfw --getglobalstate; com.apple.alf up to macOS 14)',
  async collect(host) {
    const enabled = await firstOf<boolean>([
      { name: 'socketfilterfw', read: async () => parseSocketFilterGlobalState(await stdoutOf(host, SOCKETFILTERFW_GLOBALSTATE)) },
      {
        name: 'com.apple.alf',
        read: async () => {
          const major = await hostMajor(host);
          if (major >= ALF_PLIST_GONE_IN) throw new FactUnavailable(`not read on macOS ${major}, which has no such plist`);
          return parseAlfGlobalState(await stdoutOf(host, ALF_GLOBALSTATE));
        },
      },
    ]);
    // macOS has one firewall setting for every network, unlike Windows' per-profile ones.
    return { profiles: [{ name: 'default', enabled }] };
  },
};
