import type { Collector } from '../contract.js';
import { LINUX_FILES } from './commands.js';
import { parseProcFlag } from './parse/proc-flag.js';
import { unavailable } from './parse/text.js';

export const ipForwardingCollector: Collector<'ipForwarding'> = {
  fact: 'ipForwarding',
  describe: '/proc/sys/net/ipv4/ip_forward and /proc/sys/net/ipv6/conf/all/forwarding (either on → on)',
  timeoutMs: 2_000,
  async collect(host) {
    const [v4, v6] = await Promise.all([host.readFile(LINUX_FILES.ipv4Forward), host.readFile(LINUX_FILES.ipv6Forward)]);
    if (v4 === undefined) unavailable(`${LINUX_FILES.ipv4Forward} is not readable`);
    // A kernel booted with ipv6.disable=1 has no ipv6 tree: it forwards no IPv6 either.
    return parseProcFlag(v4, 'ip_forward') || (v6 !== undefined && parseProcFlag(v6, 'ipv6 forwarding'));
  },
};
