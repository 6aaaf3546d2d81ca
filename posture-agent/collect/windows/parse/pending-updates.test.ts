import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { schemaErrors } from '../fact-schema.test-helper.js';
import { fixture } from '../fixtures.test-helper.js';
import { parsePendingUpdates } from './pending-updates.js';

describe('parsePendingUpdates', () => {
  test.each([
    [
      'pending-updates/win11-four-pending.json',
      {
        updates: [
          // MsrcSeverity set.
          { id: 'KB5046633', package: 'Windows 11', security: true },
          // Definition updates are not security updates: signature age is its own check.
          { id: 'KB2267602', package: 'Microsoft Defender Antivirus', security: false },
          // No KB: the update's GUID.
          { id: '6a1f0c3e-2b4d-4e5f-9a8b-7c6d5e4f3a21', package: 'Windows 11 Client, version 22H2 and later, Servicing Drivers', security: false },
          // No severity, but classified Critical Updates.
          { id: 'KB5045934', package: 'Windows 11', security: true },
        ],
        rebootRequired: false,
      },
    ],
    ['pending-updates/none-reboot-required.json', { updates: [], rebootRequired: true }],
    // Category names are localised: the classification GUID (here in upper case) still says security.
    // KBArticleIDs as a bare string: a one-element collection unrolled.
    ['pending-updates/ja-locale.json', { updates: [{ id: 'KB5046633', package: 'Windows 11', security: true }], rebootRequired: false }],
  ])('%s', (path, expected) => {
    const fact = parsePendingUpdates(fixture(path));
    expect(fact).toEqual(expected);
    expect(schemaErrors('pendingUpdates', fact)).toEqual([]);
  });

  test('one KB offered twice is one entry, security if either is', () => {
    const out = JSON.stringify({
      Updates: [
        { KBArticleIDs: ['5046633'], Categories: [] },
        { KBArticleIDs: ['KB5046633'], MsrcSeverity: 'Critical', Categories: [] },
      ],
    });
    expect(parsePendingUpdates(out)).toEqual({ updates: [{ id: 'KB5046633', security: true }] });
  });

  test('no output at all is unavailable, not "nothing pending"', () => {
    expect(() => parsePendingUpdates('')).toThrow(FactUnavailable);
  });
});
