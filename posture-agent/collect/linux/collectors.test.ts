/** Each collector on recorded hosts (FixtureHost): which sources it reads, in which order, and what it makes of them. */
import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../contract.js';
import { FixtureHost, type HostProfile } from '../fixture-host.js';
import { antivirusCollector } from './antivirus.js';
import { deviceIdCollector } from './device-id.js';
import { diskEncryptionCollector } from './disk-encryption.js';
import { firewallCollector } from './firewall.js';
import { ipForwardingCollector } from './ip-forwarding.js';
import { osCollector } from './os.js';
import { packagesCollector } from './packages.js';
import { pendingUpdatesCollector } from './pending-updates.js';
import { secureBootCollector } from './secure-boot.js';
import { fixture } from './testing/fixtures.js';

const host = (p: Omit<HostProfile, 'platform'>) => new FixtureHost({ platform: 'linux', ...p });

describe('os', () => {
  test('Ubuntu 22.04 with uname', async () => {
    const h = host({
      files: { '/etc/os-release': fixture('os-release.ubuntu2204.txt'), '/etc/debian_version': fixture('debian_version.ubuntu2204.txt') },
      commands: { 'linux.uname-r': { stdout: '5.15.0-125-generic\n' }, 'linux.uname-m': { stdout: 'x86_64\n' } },
    });
    expect(await osCollector.collect(h)).toEqual({ family: 'linux', product: 'ubuntu', version: '22.04', build: '5.15.0-125-generic', arch: 'x86_64' });
  });

  test('RHEL 9 with only /usr/lib/os-release and no uname', async () => {
    const h = host({ files: { '/usr/lib/os-release': fixture('os-release.rhel9.txt') } });
    expect(await osCollector.collect(h)).toEqual({ family: 'linux', product: 'rhel', version: '9.4' });
  });

  test('no os-release at all is unavailable', async () => {
    await expect(osCollector.collect(host({}))).rejects.toThrow(FactUnavailable);
  });
});

describe('packages', () => {
  test('rpm when there is no dpkg-query', async () => {
    const h = host({ commands: { 'linux.rpm-qa': { stdout: fixture('rpm-qa.rhel9.txt') } } });
    const fact = await packagesCollector.collect(h);
    expect(fact.manager).toBe('rpm');
    expect(fact.packages).toContainEqual({ name: 'openssl', version: '1:3.0.7-27.el9' });
    expect(h.ran).toEqual(['linux.dpkg-query', 'linux.rpm-qa']);
  });

  test('neither: unavailable, naming both', async () => {
    await expect(packagesCollector.collect(host({}))).rejects.toThrow(/dpkg-query: dpkg-query: not found; rpm: rpm: not found/);
  });
});

describe('pendingUpdates', () => {
  test('apt with a reboot pending', async () => {
    const h = host({
      commands: { 'linux.apt-get-simulate': { stdout: fixture('apt-get-simulate.debian12.txt') } },
      mtimes: { '/var/run/reboot-required': '2026-11-22T10:00:00Z' },
    });
    const fact = await pendingUpdatesCollector.collect(h);
    expect(fact.rebootRequired).toBe(true);
    expect(fact.updates.filter((u) => u.security).map((u) => u.id)).toEqual(['libssl3', 'openssl']);
  });

  test('dnf: check-update exit 100, security from updateinfo, reboot from needs-restarting', async () => {
    const h = host({
      commands: {
        'linux.dnf-check-update': { stdout: fixture('dnf-check-update.rhel9.txt'), code: 100 },
        'linux.dnf-updateinfo-security': { stdout: fixture('dnf-updateinfo-security.rhel9.txt') },
        'linux.needs-restarting': { stdout: 'Core libraries or services have been updated since boot-up:\n  * kernel\n', code: 1 },
      },
    });
    const fact = await pendingUpdatesCollector.collect(h);
    expect(fact.rebootRequired).toBe(true);
    expect(fact.updates).toHaveLength(6);
    expect(h.ran).toEqual(['linux.apt-get-simulate', 'linux.dnf-check-update', 'linux.dnf-updateinfo-security', 'linux.needs-restarting']);
  });

  test('dnf without needs-restarting leaves rebootRequired unsaid', async () => {
    const h = host({ commands: { 'linux.dnf-check-update': { stdout: '' }, 'linux.dnf-updateinfo-security': { stdout: '' } } });
    expect(await pendingUpdatesCollector.collect(h)).toEqual({ updates: [] });
  });

  test('apt-get failing is unavailable, not "nothing pending"', async () => {
    const h = host({ commands: { 'linux.apt-get-simulate': { stdout: '', stderr: 'E: The package lists or status file could not be parsed or opened.\n', code: 100 } } });
    await expect(pendingUpdatesCollector.collect(h)).rejects.toThrow(/apt-get exited with 100: E: The package lists/);
  });
});

