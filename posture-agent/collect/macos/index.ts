/**
 * The macOS collectors: one per fact, each reading the host only through a HostProbe, so the same
 * code runs on a Mac and on recorded output (fixtures/). Every command is listed in commands.ts.
 */
import type { CollectorSet } from '../contract.js';
import { antivirusCollector } from './collectors/antivirus.js';
import { deviceIdCollector } from './collectors/device-id.js';
import { diskEncryptionCollector } from './collectors/disk-encryption.js';
import { factoryDefaultPasswordCollector } from './collectors/factory-default-password.js';
import { firewallCollector } from './collectors/firewall.js';
import { ipForwardingCollector } from './collectors/ip-forwarding.js';
import { osCollector } from './collectors/os.js';
import { packagesCollector } from './collectors/packages.js';
import { pendingUpdatesCollector } from './collectors/pending-updates.js';
import { secureBootCollector } from './collectors/secure-boot.js';

export const macosCollectors: CollectorSet = {
  os: osCollector,
  packages: packagesCollector,
  pendingUpdates: pendingUpdatesCollector,
  antivirus: antivirusCollector,
  firewall: firewallCollector,
  diskEncryption: diskEncryptionCollector,
  ipForwarding: ipForwardingCollector,
  secureBoot: secureBootCollector,
  deviceId: deviceIdCollector,
  factoryDefaultPassword: factoryDefaultPasswordCollector,
};
