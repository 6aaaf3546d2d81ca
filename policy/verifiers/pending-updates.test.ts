import { describe, expect, test } from 'vitest';
import type { Advisory } from '../definitions/view.js';
import type { PendingUpdate, PendingUpdatesFact, PostureFacts } from '../posture/facts.js';
import type { CheckParams, CheckStatus } from './contract.js';
import { runCheck } from './registry.js';
import { contextOf, DEBIAN_12, daysAgo, errorFact, expectWellFormed, NOW, ok, unknownFact, WINDOWS_11 } from './test-context.js';
import { createDefinitionsView } from '../definitions/memory-view.js';

const DAY = 86_400_000;

const advisory = (over: Partial<Advisory> & Pick<Advisory, 'package' | 'fixedVersion'>): Advisory => ({
  id: `DSA-${over.package}-${over.fixedVersion}`,
  platform: 'debian:bookworm',
  scheme: 'dpkg',
  cves: [],
  ...over,
});

const definitions = createDefinitionsView({
  advisories: [
    advisory({ package: 'openssl', fixedVersion: '3.0.13-1', releasedAt: '2025-05-10' }),
    advisory({ package: 'openssl', fixedVersion: '3.0.14-1', releasedAt: '2025-05-20' }),
    // Released earliest, but the pending update does not reach it: it must not date the update.
    advisory({ package: 'openssl', fixedVersion: '3.0.16-1', releasedAt: '2025-04-01' }),
    advisory({ package: 'linux', fixedVersion: '6.1.119-1', releasedAt: '2025-05-30' }),
    advisory({ package: 'curl', fixedVersion: '7.88.1-10', releasedAt: 'not a date' }),
    advisory({ package: 'KB5058405', fixedVersion: '10.0.22631.5335', platform: 'windows', scheme: 'dotted', releasedAt: '2025-05-13' }),
  ],
  forbidden: [],
});

const upd = (id: string, over: Partial<PendingUpdate> = {}): PendingUpdate => ({ id, security: true, ...over });
const debian = (updates: PendingUpdate[], rebootRequired?: boolean): PostureFacts => ({
  os: ok(DEBIAN_12),
  pendingUpdates: ok<PendingUpdatesFact>({ updates, ...(rebootRequired === undefined ? {} : { rebootRequired }) }),
});

interface Row {
  name: string;
  facts: PostureFacts;
  params?: CheckParams['pending-updates'];
  firstReported?: Record<string, Date>;
  status: CheckStatus;
  reason: string;
  since?: string[];
}

const GRACE_7 = { graceDays: 7 };

