import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { OsFact } from '../posture/facts.js';
import { importDebianTracker } from './debian-tracker.js';
import { parseKennekiDefinitions } from './kenneki-format.js';
import { createDefinitionsView } from './memory-view.js';
import type { PlatformRule } from './platforms.js';
import type { ForbiddenRule, VersionScheme } from './view.js';

const tracker = importDebianTracker(JSON.parse(readFileSync(new URL('./fixtures/debian-tracker-sample.json', import.meta.url), 'utf8')));
const feed = parseKennekiDefinitions(readFileSync(new URL('./fixtures/kenneki-definitions-sample.yaml', import.meta.url), 'utf8'));

const view = createDefinitionsView({
  advisories: [...tracker, ...feed.advisories],
  forbidden: feed.forbidden,
  platforms: feed.platforms,
});

const os = (family: OsFact['family'], product: string, version: string): OsFact => ({ family, product, version });

describe('platformFor', () => {
  test.each<[OsFact, string | undefined]>([
    [os('linux', 'debian', '12'), 'debian:bookworm'],
    [os('linux', 'Debian GNU/Linux', '12.7'), 'debian:bookworm'],
    [os('linux', 'debian', '11.11'), 'debian:bullseye'],
    [os('linux', 'Debian', '13.1'), 'debian:trixie'],
    [os('linux', 'debian', '120'), undefined],
    [os('linux', 'Ubuntu', '24.04.1 LTS'), 'ubuntu:noble'],
    [os('linux', 'ubuntu', '22.04'), 'ubuntu:jammy'],
    [os('linux', 'ubuntu', '20.04'), undefined],
    [os('windows', 'Windows 11 Pro', '10.0.22631.4317'), 'windows'],
    [os('windows', 'Microsoft Windows Server 2022 Standard', '10.0.20348.2762'), 'windows'],
    [os('macos', 'macOS', '15.1'), 'macos'],
    [os('macos', 'Mac OS X', '10.15.7'), 'macos'],
    [os('linux', 'Red Hat Enterprise Linux', '9.4'), 'rhel:9'],
    [os('linux', 'rhel', '8.10'), 'rhel:8'],
    [os('linux', 'Rocky Linux', '9.5'), 'rhel:9'],
    [os('linux', 'AlmaLinux', '8.9'), 'rhel:8'],
    [os('linux', 'Fedora Linux', '41'), undefined],
    [os('linux', 'Linux Mint', '22'), undefined],
    [os('other', '', ''), undefined],
    // Added by the sample feed's platforms.
    [os('linux', 'debian', '14'), 'debian:forky'],
  ])('%j → %s', (fact, want) => {
    expect(view.platformFor(fact)).toBe(want);
  });

  test('feed rules override the built-in table', () => {
    const rules: PlatformRule[] = [{ key: 'acme:debian12', product: 'Debian', versionPrefix: '12', scheme: 'dpkg' }];
    const custom = createDefinitionsView({ advisories: [], forbidden: [], platforms: rules });
    expect(custom.platformFor(os('linux', 'debian', '12.7'))).toBe('acme:debian12');
    expect(custom.platformFor(os('linux', 'debian', '11'))).toBe('debian:bullseye');
  });

  test('a product that is not a string maps to nothing', () => {
    expect(view.platformFor({ family: 'linux', product: 42, version: '12' } as unknown as OsFact)).toBeUndefined();
  });
});

describe('schemeFor', () => {
  test.each<[string, VersionScheme]>([
    ['debian:bookworm', 'dpkg'],
    ['ubuntu:noble', 'dpkg'],
    ['debian:forky', 'dpkg'],
    ['ubuntu:plucky', 'dpkg'],
    ['rhel:9', 'rpm'],
    ['rhel:10', 'rpm'],
    ['windows', 'dotted'],
    ['macos', 'dotted'],
    ['acme:thing', 'dotted'],
  ])('%s → %s', (platform, want) => {
    expect(view.schemeFor(platform)).toBe(want);
  });

  test('a feed-declared scheme wins', () => {
    const custom = createDefinitionsView({ advisories: [], forbidden: [], platforms: [{ key: 'acme:appliance', product: 'acme', scheme: 'semver' }] });
    expect(custom.schemeFor('acme:appliance')).toBe('semver');
  });
});

