/** The Windows collectors: one per fact a Windows endpoint reports. */
import type { CollectorSet } from '../contract.js';
import { antivirus } from './antivirus.js';
import { diskEncryption } from './disk-encryption.js';
import { deviceId, factoryDefaultPassword, firewall, ipForwarding, os, packages, pendingUpdates, secureBoot } from './simple-collectors.js';

export const windowsCollectors: CollectorSet = {
  os,
  packages,
  pendingUpdates,
  antivirus,
  firewall,
  diskEncryption,
  ipForwarding,
  secureBoot,
  deviceId,
  factoryDefaultPassword,
};

export { WINDOWS_COMMANDS } from './commands.js';