describe('pending-updates', () => {
  test.each<Row>([
    { name: 'nothing pending', facts: debian([]), status: 'compliant', reason: 'no pending security updates' },
    {
      name: 'only non-security updates pending',
      facts: debian([upd('vim', { security: false }), upd('less', { security: false })]),
      status: 'compliant',
      reason: 'no pending security updates (2 other updates pending)',
    },
    {
      name: 'release date from definitions: the earliest advisory the update reaches',
      facts: debian([upd('openssl', { package: 'openssl', version: '3.0.15-1' })]),
      params: GRACE_7,
      status: 'non-compliant-major',
      reason: '1 pending security update, 1 older than the 7-day grace period',
      since: ['2025-05-10T00:00:00.000Z'],
    },
    {
      name: 'update reaching only the first fix is dated by it',
      facts: debian([upd('openssl', { version: '3.0.13-1' })]),
      params: GRACE_7,
      status: 'non-compliant-major',
      reason: '1 older than',
      since: ['2025-05-10T00:00:00.000Z'],
    },
    {
      name: 'update without a version is dated by every advisory of its package',
      facts: debian([upd('openssl')]),
      params: GRACE_7,
      status: 'non-compliant-major',
      reason: '1 older than',
      since: ['2025-04-01T00:00:00.000Z'],
    },
    {
      name: 'update version the scheme cannot order: every advisory dates it (stricter)',
      facts: debian([upd('openssl', { version: 'latest' })]),
      params: GRACE_7,
      status: 'non-compliant-major',
      reason: '1 older than',
      since: ['2025-04-01T00:00:00.000Z'],
    },
    {
      name: 'recent release (2.5 days) is within grace: minor',
      facts: debian([upd('linux-image-amd64', { package: 'linux', version: '6.1.119-1' })]),
      params: GRACE_7,
      status: 'non-compliant-minor',
      reason: 'none older than the 7-day grace period',
      since: ['2025-05-30T00:00:00.000Z'],
    },
    {
      name: 'definitions win over an older first report',
      facts: debian([upd('linux-image-amd64', { package: 'linux', version: '6.1.119-1' })]),
      params: GRACE_7,
      firstReported: { 'linux-image-amd64': daysAgo(30) },
      status: 'non-compliant-minor',
      reason: 'none older',
      since: ['2025-05-30T00:00:00.000Z'],
    },
    {
      name: 'not in definitions: first report 3 days ago is within grace',
      facts: debian([upd('libfoo1', { version: '1.2' })]),
      params: GRACE_7,
      firstReported: { libfoo1: daysAgo(3) },
      status: 'non-compliant-minor',
      reason: 'none older',
      since: [daysAgo(3).toISOString()],
    },
    {
      name: 'not in definitions: first report 8 days ago is past grace',
      facts: debian([upd('libfoo1')]),
      params: GRACE_7,
      firstReported: { libfoo1: daysAgo(8) },
      status: 'non-compliant-major',
      reason: '1 older than',
    },
    {
      name: 'grace boundary: exactly 7 days is still within grace',
      facts: debian([upd('libfoo1')]),
      params: GRACE_7,
      firstReported: { libfoo1: daysAgo(7) },
      status: 'non-compliant-minor',
      reason: 'none older',
    },
    {
      name: 'grace boundary: 7 days and 1 second is past grace',
      facts: debian([upd('libfoo1')]),
      params: GRACE_7,
      firstReported: { libfoo1: new Date(daysAgo(7).getTime() - 1000) },
      status: 'non-compliant-major',
      reason: '1 older than',
    },
    {
      name: 'unparseable release date falls back to the first report',
      facts: debian([upd('curl')]),
      params: GRACE_7,
      firstReported: { curl: daysAgo(1) },
      status: 'non-compliant-minor',
      reason: 'none older',
      since: [daysAgo(1).toISOString()],
    },
    {
      name: 'never seen before: counts from now, minor even with no grace',
      facts: debian([upd('libfoo1')]),
      status: 'non-compliant-minor',
      reason: 'none older than the 0-day grace period',
      since: [NOW.toISOString()],
    },
    {
      name: 'without an OS fact the first report is used',
      facts: { pendingUpdates: ok({ updates: [upd('openssl', { version: '3.0.15-1' })] }) },
      params: GRACE_7,
      firstReported: { openssl: daysAgo(2) },
      status: 'non-compliant-minor',
      reason: 'none older',
      since: [daysAgo(2).toISOString()],
    },
    {
      name: 'non-security updates do not count',
      facts: debian([upd('libfoo1'), upd('vim', { security: false })]),
      params: GRACE_7,
      firstReported: { libfoo1: daysAgo(1), vim: daysAgo(100) },
      status: 'non-compliant-minor',
      reason: '1 pending security update',
    },
    {
      name: 'mixed ages: any past grace makes it major',
      facts: debian([upd('libfoo1'), upd('libbar2')]),
      params: GRACE_7,
      firstReported: { libfoo1: daysAgo(1), libbar2: daysAgo(10) },
      status: 'non-compliant-major',
      reason: '2 pending security updates, 1 older than the 7-day grace period',
      since: [daysAgo(1).toISOString(), daysAgo(10).toISOString()],
    },
    {
      name: 'Windows KB dated by the definitions',
      facts: { os: ok(WINDOWS_11), pendingUpdates: ok({ updates: [upd('KB5058405')] }) },
      params: { graceDays: 14 },
      status: 'non-compliant-major',
      reason: '1 older than the 14-day grace period',
      since: ['2025-05-13T00:00:00.000Z'],
    },
    { name: 'reboot pending alone is minor', facts: debian([], true), status: 'non-compliant-minor', reason: 'a restart is required' },
    {
      name: 'reboot pending alone is major when the policy says so',
      facts: debian([], true),
      params: { rebootRequiredIsMinor: false },
      status: 'non-compliant-major',
      reason: 'a restart is required',
    },
    {
      name: 'young update plus reboot',
      facts: debian([upd('libfoo1')], true),
      params: GRACE_7,
      status: 'non-compliant-minor',
      reason: '1 pending security update, none older than the 7-day grace period; a restart is required',
    },
    { name: 'no pending-updates fact', facts: { os: ok(DEBIAN_12) }, status: 'unknown', reason: 'no pending updates evidence reported' },
    { name: 'collector timed out', facts: { pendingUpdates: unknownFact('apt-check timed out') }, status: 'unknown', reason: 'apt-check timed out' },
    { name: 'collector failed', facts: { pendingUpdates: errorFact('COM error 0x8024402c') }, status: 'error', reason: '0x8024402c' },
    {
      name: 'malformed fact',
      facts: { pendingUpdates: ok({ updates: 'none' } as unknown as PendingUpdatesFact) },
      status: 'error',
      reason: 'malformed pending updates evidence',
    },
  ])('$name', (row) => {
    const ctx = contextOf(row.facts, { definitions, firstReported: new Map(Object.entries(row.firstReported ?? {})) });
    const r = runCheck('pending-updates', ctx, row.params ?? {});
    expect(r.status).toBe(row.status);
    expect(r.reason.en).toContain(row.reason);
    expectWellFormed(r);
    if (row.since) {
      expect(r.findings?.map((f) => f.since)).toEqual(row.since);
      expect(r.failingSince).toBe([...row.since].sort()[0]);
    }
  });

  test('findings list each counted update with its id, version and since', () => {
    const r = runCheck(
      'pending-updates',
      contextOf(debian([upd('openssl', { version: '3.0.15-1' }), upd('libfoo1'), upd('vim', { security: false })]), {
        definitions,
        firstReported: new Map([['libfoo1', daysAgo(2)]]),
      }),
      GRACE_7,
    );
    expect(r.findings).toEqual([
      { kind: 'pending-update', name: 'openssl', version: '3.0.15-1', since: '2025-05-10T00:00:00.000Z' },
      { kind: 'pending-update', name: 'libfoo1', since: daysAgo(2).toISOString() },
    ]);
    expect(r.failingSince).toBe('2025-05-10T00:00:00.000Z');
    expect(r.evidence?.map((e) => e.fact)).toEqual(['pendingUpdates', 'os']);
    expect(r.reason.ja).toBe('保留中のセキュリティ更新プログラムが 2 件あり、うち 1 件が猶予期間（7 日）を超えています');
    expect(r.remediation[0]?.en).toContain('sudo apt-get update && sudo apt-get upgrade');
  });

  test('Windows remediation points to Windows Update, in English and Japanese', () => {
    const r = runCheck('pending-updates', contextOf({ os: ok(WINDOWS_11), pendingUpdates: ok({ updates: [upd('KB5058405')], rebootRequired: true }) }, { definitions }), {});
    expect(r.remediation).toEqual([
      {
        en: 'Run Windows Update and install the pending security updates (KB5058405).',
        ja: 'Windows Update を実行して、保留中のセキュリティ更新プログラム（KB5058405）をインストールしてください。',
      },
      {
        en: 'Restart the computer to finish installing the updates.',
        ja: '更新プログラムのインストールを完了するため、コンピューターを再起動してください。',
      },
    ]);
  });

  test('reboot alone has no findings and no failingSince', () => {
    const r = runCheck('pending-updates', contextOf(debian([], true)), {});
    expect(r.findings).toBeUndefined();
    expect(r.failingSince).toBeUndefined();
  });

  test('age is measured from ctx.now, not the wall clock', () => {
    const facts = debian([upd('libfoo1')]);
    const firstReported = new Map([['libfoo1', daysAgo(3)]]);
    const later = new Date(NOW.getTime() + 5 * DAY);
    expect(runCheck('pending-updates', contextOf(facts, { firstReported }), GRACE_7).status).toBe('non-compliant-minor');
    expect(runCheck('pending-updates', contextOf(facts, { firstReported, now: later }), GRACE_7).status).toBe('non-compliant-major');
  });
});
