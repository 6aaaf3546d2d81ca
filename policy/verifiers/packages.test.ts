import { describe, expect, test } from 'vitest';
import type { Advisory, ForbiddenRule } from '../definitions/view.js';
import type { InstalledPackage, PackagesFact, PostureFacts } from '../posture/facts.js';
import type { CheckParams, CheckStatus, Finding } from './contract.js';
import { packagesCheck } from './packages.js';
import { runCheck } from './registry.js';
import { contextOf, DEBIAN_12, errorFact, expectWellFormed, ok, FEDORA_40, unknownFact, WINDOWS_11 } from './test-context.js';
import { createDefinitionsView } from '../definitions/memory-view.js';

const advisories: Advisory[] = [
  { id: 'DSA-5700-1', platform: 'debian:bookworm', package: 'openssl', fixedVersion: '3.0.14-1', scheme: 'dpkg', releasedAt: '2025-05-20', cves: ['CVE-2024-5535'] },
  { id: 'DSA-5710-1', platform: 'debian:bookworm', package: 'openssl', fixedVersion: '3.0.15-1', scheme: 'dpkg', releasedAt: '2025-05-25', cves: ['CVE-2024-9143'] },
  { id: 'DSA-5720-1', platform: 'debian:bookworm', package: 'xz-utils', fixedVersion: '5.4.1-1', scheme: 'dpkg', cves: [] },
  { id: 'ZDI-24-1532', platform: 'windows', package: '7-Zip', fixedVersion: '24.07', scheme: 'dotted', releasedAt: '2024-11-29', cves: ['CVE-2024-11477'] },
  { id: 'ACME-2025-1', platform: 'windows', package: 'Acme Viewer', fixedVersion: '5.0', scheme: 'dotted', cves: ['CVE-2025-0001'] },
];
const forbidden: ForbiddenRule[] = [
  { name: 'bittorrent*', reason: 'peer-to-peer file sharing' },
  { name: 'TeamViewer', belowVersion: '15', reason: 'remote-access client without MFA support' },
  { name: 'netcat-traditional', platform: 'debian:bookworm', reason: 'raw network tool' },
];
const definitions = createDefinitionsView({ advisories, forbidden });

const BASE: InstalledPackage[] = [
  { name: 'bash', version: '5.2.15-2+b7' },
  { name: 'openssl', version: '3.0.15-1' },
  { name: 'xz-utils', version: '5.4.1-1' },
];
const installed = (os: PostureFacts['os'], ...extra: InstalledPackage[]): PostureFacts => ({
  os,
  packages: ok<PackagesFact>({ manager: 'dpkg', packages: [...BASE, ...extra] }),
});
const with_ = (name: string, version: string) => ({ name, version });

interface Row {
  name: string;
  facts: PostureFacts;
  params?: CheckParams['packages'];
  status: CheckStatus;
  reason: string;
  findings?: Partial<Finding>[];
}

