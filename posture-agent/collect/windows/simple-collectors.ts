/** The Windows facts that are one command each: what each reads is in its describe line. */
import { WINDOWS_COMMANDS as C } from './commands.js';
import { commandCollector } from './command-collector.js';
import { parseFirewall } from './parse/firewall.js';
import { parseIpForwarding } from './parse/ip-forwarding.js';
import { parseLocalAccounts } from './parse/local-accounts.js';
import { parseMachineGuid } from './parse/machine-guid.js';
import { parseOs } from './parse/os.js';
import { parsePackages } from './parse/packages.js';
import { parsePendingUpdates } from './parse/pending-updates.js';
import { parseSecureBoot } from './parse/secure-boot.js';

export const os = commandCollector(
  'os',
  'Registry HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion: ProductName, CurrentBuild + UBR, DisplayVersion',
  C.os,
  parseOs,
);

export const packages = commandCollector(
  'packages',
  'Uninstall registry keys (64-bit, 32-bit and loaded user hives): DisplayName, DisplayVersion',
  C.packages,
  parsePackages,
);

export const pendingUpdates = commandCollector(
  'pendingUpdates',
  "Windows Update Agent search 'IsInstalled=0 and IsHidden=0' (KB, severity, classification) and SystemInfo.RebootRequired",
  C.pendingUpdates,
  parsePendingUpdates,
);

export const firewall = commandCollector(
  'firewall',
  'Get-NetFirewallProfile (active store): Enabled of the Domain, Private and Public profiles',
  C.firewall,
  parseFirewall,
);

export const ipForwarding = commandCollector(
  'ipForwarding',
  'Get-NetIPInterface -AddressFamily IPv4: Forwarding on any interface',
  C.ipForwarding,
  parseIpForwarding,
);

export const secureBoot = commandCollector('secureBoot', 'Confirm-SecureBootUEFI (legacy BIOS reports off)', C.secureBoot, parseSecureBoot);

export const deviceId = commandCollector('deviceId', 'Registry HKLM\\SOFTWARE\\Microsoft\\Cryptography MachineGuid', C.machineGuid, parseMachineGuid);

export const factoryDefaultPassword = commandCollector(
  'factoryDefaultPassword',
  'Get-LocalUser: is an enabled local account allowed to have no password (only the yes/no leaves the device)',
  C.localAccounts,
  parseLocalAccounts,
);
