import { firstOf, stdoutOf, type Collector } from '../contract.js';
import { LINUX_COMMANDS } from './commands.js';
import { parseDpkgQuery } from './parse/dpkg-query.js';
import { parseRpmQa } from './parse/rpm-qa.js';

export const packagesCollector: Collector<'packages'> = {
  fact: 'packages',
  describe: 'installed packages: dpkg-query -W (status installed), else rpm -qa with epochs',
  timeoutMs: 40_000,
  collect: (host) =>
    // dpkg first: a Debian host may have rpm installed as a tool, never the other way round.
    firstOf([
      { name: 'dpkg-query', read: async () => parseDpkgQuery(await stdoutOf(host, LINUX_COMMANDS.dpkgQuery)) },
      { name: 'rpm', read: async () => parseRpmQa(await stdoutOf(host, LINUX_COMMANDS.rpmQa)) },
    ]),
};
