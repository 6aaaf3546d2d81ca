/**
 * Every command and path the macOS collectors read, in one place: what the agent runs on a Mac is
 * data, reviewable at a glance (seed 000: say what is collected), and the ids are the keys of the
 * recorded fixtures and HostProfiles.
 *
 * Absolute paths, because commands run without a shell and a PATH we do not control could put
 * something else first. Budgets follow what the tools really take: `softwareupdate -l` asks Apple's
 * servers and often needs most of a minute; `system_profiler` walks every app bundle on disk.
 */
import type { CommandSpec } from '../contract.js';

export const SW_VERS: CommandSpec = { id: 'macos.sw-vers', file: '/usr/bin/sw_vers', args: [], timeoutMs: 5_000 };

export const UNAME_MACHINE: CommandSpec = { id: 'macos.uname-machine', file: '/usr/bin/uname', args: ['-m'], timeoutMs: 5_000 };

export const SYSTEM_PROFILER_APPS: CommandSpec = {
  id: 'macos.system-profiler-apps',
  file: '/usr/sbin/system_profiler',
  args: ['SPApplicationsDataType', '-json', '-detailLevel', 'mini'],
  timeoutMs: 60_000,
};

export const SOFTWAREUPDATE_LIST: CommandSpec = { id: 'macos.softwareupdate-list', file: '/usr/sbin/softwareupdate', args: ['-l'], timeoutMs: 90_000 };

/** macOS 15 and later: the tool that knows which XProtect bundle is actually in use. */
export const XPROTECT_VERSION: CommandSpec = { id: 'macos.xprotect-version', file: '/usr/bin/xprotect', args: ['version'], timeoutMs: 10_000 };

/** Where XProtect lives since macOS 15 (updated over iCloud); the old place may hold a stale copy there. */
export const XPROTECT_PLIST_SEQUOIA = '/var/protected/xprotect/XProtect.bundle/Contents/Info.plist';
/** Where XProtect lives up to macOS 14 (updated by softwareupdate). */
export const XPROTECT_PLIST_LEGACY = '/Library/Apple/System/Library/CoreServices/XProtect.bundle/Contents/Info.plist';

/** For a binary Info.plist, which a plain read cannot parse. `defaults` wants the path without `.plist`. */
export const XPROTECT_DEFAULTS: CommandSpec = {
  id: 'macos.xprotect-defaults',
  file: '/usr/bin/defaults',
  args: ['read', XPROTECT_PLIST_LEGACY.replace(/\.plist$/, ''), 'CFBundleShortVersionString'],
  timeoutMs: 5_000,
};

export const SOCKETFILTERFW_GLOBALSTATE: CommandSpec = {
  id: 'macos.socketfilterfw-globalstate',
  file: '/usr/libexec/ApplicationFirewall/socketfilterfw',
  args: ['--getglobalstate'],
  timeoutMs: 5_000,
};

/** Application Firewall preferences up to macOS 14 only: macOS 15 removed the plist (see firewall collector). */
export const ALF_GLOBALSTATE: CommandSpec = {
  id: 'macos.alf-globalstate',
  file: '/usr/bin/defaults',
  args: ['read', '/Library/Preferences/com.apple.alf', 'globalstate'],
  timeoutMs: 5_000,
};

export const FDESETUP_STATUS: CommandSpec = { id: 'macos.fdesetup-status', file: '/usr/bin/fdesetup', args: ['status'], timeoutMs: 10_000 };

export const SYSCTL_IP_FORWARDING: CommandSpec = {
  id: 'macos.sysctl-ip-forwarding',
  file: '/usr/sbin/sysctl',
  args: ['-n', 'net.inet.ip.forwarding'],
  timeoutMs: 5_000,
};

export const CSRUTIL_STATUS: CommandSpec = { id: 'macos.csrutil-status', file: '/usr/bin/csrutil', args: ['status'], timeoutMs: 5_000 };

export const IOREG_PLATFORM_EXPERT: CommandSpec = {
  id: 'macos.ioreg-platform-expert',
  file: '/usr/sbin/ioreg',
  args: ['-rd1', '-c', 'IOPlatformExpertDevice'],
  timeoutMs: 10_000,
};

/** The Guest account logs in with no password: macOS's form of the "factory default password" hazard. */
export const GUEST_ACCOUNT_STATUS: CommandSpec = { id: 'macos.guest-account', file: '/usr/sbin/sysadminctl', args: ['-guestAccount', 'status'], timeoutMs: 10_000 };
