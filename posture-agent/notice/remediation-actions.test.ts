import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Platform } from '../collect/contract.js';
import { FixtureHost, type HostProfile } from '../collect/fixture-host.js';
import {
  isDpkgPackageName,
  NO_CONSENT_MESSAGE,
  OUTPUT_TAIL_CHARS,
  planRemediationAction,
  runRemediationActions,
  securityPackagesOf,
  WINDOWS_SECURITY_UPDATES_SCRIPT,
} from './remediation-actions.js';

/** A clock that advances 1500 ms per reading: every command "takes" 1.5 s. */
function steppingClock(): () => number {
  let t = 0;
  return () => (t += 1500);
}

const APT_HOST: HostProfile = {
  platform: 'linux',
  mtimes: { '/usr/bin/apt-get': '2026-01-01T00:00:00Z' },
  commands: {
    'linux.apt-get-upgrade-security': { stdout: 'Setting up openssl (3.0.15-1) ...\n' },
    'linux.freshclam': { code: 1, stdout: 'daily.cld database is up-to-date\n' },
  },
};

describe('consent gate', () => {
  test('without consent nothing runs, and the result says so', async () => {
    const host = new FixtureHost(APT_HOST);
    const result = await runRemediationActions({ host, enabled: ['install-security-updates', 'refresh-av-signatures'], consent: false, pendingPackages: ['openssl'] });
    expect(host.ran).toEqual([]);
    expect(result).toEqual({
      consent: false,
      ran: false,
      message: NO_CONSENT_MESSAGE,
      unknown: [],
      records: [
        { evt: 'REMEDIATION_ACTION_SKIPPED', action: 'install-security-updates', status: 'skipped', reason: 'no consent' },
        { evt: 'REMEDIATION_ACTION_SKIPPED', action: 'refresh-av-signatures', status: 'skipped', reason: 'no consent' },
      ],
    });
  });

  test('with consent the enabled actions run, in order, each logged', async () => {
    const host = new FixtureHost(APT_HOST);
    const result = await runRemediationActions({
      host,
      enabled: ['install-security-updates', 'refresh-av-signatures', 'install-security-updates'],
      consent: true,
      pendingPackages: ['openssl', 'libssl3:amd64', 'openssl'],
      clock: steppingClock(),
    });
    expect(host.ran).toEqual(['linux.apt-get-upgrade-security', 'linux.freshclam']);
    expect(result).toEqual({
      consent: true,
      ran: true,
      unknown: [],
      records: [
        {
          evt: 'REMEDIATION_ACTION_SUCCEEDED',
          action: 'install-security-updates',
          status: 'succeeded',
          commandId: 'linux.apt-get-upgrade-security',
          exitCode: 0,
          durationMs: 1500,
          outputTail: 'Setting up openssl (3.0.15-1) ...\n',
          packages: ['openssl', 'libssl3:amd64'],
        },
        {
          evt: 'REMEDIATION_ACTION_SUCCEEDED',
          action: 'refresh-av-signatures',
          status: 'succeeded',
          commandId: 'linux.freshclam',
          exitCode: 1,
          durationMs: 1500,
          outputTail: 'daily.cld database is up-to-date\n',
        },
      ],
    });
  });

  test('unknown action names are reported, not run — with or without consent', async () => {
    for (const consent of [true, false]) {
      const host = new FixtureHost(APT_HOST);
      const result = await runRemediationActions({ host, enabled: ['reboot-now', 'refresh-av-signatures'], consent });
      expect(result.unknown).toEqual(['reboot-now']);
      expect(result.records[0]).toEqual({
        evt: 'REMEDIATION_ACTION_UNKNOWN',
        action: 'reboot-now',
        status: 'unknown',
        reason: 'unknown action; known: install-security-updates, refresh-av-signatures',
      });
      expect(host.ran).toEqual(consent ? ['linux.freshclam'] : []);
    }
  });

  test('prototype names are not actions', async () => {
    const result = await runRemediationActions({ host: new FixtureHost(APT_HOST), enabled: ['constructor', '__proto__', 'toString'], consent: true });
    expect(result.unknown).toEqual(['constructor', '__proto__', 'toString']);
  });
});

