/**
 * What the Linux collectors run and read, as data: the command lines, their ids (the keys of a
 * fixture profile) and the files. Parsers never see these; collectors pair the two.
 *
 * Budgets: the quick tools get a few seconds. Package managers get more, because a cold page cache
 * on a laptop makes `apt-get -s` or `rpm -qa` take several seconds (2.7 s warm on the reference VM).
 */
import type { CommandSpec } from '../contract.js';

export const LINUX_COMMANDS = {
  unameRelease: { id: 'linux.uname-r', file: 'uname', args: ['-r'], timeoutMs: 2_000 },
  unameMachine: { id: 'linux.uname-m', file: 'uname', args: ['-m'], timeoutMs: 2_000 },

  // ${Package}, not ${binary:Package}: definitions feeds name packages without `:amd64`; the
  // copies of a Multi-Arch: same package (libc6 amd64 + i386) collapse into one entry.
  dpkgQuery: {
    id: 'linux.dpkg-query',
    file: 'dpkg-query',
    args: ['-W', '-f', '${db:Status-Abbrev}\t${Package}\t${Version}\n'],
    timeoutMs: 30_000,
  },
  rpmQa: { id: 'linux.rpm-qa', file: 'rpm', args: ['-qa', '--qf', '%{NAME}\t%{EPOCH}\t%{VERSION}-%{RELEASE}\n'], timeoutMs: 30_000 },

  // dist-upgrade, not upgrade: `upgrade` keeps back updates that need a new package, and the
  // kernel's security updates are exactly those (a new linux-image-<abi> package each time).
  // Simulation only; NoLocking lets it run beside an apt that holds the lock.
  aptSimulate: { id: 'linux.apt-get-simulate', file: 'apt-get', args: ['-s', '-o', 'Debug::NoLocking=1', 'dist-upgrade'], timeoutMs: 60_000 },
  // -C (cache only): as apt-get -s reads the last `apt update`, dnf reads the last makecache; a
  // metadata refresh from the agent could take minutes and hit the network on every assessment.
  dnfCheckUpdate: { id: 'linux.dnf-check-update', file: 'dnf', args: ['-q', '-C', 'check-update'], timeoutMs: 60_000 },
  dnfSecurity: { id: 'linux.dnf-updateinfo-security', file: 'dnf', args: ['-q', '-C', 'updateinfo', 'list', '--security'], timeoutMs: 60_000 },
  needsRestarting: { id: 'linux.needs-restarting', file: 'needs-restarting', args: ['-r'], timeoutMs: 30_000 },

  // Text, not `--output json`: the text keys are the ones Microsoft documents for `mdatp health`.
  mdatpHealth: { id: 'linux.mdatp-health', file: 'mdatp', args: ['health'], timeoutMs: 15_000 },

  ufwStatus: { id: 'linux.ufw-status', file: 'ufw', args: ['status'], timeoutMs: 5_000 },
  firewalldState: { id: 'linux.firewall-cmd-state', file: 'firewall-cmd', args: ['--state'], timeoutMs: 5_000 },
  nftRuleset: { id: 'linux.nft-ruleset', file: 'nft', args: ['-j', 'list', 'ruleset'], timeoutMs: 5_000 },
  iptablesInput: { id: 'linux.iptables-input', file: 'iptables', args: ['-S', 'INPUT'], timeoutMs: 5_000 },

  // util-linux < 2.37 has no MOUNTPOINTS column and rejects the whole command: then the legacy one.
  lsblk: { id: 'linux.lsblk', file: 'lsblk', args: ['-J', '-o', 'NAME,TYPE,MOUNTPOINT,MOUNTPOINTS'], timeoutMs: 5_000 },
  lsblkLegacy: { id: 'linux.lsblk-legacy', file: 'lsblk', args: ['-J', '-o', 'NAME,TYPE,MOUNTPOINT'], timeoutMs: 5_000 },

  mokutilSbState: { id: 'linux.mokutil-sb-state', file: 'mokutil', args: ['--sb-state'], timeoutMs: 5_000 },
} as const satisfies Record<string, CommandSpec>;

/** Exit codes other than 0 that still carry an answer. */
export const DNF_CHECK_UPDATE_CODES = [0, 100] as const; // 100: updates are available
export const FIREWALLD_STATE_CODES = [0, 252] as const; // 252: not running

export const LINUX_FILES = {
  osRelease: '/etc/os-release',
  osReleaseVendor: '/usr/lib/os-release',
  debianVersion: '/etc/debian_version',
  rebootRequired: '/var/run/reboot-required',
  proc: '/proc',
  clamavSignatures: ['/var/lib/clamav/daily.cvd', '/var/lib/clamav/daily.cld'],
  ipv4Forward: '/proc/sys/net/ipv4/ip_forward',
  ipv6Forward: '/proc/sys/net/ipv6/conf/all/forwarding',
  efiDir: '/sys/firmware/efi',
  secureBootVar: '/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c',
  machineId: ['/etc/machine-id', '/var/lib/dbus/machine-id'],
  shadow: '/etc/shadow',
} as const;

/** Process names (/proc/<pid>/comm, at most 15 characters) of the antivirus daemons. */
export const CLAMAV_PROCESSES = { scanner: ['clamd'], updater: ['freshclam'] } as const;
