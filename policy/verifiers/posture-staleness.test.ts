import { describe, expect, test } from 'vitest';
import type { PostureFacts } from '../posture/facts.js';
import type { CheckParams, CheckStatus } from './contract.js';
import { runCheck } from './registry.js';
import { contextOf, expectWellFormed, hoursAgo, ok, unknownFact } from './test-context.js';

const at = (hours: number) => hoursAgo(hours).toISOString();
const FRESH: PostureFacts = { firewall: ok({ profiles: [] }, at(1)), secureBoot: ok(true, at(1.5)) };

describe('posture-staleness', () => {
  test.each<[string, PostureFacts, Date, CheckParams['posture-staleness'], CheckStatus, string]>([
    ['reported an hour ago', FRESH, hoursAgo(1), {}, 'compliant', 'posture reported 1 h ago'],
    ['reported exactly 24 h ago', { secureBoot: ok(true, at(24)) }, hoursAgo(24), {}, 'compliant', 'reported 24 h ago'],
    ['reported 25 h ago', { secureBoot: ok(true, at(25)) }, hoursAgo(25), {}, 'non-compliant-major', 'posture is stale (reported 25 h ago'],
    ['a longer TTL', { secureBoot: ok(true, at(25)) }, hoursAgo(25), { maxAgeHours: 48 }, 'compliant', 'reported 25 h ago'],
    ['a shorter TTL', FRESH, hoursAgo(2.5), { maxAgeHours: 2 }, 'non-compliant-major', 'reported 2.5 h ago'],
    [
      'fresh report carrying a last-known fact from 30 h ago',
      { ...FRESH, diskEncryption: ok({ systemVolumeProtected: true }, at(30), 'last-known') },
      hoursAgo(1),
      {},
      'non-compliant-major',
      'disk encryption evidence collected 30 h ago',
    ],
    ['an old unknown fact counts too', { ...FRESH, antivirus: { ...unknownFact('timed out'), collectedAt: at(40) } }, hoursAgo(1), {}, 'non-compliant-major', 'antivirus evidence collected 40 h ago'],
    ['a report with no facts is judged by its time', {}, hoursAgo(3), {}, 'compliant', 'reported 3 h ago'],
    ['report time unknown', FRESH, new Date(NaN), {}, 'unknown', 'report time not known'],
  ])('%s', (_name, facts, reportedAt, params, status, reason) => {
    const r = runCheck('posture-staleness', contextOf(facts, { reportedAt }), params);
    expect(r.status).toBe(status);
    expect(r.reason.en).toContain(reason);
    expectWellFormed(r);
  });

  test('evidence points at the oldest fact', () => {
    const facts = { ...FRESH, diskEncryption: ok({ systemVolumeProtected: true }, at(30), 'last-known') };
    const r = runCheck('posture-staleness', contextOf(facts, { reportedAt: hoursAgo(1) }), {});
    expect(r.evidence).toEqual([{ fact: 'diskEncryption', collectedAt: at(30), source: 'last-known' }]);
    expect(r.reason.ja).toBe('検査結果が古くなっています（ディスク暗号化の情報は 30 時間前に収集、上限 24 時間）');
  });
});
