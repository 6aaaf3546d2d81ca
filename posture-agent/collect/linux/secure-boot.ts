import { firstOf, type Collector, type HostProbe } from '../contract.js';
import { LINUX_COMMANDS, LINUX_FILES } from './commands.js';
import { parseMokutilSbState, parseSecureBootVar } from './parse/secure-boot.js';
import { unavailable } from './parse/text.js';

async function fromMokutil(host: HostProbe): Promise<boolean> {
  const r = await host.run(LINUX_COMMANDS.mokutilSbState);
  if (r.failure !== undefined) unavailable(`mokutil: ${r.failure}`);
  // mokutil exits non-zero on BIOS machines, with the explanation on stderr: parse both.
  return parseMokutilSbState(`${r.stdout}\n${r.stderr}`);
}

async function fromEfivars(host: HostProbe): Promise<boolean> {
  // No EFI directory: booted by legacy BIOS (see parse/secure-boot.ts for why that is false).
  if ((await host.listDir(LINUX_FILES.efiDir)) === undefined) return false;
  const value = await host.readFile(LINUX_FILES.secureBootVar);
  if (value === undefined) unavailable(`${LINUX_FILES.secureBootVar} is not readable (efivarfs not mounted?)`);
  return parseSecureBootVar(value);
}

export const secureBootCollector: Collector<'secureBoot'> = {
  fact: 'secureBoot',
  describe: 'mokutil --sb-state, else the SecureBoot UEFI variable in efivarfs (no UEFI → off)',
  timeoutMs: 8_000,
  collect: (host) =>
    firstOf([
      { name: 'mokutil', read: () => fromMokutil(host) },
      { name: 'efivars', read: () => fromEfivars(host) },
    ]),
};