describe('packages', () => {
  test.each<Row>([
    { name: 'Debian, everything fixed', facts: installed(ok(DEBIAN_12)), status: 'compliant', reason: 'no vulnerable or forbidden packages among 3 installed' },
    {
      name: 'behind two advisories: one finding with both CVEs, dated by the earliest',
      facts: { os: ok(DEBIAN_12), packages: ok({ manager: 'dpkg', packages: [with_('openssl', '3.0.13-1')] }) },
      status: 'non-compliant-major',
      reason: '1 vulnerable package: openssl 3.0.13-1',
      findings: [{ kind: 'vulnerable-package', name: 'openssl', version: '3.0.13-1', detail: 'CVE-2024-5535, CVE-2024-9143', since: '2025-05-20T00:00:00.000Z' }],
    },
    {
      name: 'behind one advisory',
      facts: { os: ok(DEBIAN_12), packages: ok({ manager: 'dpkg', packages: [with_('openssl', '3.0.14-1')] }) },
      status: 'non-compliant-major',
      reason: 'openssl 3.0.14-1',
      findings: [{ kind: 'vulnerable-package', detail: 'CVE-2024-9143', since: '2025-05-25T00:00:00.000Z' }],
    },
    {
      name: 'advisory without CVEs or date: detail is the advisory id, no since',
      facts: { os: ok(DEBIAN_12), packages: ok({ manager: 'dpkg', packages: [with_('xz-utils', '5.4.0-1')] }) },
      status: 'non-compliant-major',
      reason: 'xz-utils',
      findings: [{ kind: 'vulnerable-package', name: 'xz-utils', detail: 'DSA-5720-1' }],
    },
    {
      name: 'Windows 7-Zip below the fix',
      facts: { os: ok(WINDOWS_11), packages: ok({ manager: 'uninstall-registry', packages: [with_('7-Zip', '23.01')] }) },
      status: 'non-compliant-major',
      reason: '7-Zip 23.01',
      findings: [{ kind: 'vulnerable-package', detail: 'CVE-2024-11477' }],
    },
    {
      name: 'forbidden glob, case-insensitive',
      facts: installed(ok(WINDOWS_11), with_('BitTorrent Web', '1.4')),
      status: 'non-compliant-major',
      reason: '1 forbidden package installed: BitTorrent Web',
      findings: [{ kind: 'forbidden-package', name: 'BitTorrent Web', version: '1.4', detail: 'peer-to-peer file sharing' }],
    },
    {
      name: 'forbidden below a version',
      facts: installed(ok(WINDOWS_11), with_('teamviewer', '14.7.48')),
      status: 'non-compliant-major',
      reason: 'teamviewer',
      findings: [{ kind: 'forbidden-package', detail: 'remote-access client without MFA support' }],
    },
    { name: 'allowed at or above belowVersion', facts: installed(ok(WINDOWS_11), with_('TeamViewer', '15.58.5')), status: 'compliant', reason: 'no vulnerable' },
    {
      name: 'platform-scoped rule applies on its platform',
      facts: installed(ok(DEBIAN_12), with_('netcat-traditional', '1.10-47')),
      status: 'non-compliant-major',
      reason: 'netcat-traditional',
    },
    { name: 'platform-scoped rule does not apply elsewhere', facts: installed(ok(WINDOWS_11), with_('netcat-traditional', '1.10-47')), status: 'compliant', reason: 'no vulnerable' },
    {
      name: 'vulnerable and forbidden together',
      facts: installed(ok(DEBIAN_12), with_('openssl', '3.0.11-1'), with_('bittorrent', '3.4')),
      status: 'non-compliant-major',
      reason: '1 vulnerable package: openssl 3.0.11-1; 1 forbidden package installed: bittorrent',
    },
    { name: 'only forbidden checked', facts: installed(ok(DEBIAN_12), with_('openssl', '3.0.11-1')), params: { vulnerable: false }, status: 'compliant', reason: 'no forbidden packages' },
    { name: 'only vulnerable checked', facts: installed(ok(DEBIAN_12), with_('bittorrent', '3.4')), params: { forbidden: false }, status: 'compliant', reason: 'no vulnerable packages' },
    { name: 'OS no feed covers', facts: installed(ok(FEDORA_40)), status: 'unknown', reason: 'no definitions cover Fedora Linux 40' },
    { name: 'OS no feed covers, forbidden hit still counts', facts: installed(ok(FEDORA_40), with_('BitTorrent', '7')), status: 'non-compliant-major', reason: 'forbidden' },
    { name: 'OS no feed covers, vulnerable off', facts: installed(ok(FEDORA_40)), params: { vulnerable: false }, status: 'compliant', reason: 'no forbidden packages' },
    {
      name: 'a version the scheme cannot order is not judged, not passed',
      facts: installed(ok(WINDOWS_11), with_('Acme Viewer', '2024 R1')),
      status: 'unknown',
      reason: 'cannot compare the versions of: Acme Viewer 2024 R1',
    },
    { name: 'an unorderable version does not hide other findings', facts: installed(ok(WINDOWS_11), with_('Acme Viewer', '2024 R1'), with_('7-Zip', '19.00')), status: 'non-compliant-major', reason: '7-Zip 19.00' },
    { name: 'an unorderable version against belowVersion', facts: installed(ok(WINDOWS_11), with_('TeamViewer', 'v14')), status: 'unknown', reason: 'TeamViewer v14' },
    { name: 'no packages fact', facts: { os: ok(DEBIAN_12) }, status: 'unknown', reason: 'no installed packages evidence reported' },
    { name: 'no OS fact', facts: { packages: ok({ manager: 'dpkg', packages: BASE }) }, status: 'unknown', reason: 'no OS evidence reported' },
    { name: 'no OS fact, vulnerable off: platform rules cannot be checked', facts: { packages: ok({ manager: 'dpkg', packages: BASE }) }, params: { vulnerable: false }, status: 'unknown', reason: 'no OS evidence reported' },
    { name: 'no OS fact, rule for every platform hit', facts: { packages: ok({ manager: 'dpkg', packages: [with_('bittorrent', '1')] }) }, status: 'non-compliant-major', reason: 'forbidden' },
    { name: 'OS collector failed', facts: installed(errorFact('os-release unreadable')), status: 'error', reason: 'os-release unreadable' },
    { name: 'inventory timed out', facts: { os: ok(DEBIAN_12), packages: unknownFact('dpkg-query timed out') }, status: 'unknown', reason: 'dpkg-query timed out' },
    { name: 'inventory failed', facts: { os: ok(DEBIAN_12), packages: errorFact('rpm database locked') }, status: 'error', reason: 'rpm database locked' },
    {
      name: 'malformed inventory',
      facts: { os: ok(DEBIAN_12), packages: ok({ manager: 'dpkg', packages: [{ name: 'bash' }] } as unknown as PackagesFact) },
      status: 'error',
      reason: 'malformed installed packages evidence',
    },
  ])('$name', (row) => {
    const r = runCheck('packages', contextOf(row.facts, { definitions }), row.params ?? {});
    expect(r.status).toBe(row.status);
    expect(r.reason.en).toContain(row.reason);
    expectWellFormed(r);
    if (row.findings) expect(r.findings).toEqual(row.findings.map((f) => expect.objectContaining(f)));
  });

  test('remediation names the version to reach, in both languages', () => {
    const r = runCheck('packages', contextOf(installed(ok(DEBIAN_12), with_('openssl', '3.0.11-1')), { definitions }), {});
    expect(r.remediation[0]).toEqual({
      en: 'Update these packages to at least the fixed version: openssl 3.0.15-1.',
      ja: '次のパッケージを修正済みのバージョン以降に更新してください: openssl 3.0.15-1',
    });
    expect(r.evidence?.map((e) => e.fact)).toEqual(['packages', 'os']);
  });

  test('2,000 installed packages take well under 1 ms per 100', () => {
    const many: InstalledPackage[] = [];
    const bigAdvisories: Advisory[] = [];
    for (let i = 0; i < 2000; i++) {
      many.push({ name: `lib-pkg-${i}`, version: `1.${i % 50}.${i % 7}-1` });
      // Half the packages have advisories; a few are behind them.
      if (i % 2 === 0) {
        bigAdvisories.push({ id: `DSA-${i}`, platform: 'debian:bookworm', package: `lib-pkg-${i}`, fixedVersion: i % 100 === 0 ? '9.0-1' : '1.0.0-1', scheme: 'dpkg', cves: [`CVE-2025-${i}`] });
      }
    }
    const rules: ForbiddenRule[] = Array.from({ length: 40 }, (_, i) => ({ name: i % 2 ? `evil-${i}*` : `bad-tool-${i}`, reason: 'not allowed' }));
    const ctx = contextOf({ os: ok(DEBIAN_12), packages: ok({ manager: 'dpkg', packages: many }) }, { definitions: createDefinitionsView({ advisories: bigAdvisories, forbidden: rules }) });

    packagesCheck.evaluate(ctx, {}); // warm up
    let best = Infinity;
    for (let run = 0; run < 5; run++) {
      const t0 = performance.now();
      const r = packagesCheck.evaluate(ctx, {});
      best = Math.min(best, performance.now() - t0);
      expect(r.findings).toHaveLength(20);
    }
    expect(best).toBeLessThan(20 * 0.5);
  });
});
