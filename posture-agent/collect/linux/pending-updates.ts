import type { PendingUpdatesFact } from '../../../policy/posture/facts.js';
import { firstOf, stdoutOf, type Collector, type HostProbe } from '../contract.js';
import { DNF_CHECK_UPDATE_CODES, LINUX_COMMANDS, LINUX_FILES } from './commands.js';
import { parseAptSimulate } from './parse/apt-simulate.js';
import { parseDnfCheckUpdate, parseDnfSecurity } from './parse/dnf-updates.js';

async function fromApt(host: HostProbe): Promise<PendingUpdatesFact> {
  const updates = parseAptSimulate(await stdoutOf(host, LINUX_COMMANDS.aptSimulate));
  // Debian and Ubuntu packages (kernel, libc, dbus) drop this file in their postinst; its
  // absence on an apt host is the "no reboot pending" answer.
  const rebootRequired = (await host.mtime(LINUX_FILES.rebootRequired)) !== undefined;
  return { updates, rebootRequired };
}

async function fromDnf(host: HostProbe): Promise<PendingUpdatesFact> {
  const all = await stdoutOf(host, LINUX_COMMANDS.dnfCheckUpdate, DNF_CHECK_UPDATE_CODES);
  const security = parseDnfSecurity(await stdoutOf(host, LINUX_COMMANDS.dnfSecurity));
  const fact: PendingUpdatesFact = { updates: parseDnfCheckUpdate(all, security) };
  // needs-restarting -r (dnf-utils): exit 1 = reboot needed, 0 = not; absent → left unsaid.
  const reboot = await host.run(LINUX_COMMANDS.needsRestarting);
  if (reboot.failure === undefined && (reboot.code === 0 || reboot.code === 1)) fact.rebootRequired = reboot.code === 1;
  return fact;
}

export const pendingUpdatesCollector: Collector<'pendingUpdates'> = {
  fact: 'pendingUpdates',
  describe: 'apt-get -s dist-upgrade (security = offered from a -security archive) and /var/run/reboot-required; else dnf check-update + updateinfo --security and needs-restarting -r',
  timeoutMs: 90_000,
  collect: (host) =>
    firstOf([
      { name: 'apt-get -s', read: () => fromApt(host) },
      { name: 'dnf', read: () => fromDnf(host) },
    ]),
};
