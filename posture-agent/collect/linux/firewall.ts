import type { FirewallFact } from '../../../policy/posture/facts.js';
import { firstOf, stdoutOf, type Collector } from '../contract.js';
import { FIREWALLD_STATE_CODES, LINUX_COMMANDS } from './commands.js';
import { parseFirewalldState, parseIptablesInput, parseUfwStatus } from './parse/firewall-text.js';
import { parseNftRuleset } from './parse/nft-ruleset.js';

const profile = (name: string, enabled: boolean): FirewallFact => ({ profiles: [{ name, enabled }] });

export const firewallCollector: Collector<'firewall'> = {
  fact: 'firewall',
  describe: 'ufw status, else firewall-cmd --state, else nft -j list ruleset (input policy), else iptables -S INPUT',
  timeoutMs: 20_000,
  // The front-ends first: where ufw or firewalld manages the rules, its own state is the answer
  // its admin sees; the rule sets are the fallback for hosts configured by hand.
  collect: (host) =>
    firstOf([
      { name: 'ufw', read: async () => profile('ufw', parseUfwStatus(await stdoutOf(host, LINUX_COMMANDS.ufwStatus))) },
      {
        name: 'firewalld',
        read: async () => profile('firewalld', parseFirewalldState(await stdoutOf(host, LINUX_COMMANDS.firewalldState, FIREWALLD_STATE_CODES))),
      },
      { name: 'nftables', read: async () => profile('nftables', parseNftRuleset(await stdoutOf(host, LINUX_COMMANDS.nftRuleset))) },
      { name: 'iptables', read: async () => profile('iptables', parseIptablesInput(await stdoutOf(host, LINUX_COMMANDS.iptablesInput))) },
    ]),
};