describe('package names', () => {
  test.each(['openssl', 'libssl3', 'libstdc++6', 'g++', 'python3.11', 'linux-image-6.1.0-26-amd64', 'libc6:amd64', 'libc6:i386', 'xz-utils', '0ad'])('%s is accepted', (name) => {
    expect(isDpkgPackageName(name)).toBe(true);
  });

  test.each(['', 'a', '-y', '--force-yes', '-oAPT::Get::AllowUnauthenticated=1', 'openssl-', 'foo bar', 'Foo', 'foo;rm -rf /', 'foo$(id)', 'foo/unstable', 'foo=1.0', 'foo*', 'foo\n', '.hidden', 'libc6:', 'libc6:amd64-', 'x'.repeat(129)])(
    '%j is refused',
    (name) => {
      expect(isDpkgPackageName(name)).toBe(false);
    },
  );

  test('property: an accepted name can never be read as an option or a modifier', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 40 }), (s) => {
        if (isDpkgPackageName(s)) {
          expect(s.startsWith('-')).toBe(false);
          expect(s.endsWith('-')).toBe(false);
          expect(s).toMatch(/^[a-z0-9+.:-]+$/);
        }
      }),
    );
  });

  test('an injection attempt refuses the whole action and runs nothing', async () => {
    const host = new FixtureHost(APT_HOST);
    const result = await runRemediationActions({
      host,
      enabled: ['install-security-updates'],
      consent: true,
      pendingPackages: ['openssl', '-oAPT::Update::Pre-Invoke::=touch /tmp/pwned', 'bash-'],
    });
    expect(host.ran).toEqual([]);
    expect(result.ran).toBe(false);
    expect(result.records).toEqual([
      {
        evt: 'REMEDIATION_ACTION_REFUSED',
        action: 'install-security-updates',
        status: 'refused',
        reason: 'not a valid package name: "-oAPT::Update::Pre-Invoke::=touch /tmp/pwned", "bash-"',
      },
    ]);
  });

  test('no pending security updates: nothing to do', async () => {
    const host = new FixtureHost(APT_HOST);
    const result = await runRemediationActions({ host, enabled: ['install-security-updates'], consent: true, pendingPackages: [] });
    expect(host.ran).toEqual([]);
    expect(result.records).toEqual([{ evt: 'REMEDIATION_ACTION_SKIPPED', action: 'install-security-updates', status: 'skipped', reason: 'no pending security updates' }]);
  });

  test('securityPackagesOf takes the security updates, package before id, once each', () => {
    expect(
      securityPackagesOf({
        updates: [
          { id: 'openssl', security: true },
          { id: 'libssl3', package: 'libssl3', security: true },
          { id: 'vim', security: false },
          { id: 'openssl', security: true },
        ],
      }),
    ).toEqual(['openssl', 'libssl3']);
  });
});

