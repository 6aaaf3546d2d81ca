import type { Collector, HostProbe } from '../contract.js';
import { LINUX_COMMANDS, LINUX_FILES } from './commands.js';
import { unavailable } from './parse/text.js';
import { toOsFact } from './parse/os-release.js';

/** uname is informational: a failure leaves build or arch out instead of failing the fact. */
async function optionalStdout(host: HostProbe, cmd: (typeof LINUX_COMMANDS)['unameRelease' | 'unameMachine']): Promise<string | undefined> {
  const r = await host.run(cmd);
  return r.failure === undefined && r.code === 0 ? r.stdout : undefined;
}

export const osCollector: Collector<'os'> = {
  fact: 'os',
  describe: 'ID and VERSION_ID from /etc/os-release (Debian: point release from /etc/debian_version), uname -r, uname -m',
  timeoutMs: 5_000,
  async collect(host) {
    // os-release(5): /etc/os-release first, /usr/lib/os-release when /etc has none.
    const osRelease = (await host.readFile(LINUX_FILES.osRelease)) ?? (await host.readFile(LINUX_FILES.osReleaseVendor));
    if (osRelease === undefined) unavailable('neither /etc/os-release nor /usr/lib/os-release exists');
    const [debianVersion, release, machine] = await Promise.all([
      host.readFile(LINUX_FILES.debianVersion),
      optionalStdout(host, LINUX_COMMANDS.unameRelease),
      optionalStdout(host, LINUX_COMMANDS.unameMachine),
    ]);
    return toOsFact(osRelease, debianVersion, { release, machine });
  },
};