describe('antivirus', () => {
  test('no antivirus at all is an empty product list, a fact', async () => {
    const h = host({ dirs: { '/proc': ['1', '200', 'self'] }, files: { '/proc/1/comm': 'systemd\n', '/proc/200/comm': 'bash\n' } });
    expect(await antivirusCollector.collect(h)).toEqual({ products: [] });
  });

  test('Defender from mdatp health', async () => {
    const h = host({ now: '2026-11-23T17:21:07Z', dirs: { '/proc': ['1'] }, files: { '/proc/1/comm': 'systemd\n' }, commands: { 'linux.mdatp-health': { stdout: fixture('mdatp-health.txt') } } });
    expect((await antivirusCollector.collect(h)).products).toEqual([
      { name: 'Microsoft Defender for Endpoint', running: true, enabled: true, signatureAgeDays: 0.13, signaturesUpdatedAt: '2026-11-23T14:14:07.000Z', tamperProtected: true },
    ]);
  });

  test('mdatp installed but its daemon down: present, not running', async () => {
    const h = host({ dirs: { '/proc': [] }, commands: { 'linux.mdatp-health': { stderr: 'Could not connect to the daemon\n', code: 1 } } });
    expect((await antivirusCollector.collect(h)).products).toEqual([{ name: 'Microsoft Defender for Endpoint', running: false, enabled: false }]);
  });

  test('an unreadable /proc is unavailable', async () => {
    await expect(antivirusCollector.collect(host({}))).rejects.toThrow(FactUnavailable);
  });
});

describe('firewall', () => {
  test.each([
    ['ufw inactive stops the chain', { 'linux.ufw-status': { stdout: fixture('ufw-status.inactive.txt') } }, { name: 'ufw', enabled: false }, ['linux.ufw-status']],
    [
      'ufw as non-root falls through to firewalld "not running" (exit 252)',
      { 'linux.ufw-status': { stdout: '', stderr: 'ERROR: You need to be root to run this script\n', code: 1 }, 'linux.firewall-cmd-state': { stdout: 'not running\n', code: 252 } },
      { name: 'firewalld', enabled: false },
      ['linux.ufw-status', 'linux.firewall-cmd-state'],
    ],
    [
      'nftables when neither front-end is installed',
      { 'linux.nft-ruleset': { stdout: fixture('nft-ruleset.policy-drop.json') } },
      { name: 'nftables', enabled: true },
      ['linux.ufw-status', 'linux.firewall-cmd-state', 'linux.nft-ruleset'],
    ],
    [
      'iptables last',
      { 'linux.nft-ruleset': { stdout: '', stderr: 'Operation not permitted\n', code: 1 }, 'linux.iptables-input': { stdout: fixture('iptables-input.rhel7.txt') } },
      { name: 'iptables', enabled: true },
      ['linux.ufw-status', 'linux.firewall-cmd-state', 'linux.nft-ruleset', 'linux.iptables-input'],
    ],
  ])('%s', async (_name, commands, profile, ran) => {
    const h = host({ commands });
    expect(await firewallCollector.collect(h)).toEqual({ profiles: [profile] });
    expect(h.ran).toEqual(ran);
  });

  test('no tool at all is unavailable', async () => {
    await expect(firewallCollector.collect(host({}))).rejects.toThrow(/ufw: .*not found; firewalld: .*; nftables: .*; iptables: .*not found/);
  });
});

