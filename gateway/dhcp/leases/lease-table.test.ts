import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../policy/store/repository.js';
import { createSqliteStore } from '../../../policy/store/sqlite/store.js';
import { ipv4ToInt } from '../../../policy/util/ipv4.js';
import { LeaseTable, type ScopeSpec } from './lease-table.js';

const A = 'aa:aa:aa:aa:aa:01';
const B = 'aa:aa:aa:aa:aa:02';
const C = 'aa:aa:aa:aa:aa:03';
const range = (a: string, b: string) => ({ first: ipv4ToInt(a)!, last: ipv4ToInt(b)! });
const SCOPES: ScopeSpec[] = [
  { tenantId: 'a', name: 'lan', pools: [{ name: 'production', ...range('10.0.1.10', '10.0.1.11'), leaseSeconds: 3600 }, { name: 'quarantine', ...range('10.0.9.10', '10.0.9.12'), leaseSeconds: 60 }] },
];

let dir: string;
let stores: Store[];
let clock: number;
const openStore = () => {
  const s = createSqliteStore(join(dir, 'kenneki.db'), { writerThread: false });
  stores.push(s);
  return s;
};
const table = (store: Store) => LeaseTable.load({ store: store.dhcpLeases, scopes: SCOPES, now: () => clock, offerHoldMs: 30_000, declineHoldSeconds: 600 });

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kenneki-lease-table-'));
  stores = [];
  clock = Date.parse('2026-11-24T08:00:00.000Z');
  await openStore().tenants.ensure({ id: 'a', name: 'A' });
});
afterEach(async () => {
  for (const s of stores) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('LeaseTable', () => {
  it('offers, binds, renews the same address, and keeps it across a restart', async () => {
    const t = await table(stores[0]!);
    const o = t.offer('a', 'lan', A, 'quarantine');
    expect(o).toEqual({ ip: '10.0.9.10' });
    // A second DISCOVER gets the same offer, not a second address.
    expect(t.offer('a', 'lan', A, 'quarantine')).toEqual(o);
    const b = await t.bind('a', 'lan', A, 'quarantine', '10.0.9.10', { hostname: 'pc1' });
    expect(b).toMatchObject({ lease: { ip: '10.0.9.10', mac: A, pool: 'quarantine', hostname: 'pc1' } });
    clock += 30_000;
    expect(await t.bind('a', 'lan', A, 'quarantine', '10.0.9.10')).toMatchObject({ lease: { ip: '10.0.9.10' } });
    const again = await table(openStore());
    expect(again.holding('a', 'lan', A)).toEqual({ ip: '10.0.9.10', pool: 'quarantine', state: 'bound' });
    // And the address is not offered to anyone else after the restart.
    expect(again.offer('a', 'lan', B, 'quarantine')).toEqual({ ip: '10.0.9.11' });
  });

  it('refuses an address someone else holds or was offered, and one outside the pool', async () => {
    const t = await table(stores[0]!);
    t.offer('a', 'lan', A, 'production');
    expect(await t.bind('a', 'lan', B, 'production', '10.0.1.10')).toEqual({ refused: 'taken' });
    expect(await t.bind('a', 'lan', B, 'production', '10.0.9.10')).toEqual({ refused: 'not-in-pool' });
    expect(await t.bind('a', 'lan', A, 'production', '10.0.1.10')).toMatchObject({ lease: { mac: A } });
    expect(await t.bind('a', 'lan', B, 'production', '10.0.1.10')).toEqual({ refused: 'taken' });
  });

  it('two REQUESTs for one free address at once: exactly one wins', async () => {
    const t = await table(stores[0]!);
    const [x, y] = await Promise.all([t.bind('a', 'lan', A, 'production', '10.0.1.11'), t.bind('a', 'lan', B, 'production', '10.0.1.11')]);
    expect([x, y].filter((r) => 'lease' in r)).toHaveLength(1);
  });

  it('the same client\'s REQUEST twice at once (heard directly and through a relay) gets one lease, twice', async () => {
    const t = await table(stores[0]!);
    await t.bind('a', 'lan', A, 'production', '10.0.1.10');
    const [x, y] = await Promise.all([t.bind('a', 'lan', A, 'production', '10.0.1.10'), t.bind('a', 'lan', A, 'production', '10.0.1.10')]);
    expect(x).toMatchObject({ lease: { ip: '10.0.1.10', mac: A } });
    expect(y).toEqual(x);
  });

  it('moving pools: the production offer is separate, and binding it drops the quarantine lease', async () => {
    const t = await table(stores[0]!);
    await t.bind('a', 'lan', A, 'quarantine', '10.0.9.10');
    const o = t.offer('a', 'lan', A, 'production');
    expect(o).toEqual({ ip: '10.0.1.10' });
    expect(t.offer('a', 'lan', A, 'production')).toEqual(o);
    await t.bind('a', 'lan', A, 'production', '10.0.1.10');
    expect(t.holding('a', 'lan', A)).toEqual({ ip: '10.0.1.10', pool: 'production', state: 'bound' });
    expect(t.usage('a', 'lan', 'quarantine')).toEqual({ used: 0, size: 3 });
    expect((await stores[0]!.dhcpLeases.live(new Date(clock).toISOString())).map((l) => l.ip)).toEqual(['10.0.1.10']);
  });

  it('exhaustion is an answer, not a hang; expired offers and leases come back', async () => {
    const t = await table(stores[0]!);
    expect(t.offer('a', 'lan', A, 'production')).toEqual({ ip: '10.0.1.10' });
    expect(t.offer('a', 'lan', B, 'production')).toEqual({ ip: '10.0.1.11' });
    expect(t.offer('a', 'lan', C, 'production')).toEqual({ exhausted: true });
    clock += 31_000;
    expect(t.offer('a', 'lan', C, 'production')).toMatchObject({ ip: expect.stringMatching(/^10\.0\.1\.1[01]$/) });
    expect(t.offer('a', 'lan', A, 'registration')).toEqual({ noPool: true });
  });

  it('a flood of DISCOVERs against a really full pool gets exhaustion every time, and an offer that expires is handed out again', async () => {
    const t = await table(stores[0]!);
    t.offer('a', 'lan', A, 'production');
    t.offer('a', 'lan', B, 'production');
    for (let i = 0; i < 1000; i++) expect(t.offer('a', 'lan', `aa:aa:aa:aa:ab:${(i % 256).toString(16).padStart(2, '0')}`, 'production')).toEqual({ exhausted: true });
    // The offers expire; the next DISCOVER after the hold finds one of them free again.
    clock += 31_000;
    expect(t.offer('a', 'lan', C, 'production')).toMatchObject({ ip: expect.stringMatching(/^10\.0\.1\.1[01]$/) });
  });

  it('a declined address is held back from everyone, survives a restart, and only its holder may decline it', async () => {
    const t = await table(stores[0]!);
    await t.bind('a', 'lan', A, 'production', '10.0.1.10');
    expect(await t.decline('a', 'lan', B, '10.0.1.10')).toBe(false);
    expect(await t.decline('a', 'lan', A, '10.0.1.10')).toBe(true);
    const again = await table(openStore());
    expect(again.offer('a', 'lan', C, 'production')).toEqual({ ip: '10.0.1.11' });
    expect(await again.bind('a', 'lan', C, 'production', '10.0.1.10')).toEqual({ refused: 'taken' });
    clock += 601_000;
    expect(again.sweep()).toBeGreaterThan(0);
    expect(await again.bind('a', 'lan', C, 'production', '10.0.1.10')).toMatchObject({ lease: { ip: '10.0.1.10' } });
  });

  it('release frees the address for the next client, and only for the holder', async () => {
    const t = await table(stores[0]!);
    await t.bind('a', 'lan', A, 'production', '10.0.1.10');
    expect(await t.release('a', 'lan', B, '10.0.1.10')).toBe(false);
    expect(await t.release('a', 'lan', A, '10.0.1.10')).toBe(true);
    expect(await t.bind('a', 'lan', B, 'production', '10.0.1.10')).toMatchObject({ lease: { mac: B } });
  });

  it('a store that refuses (memory out of step) means no lease, and the address is not left claimed', async () => {
    const store = stores[0]!;
    // Another writer bound the address behind this table's back.
    const t = await table(store);
    await store.dhcpLeases.bind({ tenantId: 'a', scope: 'lan', ip: '10.0.1.10', mac: C, pool: 'production', state: 'bound', boundAt: new Date(clock).toISOString(), expiresAt: new Date(clock + 3_600_000).toISOString(), updatedAt: new Date(clock).toISOString() }, new Date(clock).toISOString());
    expect(await t.bind('a', 'lan', A, 'production', '10.0.1.10')).toEqual({ refused: 'store-refused' });
    expect(t.usage('a', 'lan', 'production')).toEqual({ used: 0, size: 2 });
  });
});