describe('commands per platform (exact)', () => {
  test('apt: names after --, non-interactive', () => {
    expect(planRemediationAction('install-security-updates', 'linux', { packageManager: 'apt', pendingPackages: ['openssl', 'libc6:amd64'] })).toEqual({
      kind: 'run',
      okCodes: [0],
      packages: ['openssl', 'libc6:amd64'],
      cmd: {
        id: 'linux.apt-get-upgrade-security',
        file: 'env',
        args: [
          'DEBIAN_FRONTEND=noninteractive',
          'apt-get',
          'install',
          '-y',
          '--only-upgrade',
          '-o',
          'Dpkg::Options::=--force-confdef',
          '-o',
          'Dpkg::Options::=--force-confold',
          '--',
          'openssl',
          'libc6:amd64',
        ],
        timeoutMs: 1_800_000,
      },
    });
  });

  test('dnf: the security upgrade, no names', () => {
    expect(planRemediationAction('install-security-updates', 'linux', { packageManager: 'dnf', pendingPackages: ['-ignored'] })).toEqual({
      kind: 'run',
      okCodes: [0],
      cmd: { id: 'linux.dnf-upgrade-security', file: 'dnf', args: ['-y', 'upgrade', '--security'], timeoutMs: 1_800_000 },
    });
  });

  test('macOS: recommended updates, no restart; no AV action', () => {
    expect(planRemediationAction('install-security-updates', 'macos')).toEqual({
      kind: 'run',
      okCodes: [0],
      cmd: { id: 'macos.softwareupdate-install', file: 'softwareupdate', args: ['--install', '--recommended'], timeoutMs: 1_800_000 },
    });
    expect(planRemediationAction('refresh-av-signatures', 'macos')).toEqual({ kind: 'skip', reason: 'not available on macos' });
  });

  test('Windows: WUA script as an encoded command; Defender signatures', () => {
    const plan = planRemediationAction('install-security-updates', 'windows');
    expect(plan.kind).toBe('run');
    if (plan.kind !== 'run') return;
    expect(plan.cmd.id).toBe('windows.wua-install-security');
    expect(plan.cmd.args.slice(0, 3)).toEqual(['-NoProfile', '-NonInteractive', '-EncodedCommand']);
    expect(Buffer.from(plan.cmd.args[3] ?? '', 'base64').toString('utf16le')).toBe(WINDOWS_SECURITY_UPDATES_SCRIPT);
    expect(WINDOWS_SECURITY_UPDATES_SCRIPT).toContain("Search('IsInstalled=0 and IsHidden=0 and Type=''Software''')");
    expect(planRemediationAction('refresh-av-signatures', 'windows')).toEqual({
      kind: 'run',
      okCodes: [0],
      cmd: { id: 'windows.update-mpsignature', file: 'powershell.exe', args: ['-NoProfile', '-NonInteractive', '-Command', 'Update-MpSignature'], timeoutMs: 300_000 },
    });
  });

  test('Linux package manager is detected from the host', async () => {
    const dnfHost = new FixtureHost({ platform: 'linux', mtimes: { '/usr/bin/dnf': '2026-01-01T00:00:00Z' }, commands: { 'linux.dnf-upgrade-security': {} } });
    await runRemediationActions({ host: dnfHost, enabled: ['install-security-updates'], consent: true });
    expect(dnfHost.ran).toEqual(['linux.dnf-upgrade-security']);

    const bare = new FixtureHost({ platform: 'linux' });
    const result = await runRemediationActions({ host: bare, enabled: ['install-security-updates'], consent: true, pendingPackages: ['openssl'] });
    expect(bare.ran).toEqual([]);
    expect(result.records[0]?.reason).toBe('not available: neither apt-get nor dnf found');
  });
});

describe('failures are records, never throws', () => {
  test.each([
    ['windows', 'windows.update-mpsignature', { code: 2, stderr: 'Update-MpSignature : Virus and spyware definitions update was completed with errors.' }, 2, 'exited with 2'],
    ['linux', 'linux.freshclam', { code: 62, stderr: "Can't open /var/log/clamav/freshclam.log in append mode" }, 62, 'exited with 62'],
    ['windows', 'nothing-recorded', undefined, null, 'not found'],
  ] as [Platform, string, { code?: number; stderr?: string } | undefined, number | null, string][])('%s %s', async (platform, id, rec, exitCode, reason) => {
    const host = new FixtureHost({ platform, commands: rec === undefined ? {} : { [id]: rec } });
    const result = await runRemediationActions({ host, enabled: ['refresh-av-signatures'], consent: true, clock: steppingClock() });
    expect(result.records[0]).toMatchObject({ evt: 'REMEDIATION_ACTION_FAILED', status: 'failed', exitCode, reason, durationMs: 1500 });
  });

  test('the output tail is bounded and keeps the end', async () => {
    const out = `${'x'.repeat(5000)}END`;
    const host = new FixtureHost({ platform: 'linux', commands: { 'linux.freshclam': { stdout: out, stderr: 'WARN' } } });
    const result = await runRemediationActions({ host, enabled: ['refresh-av-signatures'], consent: true });
    const tail = result.records[0]?.outputTail ?? '';
    expect(tail).toHaveLength(OUTPUT_TAIL_CHARS);
    expect(tail.endsWith('END\nWARN')).toBe(true);
  });
});