describe('advisoriesFor', () => {
  test('finds every advisory of a package on a platform, from all sources', () => {
    const ids = view.advisoriesFor('debian:bookworm', 'openssh').map((a) => a.id);
    expect(ids.sort()).toEqual(['CVE-2023-38408', 'CVE-2023-48795', 'CVE-2024-6387', 'DSA-5724-1']);
    expect(view.advisoriesFor('rhel:9', 'openssh').map((a) => a.fixedVersion)).toEqual(['8.7p1-38.el9_4.1']);
  });

  test('platforms do not leak into each other', () => {
    expect(view.advisoriesFor('debian:trixie', 'xz-utils').map((a) => a.id).sort()).toEqual(['CVE-2022-1271', 'CVE-2024-3094', 'CVE-2025-31115', 'DSA-5649-1']);
    expect(view.advisoriesFor('debian:bookworm', 'xz-utils').map((a) => a.id).sort()).toEqual(['CVE-2022-1271', 'CVE-2025-31115']);
  });

  test('package names match case-insensitively; misses are empty', () => {
    expect(view.advisoriesFor('debian:bookworm', 'OpenSSH')).toHaveLength(4);
    expect(view.advisoriesFor('debian:bookworm', 'no-such-package')).toEqual([]);
    expect(view.advisoriesFor('nowhere', 'openssh')).toEqual([]);
  });

  test('returned data is frozen', () => {
    const list = view.advisoriesFor('debian:bookworm', 'openssh');
    expect(() => (list as unknown[]).push({})).toThrow(TypeError);
    expect(Object.isFrozen(list[0])).toBe(true);
    expect(Object.isFrozen(list[0]!.cves)).toBe(true);
  });

  test('is a vulnerability check: installed < fixed under the platform scheme', () => {
    const vulnerable = (platform: string, pkg: string, installed: string) =>
      view.advisoriesFor(platform, pkg).filter((a) => view.compare(view.schemeFor(platform), installed, a.fixedVersion) < 0).map((a) => a.id).sort();
    expect(vulnerable('debian:bookworm', 'openssh', '1:9.2p1-2+deb12u2')).toEqual(['CVE-2024-6387', 'DSA-5724-1']);
    expect(vulnerable('debian:bookworm', 'openssh', '1:9.2p1-2+deb12u3')).toEqual([]);
    expect(vulnerable('debian:trixie', 'xz-utils', '5.6.1-1')).toEqual(['CVE-2024-3094', 'CVE-2025-31115', 'DSA-5649-1']);
    expect(vulnerable('rhel:9', 'openssh', '8.7p1-38.el9')).toEqual(['RHSA-2024:4312']);
  });
});

describe('forbiddenFor', () => {
  const names = (rules: readonly ForbiddenRule[]) => rules.map((r) => r.name);

  test.each<[string | undefined, string[]]>([
    [undefined, ['telnetd']],
    ['windows', ['telnetd', 'bittorrent*', 'putty']],
    ['macos', ['telnetd']],
    ['debian:bookworm', ['telnetd']],
  ])('%s → %j', (platform, want) => {
    expect(names(view.forbiddenFor(platform))).toEqual(want);
  });

  test('an empty feed forbids nothing', () => {
    expect(createDefinitionsView({ advisories: [], forbidden: [] }).forbiddenFor('windows')).toEqual([]);
  });
});

describe('compare', () => {
  test.each<[VersionScheme, string, string, number]>([
    ['dpkg', '3.0.11-1~deb12u2', '3.0.11-1~deb12u3', -1],
    ['rpm', '8.7p1-38.el9_4.1', '8.7p1-38.el9', 1],
    ['semver', '1.0.0-rc.1', '1.0.0', -1],
    ['dotted', '10.0.22631.4317', '10.0.22631.4317', 0],
  ])('%s: %s vs %s → %i', (scheme, a, b, want) => {
    expect(view.compare(scheme, a, b)).toBe(want);
  });
});
