/**
 * The PowerShell each collector runs, as constants: what the agent executes on a customer's machine
 * is reviewable in one place. Each prints JSON (`ConvertTo-Json -Compress`) where PowerShell can,
 * and formats enums as their names ("$($_.Enabled)"), since ConvertTo-Json writes enums as
 * numbers. Parsers still accept the numbers, and the single-object form of a one-item pipeline.
 */
import { AV_SERVICES } from './av-services.js';

/**
 * `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`. CurrentVersion itself says "6.3" on Windows
 * 10 and 11 (frozen for old installers), so the major/minor numbers are read too.
 * PROCESSOR_ARCHITEW6432 is set when this PowerShell is a 32-bit process on a 64-bit OS.
 */
export const OS_SCRIPT = [
  "$k = Get-ItemProperty -LiteralPath 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion'",
  '$arch = if ($env:PROCESSOR_ARCHITEW6432) { $env:PROCESSOR_ARCHITEW6432 } else { $env:PROCESSOR_ARCHITECTURE }',
  '[pscustomobject]@{ ProductName = $k.ProductName; EditionID = $k.EditionID; DisplayVersion = $k.DisplayVersion; ReleaseId = $k.ReleaseId; CurrentMajorVersionNumber = $k.CurrentMajorVersionNumber; CurrentMinorVersionNumber = $k.CurrentMinorVersionNumber; CurrentVersion = $k.CurrentVersion; CurrentBuild = $k.CurrentBuild; UBR = $k.UBR; Architecture = $arch } | ConvertTo-Json -Compress',
].join('; ');

/**
 * Programs and Features' sources: the 64-bit and 32-bit (WOW6432Node) machine-wide keys, and the
 * per-user keys of every loaded user hive (HKCU would be the agent's own SYSTEM account; users who
 * are logged off have no hive loaded, so their per-user installs are not seen).
 */
export const PACKAGES_SCRIPT = [
  "$roots = @('HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall', 'HKLM:\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall')",
  "$roots += @(Get-ChildItem -LiteralPath 'Registry::HKEY_USERS' -ErrorAction SilentlyContinue | ForEach-Object { \"Registry::$($_.Name)\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\" })",
  '$items = foreach ($r in $roots) { if (Test-Path -LiteralPath $r) { Get-ChildItem -LiteralPath $r -ErrorAction SilentlyContinue | ForEach-Object { $p = Get-ItemProperty -LiteralPath $_.PSPath -ErrorAction SilentlyContinue; if ($p.DisplayName) { [pscustomobject]@{ DisplayName = $p.DisplayName; DisplayVersion = $p.DisplayVersion } } } } }',
  'ConvertTo-Json -InputObject @($items) -Depth 4 -Compress',
].join('; ');

/**
 * Windows Update Agent, as Settings → Windows Update sees it. Categories carry their id and type:
 * names are localised, the classification GUIDs and "Product" type are not.
 */
export const PENDING_UPDATES_SCRIPT = [
  '$session = New-Object -ComObject Microsoft.Update.Session',
  "$result = $session.CreateUpdateSearcher().Search('IsInstalled=0 and IsHidden=0')",
  '$updates = foreach ($u in $result.Updates) { [pscustomobject]@{ UpdateID = $u.Identity.UpdateID; Title = $u.Title; KBArticleIDs = @($u.KBArticleIDs); MsrcSeverity = $u.MsrcSeverity; Categories = @(foreach ($c in $u.Categories) { [pscustomobject]@{ Name = $c.Name; CategoryID = $c.CategoryID; Type = $c.Type } }) } }',
  '$reboot = (New-Object -ComObject Microsoft.Update.SystemInfo).RebootRequired',
  'ConvertTo-Json -InputObject ([pscustomobject]@{ RebootRequired = $reboot; Updates = @($updates) }) -Depth 4 -Compress',
].join('; ');

