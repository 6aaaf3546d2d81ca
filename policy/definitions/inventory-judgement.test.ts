import { describe, expect, test } from 'vitest';
import { inventoryDigest, rememberDigest } from '../posture/inventory-digest.js';
import { INVENTORY_MEMO_LIMIT, judgeInventory } from './inventory-judgement.js';
import { createDefinitionsView } from './memory-view.js';
import { CLEAN } from './package-assessment.js';
import type { PackageAssessor } from './view.js';

const view = createDefinitionsView({
  advisories: [{ id: 'DSA-1', platform: 'debian:bookworm', package: 'openssl', scheme: 'dpkg', fixedVersion: '3.0.15-1', cves: ['CVE-2024-1'] }],
  forbidden: [{ name: 'telnetd', reason: 'cleartext logins' }],
});

/** The view's assessor, counting calls: a call per package means the inventory was judged anew. */
function counted(): { assess: PackageAssessor; calls: () => number } {
  const inner = view.packageAssessor('debian:bookworm');
  let n = 0;
  return {
    assess: (name, version) => {
      n++;
      return inner(name, version);
    },
    calls: () => n,
  };
}

const inventory = () => ({
  packages: [
    { name: 'openssl', version: '3.0.11-1' },
    { name: 'bash', version: '5.2.15-2' },
    { name: 'telnetd', version: '0.17-44' },
  ],
});

describe('judgeInventory', () => {
  test('flags exactly the packages that are not clean, and no others', () => {
    const { assess } = counted();
    const v = inventory();
    const flagged = judgeInventory(assess, v, v.packages)!;
    expect(flagged.map((f) => f.name)).toEqual(['openssl', 'telnetd']);
    expect(flagged[0]!.assessment.vulnerable?.fixedVersion).toBe('3.0.15-1');
    expect(flagged[1]!.assessment.forbidden?.reason).toBe('cleartext logins');
    expect(flagged.every((f) => f.assessment !== CLEAN)).toBe(true);
  });

  test('identical content in a new object (a new report) is not judged again', () => {
    const { assess, calls } = counted();
    const a = inventory();
    const first = judgeInventory(assess, a, a.packages);
    expect(calls()).toBe(3);
    const b = inventory();
    expect(judgeInventory(assess, b, b.packages)).toBe(first);
    expect(calls()).toBe(3);
  });

  test('different content is judged: one changed version changes the verdict', () => {
    const { assess, calls } = counted();
    const a = inventory();
    expect(judgeInventory(assess, a, a.packages)!.map((f) => f.name)).toContain('openssl');
    const fixed = inventory();
    fixed.packages[0]!.version = '3.0.15-1';
    expect(judgeInventory(assess, fixed, fixed.packages)!.map((f) => f.name)).toEqual(['telnetd']);
    expect(calls()).toBe(6);
  });

  test('a new assessor (new definitions, other platform) starts its own memo', () => {
    const a = counted();
    const b = counted();
    const v = inventory();
    judgeInventory(a.assess, v, v.packages);
    judgeInventory(b.assess, v, v.packages);
    expect([a.calls(), b.calls()]).toEqual([3, 3]);
  });

  test.each([[null], ['openssl'], [{ name: 'openssl' }], [{ name: 'openssl', version: 3 }], [{ name: 7, version: '1' }]])('an entry %j makes the inventory malformed, memoised too', (entry) => {
    const { assess, calls } = counted();
    const v = { packages: [{ name: 'bash', version: '5.2.15-2' }, entry] };
    expect(judgeInventory(assess, v, v.packages)).toBeUndefined();
    const again = { packages: [{ name: 'bash', version: '5.2.15-2' }, entry] };
    expect(judgeInventory(assess, again, again.packages)).toBeUndefined();
    expect(calls()).toBe(1);
  });

  test('past the limit the least recently used inventory is forgotten, a recently used one kept', () => {
    const { assess, calls } = counted();
    const inv = (i: number) => ({ packages: [{ name: `pkg-${i}`, version: '1' }] });
    for (let i = 0; i < INVENTORY_MEMO_LIMIT; i++) {
      const v = inv(i);
      judgeInventory(assess, v, v.packages);
    }
    // Touch inventory 0: now the most recent; inventory 1 is the oldest.
    const zero = inv(0);
    judgeInventory(assess, zero, zero.packages);
    const extra = inv(INVENTORY_MEMO_LIMIT);
    judgeInventory(assess, extra, extra.packages);
    const before = calls();
    const z = inv(0);
    judgeInventory(assess, z, z.packages);
    expect(calls()).toBe(before);
    const one = inv(1);
    judgeInventory(assess, one, one.packages);
    expect(calls()).toBe(before + 1);
  });
});

describe('inventoryDigest', () => {
  test('is the SHA-256 of the JSON, computed once per object', () => {
    const v = inventory();
    const d = inventoryDigest(v);
    expect(d.json).toBe(JSON.stringify(v));
    expect(d.hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(inventoryDigest(v)).toBe(d);
    expect(inventoryDigest(inventory()).hash).toBe(d.hash);
  });

  test('a remembered digest (an inventory read back from the store) is used as given', () => {
    const stored = inventoryDigest(inventory());
    const parsed = JSON.parse(stored.json) as object;
    rememberDigest(parsed, stored);
    expect(inventoryDigest(parsed)).toBe(stored);
  });
});
