import { stdoutOf, type Collector } from '../../contract.js';
import { SYSCTL_IP_FORWARDING } from '../commands.js';
import { parseSysctlFlag } from '../parse/sysctl-flag.js';

export const ipForwardingCollector: Collector<'ipForwarding'> = {
  fact: 'ipForwarding',
  describe: 'IPv4 forwarding (sysctl net.inet.ip.forwarding)',
  async collect(host) {
    return parseSysctlFlag(await stdoutOf(host, SYSCTL_IP_FORWARDING));
  },
};
