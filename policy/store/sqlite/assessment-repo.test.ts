import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, test } from 'vitest';
import type { Decision } from '../../decide/decision.js';
import type { PostureFacts } from '../../posture/facts.js';
import type { Store } from '../repository.js';
import { lastKnownOverrides, withLastKnown } from './assessment-repo.js';
import { createSqliteStore } from './store.js';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 8, minute)).toISOString();
const ok = <T>(value: T, minute = 0) => ({ status: 'ok' as const, value, collectedAt: at(minute), source: 'nea-ietf' as const });
const unknown = (minute = 0) => ({ status: 'unknown' as const, reason: 'collector timed out', collectedAt: at(minute), source: 'nea-ietf' as const });
const packages = (n: number, minute = 0) => ok({ manager: 'dpkg', packages: Array.from({ length: n }, (_, i) => ({ name: `pkg-${i}`, version: `1.${i}` })) }, minute);
const decision = (minute: number): Decision => ({ verdict: 'allow', monitoredVerdict: 'allow', reasons: [], remediation: [], trace: { evaluatedAt: at(minute), checks: [], exceptions: [] } });

describe('last-known facts are stored as overrides of the report', () => {
  const firewallOn = ok({ profiles: [{ name: 'nft', enabled: true }] });
  const fresh: PostureFacts = { ipForwarding: ok(false, 5), firewall: unknown(5), packages: packages(3, 5) };
  test.each<[string, PostureFacts]>([
    ['every ok fact is its own last good value', { ipForwarding: fresh.ipForwarding!, packages: fresh.packages! }],
    ['an unknown fact keeps the previous good value', { ipForwarding: fresh.ipForwarding!, packages: fresh.packages!, firewall: firewallOn }],
    ['an ok fact missing from lastKnown stays missing', { packages: fresh.packages! }],
    ['a lastKnown value that is not the reported one is kept', { ipForwarding: ok(true, 1), packages: fresh.packages!, firewall: firewallOn }],
    ['whole lastKnown as written before the encoding', { ...fresh, firewall: firewallOn }],
  ])('%s', (_, lastKnown) => {
    const overrides = lastKnownOverrides(fresh, lastKnown);
    expect(withLastKnown(fresh, JSON.parse(JSON.stringify(overrides)))).toEqual(lastKnown);
  });

  it('stores nothing of the inventory when it was reported ok', () => {
    expect(lastKnownOverrides(fresh, { ipForwarding: fresh.ipForwarding!, packages: fresh.packages! })).toEqual({});
  });

  it('decodes a row written whole, before the encoding, to itself', () => {
    const whole = { ipForwarding: ok(true, 1), packages: packages(2, 1), firewall: firewallOn };
    expect(withLastKnown(fresh, whole)).toEqual(whole);
  });
});

describe('package inventories', () => {
  let dir: string;
  let store: Store;
  let endpointId: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kenneki-inventory-'));
    store = createSqliteStore(join(dir, 'k.db'));
    await store.tenants.ensure({ id: 't1', name: 'T1' });
    endpointId = (await store.endpoints.create('t1', { deviceId: 'machine-1' }, at(0), undefined)).id;
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const report = (minute: number, facts: PostureFacts) =>
    store.assessments.record({
      tenantId: 't1',
      endpointId,
      at: at(minute),
      cause: 'posture',
      report: { reportedAt: at(minute), source: 'nea-ietf', facts, lastKnown: facts, pendingUpdates: [] },
      findings: [],
      decision: decision(minute),
    });
  const rows = (sql: string) => {
    const db = new Database(join(dir, 'k.db'), { readonly: true });
    try {
      return db.prepare(sql).all();
    } finally {
      db.close();
    }
  };

  it('keeps one copy of an inventory reported again and again, and loads it back whole', async () => {
    for (let m = 1; m <= 3; m++) await report(m, { packages: packages(300, m), ipForwarding: ok(false, m) });
    expect(rows('SELECT hash FROM posture_inventories')).toHaveLength(1);
    expect(rows('SELECT id FROM posture_snapshots')).toHaveLength(3);
    const [one] = await store.assessments.loadState('t1', [endpointId]);
    const [batch] = await store.assessments.loadState('t1', [endpointId, 'no-such-endpoint']);
    expect(one!.posture!.facts).toEqual({ packages: packages(300, 3), ipForwarding: ok(false, 3) });
    expect(one!.posture!.lastKnown).toEqual(one!.posture!.facts);
    expect(batch).toEqual(one);
  });

  it('is scoped by tenant', async () => {
    await report(1, { packages: packages(3, 1) });
    expect(await store.assessments.loadState('t2', [endpointId])).toEqual([]);
  });

  it('the retention purge deletes inventories only purged snapshots referred to', async () => {
    await report(1, { packages: packages(5, 1) }); // inventory A, purged with its snapshot
    await report(2, { packages: packages(6, 2) }); // inventory B, also in the current posture
    await report(3, { packages: packages(6, 3) });
    await report(4, { packages: packages(7, 4) }); // inventory C, current
    expect(rows('SELECT hash FROM posture_inventories')).toHaveLength(3);
    expect(await store.retention.purgeSnapshots(at(3))).toBe(2);
    // B stays: the snapshot of minute 3 still refers to it.
    expect(rows('SELECT hash FROM posture_inventories')).toHaveLength(2);
    expect(await store.retention.purgeSnapshots(at(4))).toBe(1);
    expect(rows('SELECT hash FROM posture_inventories')).toHaveLength(1);
    expect((await store.assessments.loadState('t1', [endpointId]))[0]!.posture!.facts.packages).toEqual(packages(7, 4));
    // The current posture's inventory stays even when no snapshot is left.
    expect(await store.retention.purgeSnapshots(at(5))).toBe(1);
    expect(rows('SELECT hash FROM posture_inventories')).toHaveLength(1);
    expect((await store.assessments.loadState('t1', [endpointId]))[0]!.posture!.facts.packages).toEqual(packages(7, 4));
  });
});
