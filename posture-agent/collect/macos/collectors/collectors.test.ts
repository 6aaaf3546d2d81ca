import { afterEach, describe, expect, test, vi } from 'vitest';
import type { FactValues } from '../../../../policy/posture/facts.js';
import { FactUnavailable, type Collector, type CollectedFactKey } from '../../contract.js';
import { FixtureHost, type HostProfile, type RecordedCommand } from '../../fixture-host.js';
import { XPROTECT_PLIST_LEGACY, XPROTECT_PLIST_SEQUOIA } from '../commands.js';
import { schemaErrors } from '../testing/fact-schema.js';
import { fixture } from '../testing/fixtures.js';
import { antivirusCollector } from './antivirus.js';
import { deviceIdCollector } from './device-id.js';
import { diskEncryptionCollector } from './disk-encryption.js';
import { firewallCollector } from './firewall.js';
import { ipForwardingCollector } from './ip-forwarding.js';
import { osCollector } from './os.js';
import { packagesCollector } from './packages.js';
import { pendingUpdatesCollector } from './pending-updates.js';
import { secureBootCollector } from './secure-boot.js';

const out = (name: string): RecordedCommand => ({ stdout: fixture(name) });
const host = (commands: Record<string, RecordedCommand>, rest: Omit<HostProfile, 'platform' | 'commands'> = {}) =>
  new FixtureHost({ platform: 'macos', commands, ...rest });

/** Collects, and holds the value to the schema the server ingests with. */
async function collect<K extends CollectedFactKey>(c: Collector<K>, h: FixtureHost): Promise<FactValues[K]> {
  const value = await c.collect(h);
  expect(schemaErrors(c.fact, value)).toBeUndefined();
  return value;
}

/** Runs with a fake clock, so a hung tool's timeout (FixtureHost delayMs) costs no real time. */
async function collectHung<K extends CollectedFactKey>(c: Collector<K>, h: FixtureHost): Promise<unknown> {
  vi.useFakeTimers();
  const settled = c.collect(h).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await vi.advanceTimersByTimeAsync(200_000);
  return settled;
}

afterEach(() => {
  vi.useRealTimers();
});

const macos15 = out('sw-vers/macos-15.1.txt');
const macos14 = out('sw-vers/macos-14.7.1.txt');
const HUNG: RecordedCommand = { stdout: '', delayMs: 1_000_000 };

describe('os', () => {
  test('version, build and architecture', async () => {
    const h = host({ 'macos.sw-vers': macos15, 'macos.uname-machine': { stdout: 'arm64\n' } });
    expect(await collect(osCollector, h)).toEqual({ family: 'macos', product: 'macOS', version: '15.1', build: '24B83', arch: 'arm64' });
  });
  test('no uname: the version without arch', async () => {
    expect(await collect(osCollector, host({ 'macos.sw-vers': out('sw-vers/macos-13.4.1-rsr.txt') }))).toEqual({
      family: 'macos',
      product: 'macOS',
      version: '13.4.1',
      build: '22F770820d',
    });
  });
  test('no sw_vers: unknown, naming the tool', async () => {
    await expect(osCollector.collect(host({}))).rejects.toThrow(new FactUnavailable('/usr/bin/sw_vers: not found'));
  });
});

describe('packages', () => {
  test('system_profiler inventory', async () => {
    const v = await collect(packagesCollector, host({ 'macos.system-profiler-apps': out('system-profiler/apps-macos-13.json') }));
    expect(v).toEqual({ manager: 'system_profiler', packages: [{ name: 'Firefox', version: '122.0.1' }, { name: 'TeamViewer', version: '15.42.4' }] });
  });
  test('a failing system_profiler is unknown, with its stderr', async () => {
    const h = host({ 'macos.system-profiler-apps': { stdout: '', stderr: 'system_profiler: SPApplicationsDataType timed out\n', code: 1 } });
    await expect(packagesCollector.collect(h)).rejects.toThrow(/exited with 1: system_profiler: SPApplicationsDataType timed out/);
  });
  test('its budget covers the command', () => {
    expect(packagesCollector.timeoutMs).toBeGreaterThan(60_000);
  });
});

