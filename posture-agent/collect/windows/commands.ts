/**
 * The commands, by the ids fixtures and profiles answer to. Budgets: PowerShell's cold start plus
 * the query; the Windows Update search goes online and can take a minute.
 */
import { powershell } from './powershell.js';
import * as s from './scripts.js';

export const WINDOWS_COMMANDS = {
  os: powershell('os', s.OS_SCRIPT),
  packages: powershell('packages', s.PACKAGES_SCRIPT, 30_000),
  pendingUpdates: powershell('pending-updates', s.PENDING_UPDATES_SCRIPT, 90_000),
  securityCenterAv: powershell('security-center-av', s.SECURITY_CENTER_AV_SCRIPT),
  defenderStatus: powershell('defender-status', s.DEFENDER_STATUS_SCRIPT),
  avServices: powershell('av-services', s.AV_SERVICES_SCRIPT),
  firewall: powershell('firewall', s.FIREWALL_SCRIPT),
  bitlockerVolume: powershell('bitlocker-volume', s.BITLOCKER_VOLUME_SCRIPT),
  manageBde: powershell('manage-bde', s.MANAGE_BDE_SCRIPT, 20_000),
  ipForwarding: powershell('ip-forwarding', s.IP_FORWARDING_SCRIPT),
  secureBoot: powershell('secure-boot', s.SECURE_BOOT_SCRIPT),
  machineGuid: powershell('machine-guid', s.MACHINE_GUID_SCRIPT),
  localAccounts: powershell('local-accounts', s.PASSWORDLESS_ACCOUNTS_SCRIPT),
} as const;
