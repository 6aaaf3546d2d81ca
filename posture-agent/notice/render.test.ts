import { describe, expect, test } from 'vitest';
import type { AssessmentOutcome } from '../outcome.js';
import { formatDestination, formatDuration, formatTime, renderOutcome, renderUnreachable, statusLine, statusOf, type AgentStatus, type StatusSummary } from './render.js';

const base: AssessmentOutcome = {
  verdict: 'allow',
  remediation: [],
  language: 'en',
  quarantineAllow: [],
  assessedAt: '2026-11-23T17:26:00.000Z',
  server: 'nac.example.com:271',
};

const isolated: AssessmentOutcome = {
  ...base,
  verdict: 'isolate',
  reason: '2 security updates are missing.',
  remediation: ['Open Software Updater and install all updates.', 'Restart the computer.'],
  quarantineAllow: [{ host: 'deb.debian.org', protocol: 'tcp', ports: [80, 443] }, { host: '10.0.5.0/24' }],
};

const deniedJa: AssessmentOutcome = {
  ...base,
  verdict: 'deny',
  language: 'ja',
  reason: 'ディスクが暗号化されていません。',
  remediation: ['BitLocker を有効にしてください。'],
};

describe('renderOutcome', () => {
  test('isolate, English: exact text', () => {
    expect(renderOutcome(isolated, 'en')).toBe(
      [
        '[QUARANTINED] Quarantined: network access is limited',
        'Why: 2 security updates are missing.',
        'How to fix it:',
        '  1. Open Software Updater and install all updates.',
        '  2. Restart the computer.',
        'You can still reach:',
        '  - deb.debian.org (tcp/80,443)',
        '  - 10.0.5.0/24',
        'Kenneki will check again automatically.',
        'Checked 2026-11-23 17:26 UTC by nac.example.com:271',
        '',
      ].join('\n'),
    );
  });

  test('deny, Japanese: exact text, in Tokyo time', () => {
    expect(renderOutcome(deniedJa, 'ja', { timeZone: 'Asia/Tokyo' })).toBe(
      [
        '[拒否] ネットワーク接続が拒否されました',
        '理由：ディスクが暗号化されていません。',
        '対処方法：',
        '  1. BitLocker を有効にしてください。',
        '対処後、Kenneki が自動的に再チェックします。',
        '確認日時：2026-11-24 02:26 +09:00（サーバー：nac.example.com:271）',
        '',
      ].join('\n'),
    );
  });

  test('allow, English: exact text — no reason, no steps, no re-check line', () => {
    expect(renderOutcome(base, 'en')).toBe('[ALLOWED] Access allowed\nChecked 2026-11-23 17:26 UTC by nac.example.com:271\n');
  });

  test('allow, Japanese: exact text', () => {
    expect(renderOutcome(base, 'ja')).toBe('[許可] ネットワーク接続が許可されました\n確認日時：2026-11-23 17:26 UTC（サーバー：nac.example.com:271）\n');
  });

  test('deny, English; isolate, Japanese: the frame is in the agent language, server texts as sent', () => {
    const en = renderOutcome(deniedJa, 'en');
    expect(en).toContain('[DENIED] Access denied\nWhy: ディスクが暗号化されていません。\nHow to fix it:\n  1. BitLocker');
    const ja = renderOutcome(isolated, 'ja');
    expect(ja).toMatch(/^\[隔離中\] 検疫のため、ネットワーク接続が制限されました\n/);
    expect(ja).toContain('隔離中も次の接続先は利用できます：\n  - deb.debian.org (tcp/80,443)\n');
    expect(ja).toContain('対処方法：\n  1. Open Software Updater');
  });

  test('allowed with warnings: yellow headline, advice heading, re-check line', () => {
    const out = renderOutcome({ ...base, remediation: ['Install the pending updates within 3 days.'] }, 'en');
    expect(out).toBe(
      '[ALLOWED] Access allowed, with items to fix\nPlease fix these soon:\n  1. Install the pending updates within 3 days.\nKenneki will check again automatically.\nChecked 2026-11-23 17:26 UTC by nac.example.com:271\n',
    );
  });

  test('isolate without reason or steps says so, and whom to ask', () => {
    const out = renderOutcome({ ...base, verdict: 'isolate' }, 'en');
    expect(out).toContain('Why: The server gave no reason.\nHow to fix it:\n  Please contact your IT department.\n');
    expect(out).not.toContain('You can still reach');
  });

  test('colour only when asked: ANSI around the tag; none otherwise', () => {
    expect(renderOutcome(isolated, 'en', { color: true })).toMatch(/^\u001b\[1;31m\[QUARANTINED\]\u001b\[0m /);
    expect(renderOutcome(base, 'en', { color: true })).toMatch(/^\u001b\[1;32m\[ALLOWED\]/);
    expect(renderOutcome(isolated, 'en', { color: false })).not.toContain('\u001b');
  });

  test('plain English output is ASCII', () => {
    expect(renderOutcome(isolated, 'en')).toMatch(/^[\x20-\x7e\n]*$/);
  });

  test('server text cannot carry escape sequences or bidi overrides; multi-line text stays indented', () => {
    const out = renderOutcome(
      { ...isolated, reason: 'line one\r\nline \u001b[2Jtwo\u202e', remediation: ['step\nmore'], quarantineAllow: [{ host: 'evil\u001b]0;x\u0007.example' }] },
      'en',
    );
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(out).toContain('Why: line one\n  line [2Jtwo\n');
    expect(out).toContain('  1. step\n     more\n');
    expect(out).toContain('  - evil]0;x.example\n');
  });

  test('ten or more steps line up', () => {
    const out = renderOutcome({ ...isolated, remediation: Array.from({ length: 10 }, (_, i) => `s${i + 1}`) }, 'en');
    expect(out).toContain('\n   1. s1\n');
    expect(out).toContain('\n  10. s10\n');
  });

  test('renderUnreachable', () => {
    expect(renderUnreachable('nac.example.com:271', 'connect ECONNREFUSED', 'en')).toBe(
      '[ACTION NEEDED] Server unreachable: nac.example.com:271\nWhy: connect ECONNREFUSED\nKenneki will check again automatically.\n',
    );
  });
});

describe('formatting helpers', () => {
  test.each([
    [900_000, 'en', '15 min'],
    [3_600_000, 'en', '1 h'],
    [5_400_000, 'en', '90 min'],
    [90_000, 'en', '90 s'],
    [900_000, 'ja', '15分'],
    [7_200_000, 'ja', '2時間'],
  ] as const)('formatDuration(%d, %s) = %s', (ms, lang, text) => {
    expect(formatDuration(ms, lang)).toBe(text);
  });

  test('formatTime: UTC by default, offsets elsewhere, raw when unreadable', () => {
    expect(formatTime('2026-11-23T17:26:59Z')).toBe('2026-11-23 17:26 UTC');
    expect(formatTime('2026-11-23T17:26:00Z', 'Asia/Tokyo')).toBe('2026-11-24 02:26 +09:00');
    expect(formatTime('yesterday')).toBe('yesterday');
  });

  test.each([
    [{ host: 'a.example' }, 'a.example'],
    [{ host: 'a.example', protocol: 'any' as const }, 'a.example'],
    [{ host: 'dns.example', protocol: 'udp' as const }, 'dns.example (udp)'],
    [{ host: 'wsus', ports: [8530] }, 'wsus (any/8530)'],
  ])('formatDestination %j', (a, text) => {
    expect(formatDestination(a)).toBe(text);
  });
});

describe('status colour rules', () => {
  const now = new Date('2026-11-23T17:30:00Z');
  const interval = 15 * 60_000;
  const fresh = '2026-11-23T17:26:00Z';
  const old = '2026-11-23T17:00:00Z';
  const cases: [string, AgentStatus, StatusSummary][] = [
    ['never assessed', { intervalMs: interval }, { colour: 'red', reasons: ['never-assessed'] }],
    ['never assessed, server down', { intervalMs: interval, lastAttempt: { at: fresh, error: 'ECONNREFUSED' } }, { colour: 'red', reasons: ['never-assessed', 'server-unreachable'] }],
    ['allowed and fresh', { intervalMs: interval, last: { ...base, assessedAt: fresh }, lastAttempt: { at: fresh } }, { colour: 'green', reasons: [] }],
    ['allowed, exactly one interval old', { intervalMs: interval, last: { ...base, assessedAt: '2026-11-23T17:15:00Z' } }, { colour: 'green', reasons: [] }],
    ['allowed with warnings', { intervalMs: interval, last: { ...base, assessedAt: fresh, remediation: ['x'] } }, { colour: 'yellow', reasons: ['warnings'] }],
    ['allowed but stale', { intervalMs: interval, last: { ...base, assessedAt: old } }, { colour: 'yellow', reasons: ['stale'] }],
    ['allowed, unreadable time', { intervalMs: interval, last: { ...base, assessedAt: 'garbage' } }, { colour: 'yellow', reasons: ['stale'] }],
    ['allowed, last attempt failed', { intervalMs: interval, last: { ...base, assessedAt: fresh }, lastAttempt: { at: '2026-11-23T17:29:00Z', error: 'timeout' } }, { colour: 'yellow', reasons: ['server-unreachable'] }],
    ['failure older than the outcome is superseded', { intervalMs: interval, last: { ...base, assessedAt: fresh }, lastAttempt: { at: '2026-11-23T17:20:00Z', error: 'timeout' } }, { colour: 'green', reasons: [] }],
    ['allowed, warnings, stale, unreachable', { intervalMs: interval, last: { ...base, assessedAt: old, remediation: ['x'] }, lastAttempt: { at: fresh, error: 'e' } }, { colour: 'yellow', reasons: ['warnings', 'stale', 'server-unreachable'] }],
    ['isolated', { intervalMs: interval, last: { ...isolated, assessedAt: fresh } }, { colour: 'red', reasons: ['isolated'] }],
    ['denied and stale', { intervalMs: interval, last: { ...deniedJa, assessedAt: old } }, { colour: 'red', reasons: ['denied', 'stale'] }],
    ['clock skew: outcome from the future is fresh', { intervalMs: interval, last: { ...base, assessedAt: '2026-11-23T18:00:00Z' } }, { colour: 'green', reasons: [] }],
  ];
  test.each(cases)('%s', (_name, status, expected) => {
    expect(statusOf(status, now)).toEqual(expected);
  });

  test('status lines, exact', () => {
    expect(statusLine({ intervalMs: interval, last: { ...base, assessedAt: fresh } }, 'en', { now })).toBe('[OK] Access allowed (last checked 2026-11-23 17:26 UTC)');
    expect(statusLine({ intervalMs: interval, last: { ...base, assessedAt: old }, lastAttempt: { at: fresh, error: 'connect ECONNREFUSED' } }, 'en', { now })).toBe(
      '[WARNING] Access allowed - the last check is more than 15 min old; the server could not be reached at the last attempt (connect ECONNREFUSED) (last checked 2026-11-23 17:00 UTC)',
    );
    expect(statusLine({ intervalMs: interval }, 'en', { now })).toBe('[ACTION NEEDED] Not checked yet');
    expect(statusLine({ intervalMs: interval, last: { ...isolated, assessedAt: fresh } }, 'ja', { now })).toBe(
      '[要対応] 検疫のため、ネットワーク接続が制限されました（最終チェック：2026-11-23 17:26 UTC）',
    );
    expect(statusLine({ intervalMs: interval, last: { ...base, assessedAt: old, remediation: ['x'] } }, 'ja', { now })).toBe(
      '[注意] ネットワーク接続が許可されました - 対応が必要な項目があります、前回のチェックから15分以上経過しています（最終チェック：2026-11-23 17:00 UTC）',
    );
  });

  test('status colour in ANSI only when asked', () => {
    expect(statusLine({ intervalMs: interval }, 'en', { now, color: true })).toBe('\u001b[1;31m[ACTION NEEDED]\u001b[0m Not checked yet');
    expect(statusLine({ intervalMs: interval, last: { ...base, assessedAt: old } }, 'en', { now, color: true })).toMatch(/^\u001b\[1;33m\[WARNING\]/);
  });
});