describe('pendingUpdates', () => {
  const sonomaWithUpgrade = { stdout: fixture('softwareupdate/macos-14-upgrade-offered.txt') };
  test('on macOS 14 an offered Sequoia is an upgrade, not a pending security update', async () => {
    const v = await collect(pendingUpdatesCollector, host({ 'macos.sw-vers': macos14, 'macos.softwareupdate-list': sonomaWithUpgrade }));
    expect(v.updates.map((u) => [u.id, u.security])).toEqual([
      ['macOS Sequoia 15.1.1-24B91', false],
      ['macOS Sonoma 14.7.1-23H222', true],
    ]);
    expect(v.rebootRequired).toBe(true);
  });
  test('without sw_vers the list is still reported', async () => {
    const v = await collect(pendingUpdatesCollector, host({ 'macos.softwareupdate-list': sonomaWithUpgrade }));
    expect(v.updates).toHaveLength(2);
  });
  test('"No new software available." on stderr is an empty list', async () => {
    const h = host({ 'macos.sw-vers': macos15, 'macos.softwareupdate-list': { stdout: '', stderr: fixture('softwareupdate/macos-15-no-updates.txt') } });
    expect(await collect(pendingUpdatesCollector, h)).toEqual({ updates: [], rebootRequired: false });
  });
  test('a hung softwareupdate is unknown after its 90 s budget', async () => {
    const r = await collectHung(pendingUpdatesCollector, host({ 'macos.sw-vers': macos15, 'macos.softwareupdate-list': HUNG }));
    expect(r).toEqual({ error: new FactUnavailable('/usr/sbin/softwareupdate: timed out after 90000 ms') });
    expect(pendingUpdatesCollector.timeoutMs).toBeGreaterThan(90_000);
  });
  test('softwareupdate not found', async () => {
    await expect(pendingUpdatesCollector.collect(host({}))).rejects.toThrow('/usr/sbin/softwareupdate: not found');
  });
});

