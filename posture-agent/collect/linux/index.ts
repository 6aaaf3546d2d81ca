/**
 * The Linux collector set of kenneki-agent: one collector per fact a Linux host can report.
 * `factoryDefaultPassword` is whether an account logs in with no password (parse/shadow.ts).
 */
import type { CollectorSet } from '../contract.js';
import { antivirusCollector } from './antivirus.js';
import { deviceIdCollector } from './device-id.js';
import { diskEncryptionCollector } from './disk-encryption.js';
import { factoryDefaultPasswordCollector } from './factory-default-password.js';
import { firewallCollector } from './firewall.js';
import { ipForwardingCollector } from './ip-forwarding.js';
import { osCollector } from './os.js';
import { packagesCollector } from './packages.js';
import { pendingUpdatesCollector } from './pending-updates.js';
import { secureBootCollector } from './secure-boot.js';

export const linuxCollectors: CollectorSet = {
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