/** Fails with "Invalid namespace" on Windows Server, which has no Security Center. */
export const SECURITY_CENTER_AV_SCRIPT =
  "Get-CimInstance -Namespace 'root/SecurityCenter2' -ClassName AntiVirusProduct | Select-Object displayName, productState, pathToSignedProductExe, timestamp | ConvertTo-Json -Compress";

export const DEFENDER_STATUS_SCRIPT =
  'Get-MpComputerStatus | Select-Object AMServiceEnabled, AntivirusEnabled, RealTimeProtectionEnabled, AMRunningMode, AMProductVersion, AntivirusSignatureVersion, AntivirusSignatureAge, AntivirusSignatureLastUpdated, IsTamperProtected | ConvertTo-Json -Compress';

/** Services that are not installed are skipped silently; none at all prints nothing. */
export const AV_SERVICES_SCRIPT =
  `Get-Service -Name ${AV_SERVICES.map((s) => `'${s.service}'`).join(', ')} -ErrorAction SilentlyContinue | ` +
  "Select-Object Name, DisplayName, @{n='Status';e={\"$($_.Status)\"}}, @{n='StartType';e={\"$($_.StartType)\"}} | ConvertTo-Json -Compress";

/** ActiveStore: the settings in force, Group Policy included, not only the local ones. */
export const FIREWALL_SCRIPT =
  "Get-NetFirewallProfile -PolicyStore ActiveStore | Select-Object Name, @{n='Enabled';e={\"$($_.Enabled)\"}} | ConvertTo-Json -Compress";

/** Needs elevation (the agent runs as SYSTEM); missing on editions without BitLocker. */
export const BITLOCKER_VOLUME_SCRIPT =
  "Get-BitLockerVolume | Select-Object MountPoint, @{n='VolumeType';e={\"$($_.VolumeType)\"}}, @{n='VolumeStatus';e={\"$($_.VolumeStatus)\"}}, @{n='ProtectionStatus';e={\"$($_.ProtectionStatus)\"}}, EncryptionPercentage | ConvertTo-Json -Compress";

/**
 * The fallback: text, localised to the system's display language, so only English output parses.
 * Through PowerShell for $env:SystemDrive (the OS is not always on C:); its exit code is passed on.
 */
export const MANAGE_BDE_SCRIPT = 'manage-bde.exe -status $env:SystemDrive; exit $LASTEXITCODE';

export const IP_FORWARDING_SCRIPT =
  "Get-NetIPInterface -AddressFamily IPv4 | Select-Object InterfaceAlias, InterfaceIndex, @{n='Forwarding';e={\"$($_.Forwarding)\"}} | ConvertTo-Json -Compress";

/**
 * The error is caught and printed as JSON with the exception's type: the message is localised,
 * the type (PlatformNotSupportedException on legacy BIOS, UnauthorizedAccessException when not
 * elevated) is not.
 */
export const SECURE_BOOT_SCRIPT = [
  '$r = $null',
  'try { $r = [pscustomobject]@{ SecureBoot = Confirm-SecureBootUEFI } } catch { $r = [pscustomobject]@{ Error = $_.Exception.GetType().FullName; Message = $_.Exception.Message } }',
  'ConvertTo-Json -InputObject $r -Compress',
].join('; ');

/**
 * The 64-bit view explicitly: a 32-bit PowerShell would be redirected to WOW6432Node, which has no
 * MachineGuid.
 */
export const MACHINE_GUID_SCRIPT =
  "[Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', 'Registry64').OpenSubKey('SOFTWARE\\Microsoft\\Cryptography').GetValue('MachineGuid')";

/**
 * Enabled local accounts that may have no password (PasswordRequired false): the Windows form of
 * IETF's "factory default password" hazard, an account anyone can use without a secret. Only the
 * names and flags are read; on a domain member only local accounts are listed.
 */
export const PASSWORDLESS_ACCOUNTS_SCRIPT =
  'Get-LocalUser | Select-Object Name, Enabled, PasswordRequired | ConvertTo-Json -Depth 2 -Compress';