describe('antivirus (XProtect fallback chain)', () => {
  const seqPlist = fixture('xprotect/info-plist-macos-15.xml');
  const legacyPlist = fixture('xprotect/info-plist-macos-14.xml');

  test('macOS 15: xprotect version, dated by the bundle under /var/protected', async () => {
    const h = host(
      { 'macos.xprotect-version': out('xprotect/xprotect-version-macos-15.txt') },
      { files: { [XPROTECT_PLIST_LEGACY]: legacyPlist }, mtimes: { [XPROTECT_PLIST_SEQUOIA]: '2024-11-14T18:22:05Z', [XPROTECT_PLIST_LEGACY]: '2024-09-17T02:10:44Z' } },
    );
    expect(await collect(antivirusCollector, h)).toEqual({
      products: [{ name: 'XProtect', running: true, enabled: true, signaturesUpdatedAt: '2024-11-14T18:22:05.000Z' }],
    });
    expect(h.ran).toEqual(['macos.xprotect-version']);
  });

  test('macOS 15 reporting version 0: the /var/protected plist', async () => {
    const h = host(
      { 'macos.xprotect-version': out('xprotect/xprotect-version-not-installed.txt') },
      { files: { [XPROTECT_PLIST_SEQUOIA]: seqPlist }, mtimes: { [XPROTECT_PLIST_SEQUOIA]: '2024-11-01T00:00:00Z' } },
    );
    expect((await collect(antivirusCollector, h)).products[0]?.signaturesUpdatedAt).toBe('2024-11-01T00:00:00.000Z');
  });

  test('macOS 14: no xprotect tool, the legacy plist and its mtime', async () => {
    const h = host({}, { files: { [XPROTECT_PLIST_LEGACY]: legacyPlist }, mtimes: { [XPROTECT_PLIST_LEGACY]: '2024-06-04T21:03:12Z' } });
    expect(await collect(antivirusCollector, h)).toEqual({
      products: [{ name: 'XProtect', running: true, enabled: true, signaturesUpdatedAt: '2024-06-04T21:03:12.000Z' }],
    });
  });

  test('a binary plist: defaults read', async () => {
    const h = host(
      { 'macos.xprotect-defaults': out('xprotect/defaults-read-macos-13.txt') },
      { files: { [XPROTECT_PLIST_LEGACY]: 'bplist00\u0000\u0001' }, mtimes: { [XPROTECT_PLIST_LEGACY]: '2024-03-01T12:00:00Z' } },
    );
    expect((await collect(antivirusCollector, h)).products[0]?.signaturesUpdatedAt).toBe('2024-03-01T12:00:00.000Z');
    expect(h.ran).toEqual(['macos.xprotect-version', 'macos.xprotect-defaults']);
  });

  test('no modification time: no signature date rather than a guess', async () => {
    const h = host({ 'macos.xprotect-version': out('xprotect/xprotect-version-macos-15.txt') });
    expect(await collect(antivirusCollector, h)).toEqual({ products: [{ name: 'XProtect', running: true, enabled: true }] });
  });

  test('nothing anywhere: unknown, naming every step', async () => {
    const err = await antivirusCollector.collect(host({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FactUnavailable);
    expect((err as Error).message).toBe(
      [
        'xprotect version: /usr/bin/xprotect: not found',
        `${XPROTECT_PLIST_SEQUOIA}: nothing found`,
        `${XPROTECT_PLIST_LEGACY}: nothing found`,
        'defaults read: /usr/bin/defaults: not found',
      ].join('; '),
    );
  });
});

describe('firewall', () => {
  test.each([
    ['socketfilterfw-enabled.txt', true],
    ['socketfilterfw-disabled.txt', false],
    ['socketfilterfw-block-all.txt', true],
  ])('socketfilterfw %s', async (name, enabled) => {
    const h = host({ 'macos.socketfilterfw-globalstate': out(`firewall/${name}`) });
    expect(await collect(firewallCollector, h)).toEqual({ profiles: [{ name: 'default', enabled }] });
    expect(h.ran).toEqual(['macos.socketfilterfw-globalstate']);
  });

  test('macOS 14 without socketfilterfw: the com.apple.alf plist', async () => {
    const h = host({ 'macos.sw-vers': macos14, 'macos.alf-globalstate': out('firewall/alf-globalstate-macos-14.txt') });
    expect(await collect(firewallCollector, h)).toEqual({ profiles: [{ name: 'default', enabled: true }] });
  });

  test('macOS 15 with a hung socketfilterfw: unknown; a leftover alf plist is never read', async () => {
    const h = host({ 'macos.sw-vers': macos15, 'macos.socketfilterfw-globalstate': HUNG, 'macos.alf-globalstate': { stdout: '1\n' } });
    const r = (await collectHung(firewallCollector, h)) as { error?: Error };
    expect(r.error).toBeInstanceOf(FactUnavailable);
    expect(r.error?.message).toBe(
      'socketfilterfw: /usr/libexec/ApplicationFirewall/socketfilterfw: timed out after 5000 ms; com.apple.alf: not read on macOS 15, which has no such plist',
    );
    expect(h.ran).not.toContain('macos.alf-globalstate');
  });

  test('macOS 14 where the plist is missing too: unknown with defaults\' complaint', async () => {
    const h = host({ 'macos.sw-vers': macos14, 'macos.alf-globalstate': { stdout: '', stderr: fixture('firewall/alf-globalstate-macos-15.stderr.txt'), code: 1 } });
    await expect(firewallCollector.collect(h)).rejects.toThrow(/com\.apple\.alf: \/usr\/bin\/defaults exited with 1: The domain\/default pair/);
  });

  test('release unknown: the plist is not trusted', async () => {
    const h = host({ 'macos.alf-globalstate': { stdout: '1\n' } });
    await expect(firewallCollector.collect(h)).rejects.toThrow(/com\.apple\.alf: \/usr\/bin\/sw_vers: not found/);
    expect(h.ran).not.toContain('macos.alf-globalstate');
  });
});

describe('the single-command collectors', () => {
  test.each([
    [diskEncryptionCollector, 'macos.fdesetup-status', 'fdesetup/encrypting.txt', { systemVolumeProtected: false, volumes: [{ name: '/', encrypted: false, protected: true, system: true }] }],
    [diskEncryptionCollector, 'macos.fdesetup-status', 'fdesetup/on.txt', { systemVolumeProtected: true, volumes: [{ name: '/', encrypted: true, protected: true, system: true }] }],
    [ipForwardingCollector, 'macos.sysctl-ip-forwarding', 'sysctl/forwarding-on.txt', true],
    [secureBootCollector, 'macos.csrutil-status', 'csrutil/custom-configuration.txt', false],
    [secureBootCollector, 'macos.csrutil-status', 'csrutil/enabled.txt', true],
    [deviceIdCollector, 'macos.ioreg-platform-expert', 'ioreg/platform-expert-arm64-macos-15.txt', '8E4B9C31-2F6A-5D7E-9B0C-1A2B3C4D5E6F'],
  ] as const)('%#: %s ← %s', async (collector, id, name, expected) => {
    const h = host({ [id]: out(name) });
    expect(await collect(collector as Collector, h)).toEqual(expected);
    expect(h.ran).toEqual([id]);
  });

  test.each([diskEncryptionCollector, ipForwardingCollector, secureBootCollector, deviceIdCollector] as Collector[])('$fact: not found is unknown', async (c) => {
    await expect(c.collect(host({}))).rejects.toThrow(/: not found$/);
  });

  test('a hung fdesetup is unknown', async () => {
    const r = (await collectHung(diskEncryptionCollector, host({ 'macos.fdesetup-status': HUNG }))) as { error?: Error };
    expect(r.error?.message).toBe('/usr/bin/fdesetup: timed out after 10000 ms');
  });
});
