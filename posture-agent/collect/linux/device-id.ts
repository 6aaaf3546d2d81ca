import { firstOf, type Collector } from '../contract.js';
import { LINUX_FILES } from './commands.js';
import { parseMachineId } from './parse/machine-id.js';

export const deviceIdCollector: Collector<'deviceId'> = {
  fact: 'deviceId',
  describe: '/etc/machine-id, else /var/lib/dbus/machine-id',
  timeoutMs: 2_000,
  // Systems older than systemd, and some containers, keep the id only in dbus's copy.
  collect: (host) =>
    firstOf(
      LINUX_FILES.machineId.map((path) => ({
        name: path,
        read: async () => {
          const text = await host.readFile(path);
          return text === undefined ? undefined : parseMachineId(text);
        },
      })),
    ),
};