describe('diskEncryption', () => {
  test('LUKS on a second disk only: system volume unprotected', async () => {
    const h = host({ commands: { 'linux.lsblk': { stdout: fixture('lsblk.luks-second-disk.json') } } });
    const fact = await diskEncryptionCollector.collect(h);
    expect(fact.systemVolumeProtected).toBe(false);
    expect(fact.volumes).toContainEqual({ name: '/srv/data', encrypted: true, protected: true, system: false });
  });

  test('old util-linux rejects MOUNTPOINTS: the legacy columns are asked', async () => {
    const h = host({
      commands: {
        'linux.lsblk': { stdout: '', stderr: 'lsblk: unknown column: MOUNTPOINTS\n', code: 1 },
        'linux.lsblk-legacy': { stdout: fixture('lsblk.legacy-root-luks.json') },
      },
    });
    expect((await diskEncryptionCollector.collect(h)).systemVolumeProtected).toBe(true);
    expect(h.ran).toEqual(['linux.lsblk', 'linux.lsblk-legacy']);
  });
});

describe('ipForwarding', () => {
  test.each([
    ['both off', { '/proc/sys/net/ipv4/ip_forward': '0\n', '/proc/sys/net/ipv6/conf/all/forwarding': '0\n' }, false],
    ['IPv6 only on', { '/proc/sys/net/ipv4/ip_forward': '0\n', '/proc/sys/net/ipv6/conf/all/forwarding': '1\n' }, true],
    ['IPv4 on, IPv6 disabled in the kernel', { '/proc/sys/net/ipv4/ip_forward': '1\n' }, true],
  ])('%s', async (_name, files, expected) => {
    expect(await ipForwardingCollector.collect(host({ files }))).toBe(expected);
  });

  test('no /proc/sys is unavailable', async () => {
    await expect(ipForwardingCollector.collect(host({}))).rejects.toThrow(FactUnavailable);
  });
});

describe('secureBoot', () => {
  const efivar = '/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c';

  test.each([
    ['mokutil enabled', { commands: { 'linux.mokutil-sb-state': { stdout: 'SecureBoot enabled\n' } } }, true],
    ['mokutil on BIOS: stderr, exit 255', { commands: { 'linux.mokutil-sb-state': { stderr: 'EFI variables are not supported on this system\n', code: 255 } } }, false],
    ['no mokutil, no /sys/firmware/efi: legacy BIOS', {}, false],
    ['no mokutil, efivar says on', { dirs: { '/sys/firmware/efi': ['efivars'] }, files: { [efivar]: '\u0006\u0000\u0000\u0000\u0001' } }, true],
  ])('%s', async (_name, p, expected) => {
    expect(await secureBootCollector.collect(host(p))).toBe(expected);
  });

  test('UEFI without readable efivars is unavailable', async () => {
    await expect(secureBootCollector.collect(host({ dirs: { '/sys/firmware/efi': [] } }))).rejects.toThrow(/efivarfs not mounted/);
  });
});

describe('deviceId', () => {
  test('an empty /etc/machine-id falls back to dbus', async () => {
    const h = host({ files: { '/etc/machine-id': '', '/var/lib/dbus/machine-id': '0123456789abcdef0123456789abcdef\n' } });
    expect(await deviceIdCollector.collect(h)).toBe('0123456789abcdef0123456789abcdef');
  });

  test('neither is unavailable', async () => {
    await expect(deviceIdCollector.collect(host({}))).rejects.toThrow(FactUnavailable);
  });
});
