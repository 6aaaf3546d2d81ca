import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { DhcpLease, Store } from '../repository.js';
import { createSqliteStore } from './store.js';

const T0 = Date.parse('2026-11-24T08:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const lease = (ip: string, mac: string, from: number, seconds: number, extra: Partial<DhcpLease> = {}): DhcpLease => ({
  tenantId: 'a', scope: 'lan', ip, mac, pool: 'production', state: 'bound', boundAt: at(from), expiresAt: at(from + seconds), updatedAt: at(from), ...extra,
});

let dir: string;
let stores: Store[];
let store: Store;
const open = (): Store => {
  const s = createSqliteStore(join(dir, 'kenneki.db'), { writerThread: false });
  stores.push(s);
  return s;
};
const holders = async (s: Store) => (await s.dhcpLeases.live(at(-1e6))).map((l) => `${l.scope} ${l.ip} ${l.mac || '(declined)'}`).sort();

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kenneki-dhcp-leases-'));
  stores = [];
  store = open();
  await store.tenants.ensure({ id: 'a', name: 'A' });
  await store.tenants.ensure({ id: 'b', name: 'B' });
});
afterEach(async () => {
  for (const s of stores) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('DHCP leases in the store', () => {
  test('an address held unexpired by one MAC is refused to another, and the holder keeps it', async () => {
    expect(await store.dhcpLeases.bind(lease('10.0.0.10', 'aa:aa:aa:aa:aa:01', 0, 60), at(0))).toBe(true);
    expect(await store.dhcpLeases.bind(lease('10.0.0.10', 'aa:aa:aa:aa:aa:02', 30, 60), at(30))).toBe(false);
    expect(await holders(store)).toEqual(['lan 10.0.0.10 aa:aa:aa:aa:aa:01']);
  });

  test('a renewal extends the lease and keeps when it was first bound', async () => {
    await store.dhcpLeases.bind(lease('10.0.0.10', 'aa:aa:aa:aa:aa:01', 0, 60), at(0));
    expect(await store.dhcpLeases.bind(lease('10.0.0.10', 'aa:aa:aa:aa:aa:01', 30, 60, { hostname: 'pc1' }), at(30))).toBe(true);
    const [l] = await store.dhcpLeases.live(at(0));
    expect(l).toMatchObject({ ip: '10.0.0.10', mac: 'aa:aa:aa:aa:aa:01', boundAt: at(0), expiresAt: at(90), updatedAt: at(30), hostname: 'pc1' });
  });

  test('an expired address can go to someone else, who starts a lease of their own', async () => {
    await store.dhcpLeases.bind(lease('10.0.0.10', 'aa:aa:aa:aa:aa:01', 0, 60), at(0));
    expect(await store.dhcpLeases.bind(lease('10.0.0.10', 'aa:aa:aa:aa:aa:02', 61, 60), at(61))).toBe(true);
    const [l] = await store.dhcpLeases.live(at(0));
    expect(l).toMatchObject({ mac: 'aa:aa:aa:aa:aa:02', boundAt: at(61) });
  });

  test('a client holds one address per scope: moving pools drops its old lease in the same write', async () => {
    await store.dhcpLeases.bind(lease('10.0.9.10', 'aa:aa:aa:aa:aa:01', 0, 60, { pool: 'quarantine' }), at(0));
    await store.dhcpLeases.bind(lease('10.0.0.10', 'aa:aa:aa:aa:aa:01', 10, 3600), at(10));
    expect(await holders(store)).toEqual(['lan 10.0.0.10 aa:aa:aa:aa:aa:01']);
    // Another scope, another tenant: untouched.
    await store.dhcpLeases.bind(lease('10.1.0.10', 'aa:aa:aa:aa:aa:01', 10, 60, { scope: 'branch' }), at(10));
    await store.dhcpLeases.bind(lease('10.0.0.10', 'aa:aa:aa:aa:aa:01', 10, 60, { tenantId: 'b' }), at(10));
    expect((await store.dhcpLeases.live(at(0))).length).toBe(3);
  });

  test('a declined address is held back from everyone until it expires, then reclaimed', async () => {
    await store.dhcpLeases.bind(lease('10.0.0.10', 'aa:aa:aa:aa:aa:01', 0, 60), at(0));
    await store.dhcpLeases.decline('a', 'lan', '10.0.0.10', at(600), at(5));
    expect(await holders(store)).toEqual(['lan 10.0.0.10 (declined)']);
    // Not even the client that declined it gets it back before the hold ends.
    expect(await store.dhcpLeases.bind(lease('10.0.0.10', 'aa:aa:aa:aa:aa:01', 10, 60), at(10))).toBe(false);
    expect(await store.dhcpLeases.bind(lease('10.0.0.10', 'aa:aa:aa:aa:aa:02', 10, 60), at(10))).toBe(false);
    expect(await store.dhcpLeases.reclaim(at(601))).toBe(1);
    expect(await store.dhcpLeases.bind(lease('10.0.0.10', 'aa:aa:aa:aa:aa:02', 602, 60), at(602))).toBe(true);
  });

  test('release removes only the releasing MAC\'s own lease', async () => {
    await store.dhcpLeases.bind(lease('10.0.0.10', 'aa:aa:aa:aa:aa:01', 0, 60), at(0));
    expect(await store.dhcpLeases.release('a', 'lan', '10.0.0.10', 'aa:aa:aa:aa:aa:02')).toBe(false);
    expect(await store.dhcpLeases.release('b', 'lan', '10.0.0.10', 'aa:aa:aa:aa:aa:01')).toBe(false);
    expect(await store.dhcpLeases.release('a', 'lan', '10.0.0.10', 'aa:aa:aa:aa:aa:01')).toBe(true);
    expect(await holders(store)).toEqual([]);
  });

  test('leases survive a reopen, and list is scoped by tenant', async () => {
    await store.dhcpLeases.bind(lease('10.0.0.10', 'aa:aa:aa:aa:aa:01', 0, 60, { clientId: '01aaaaaaaaaa01' }), at(0));
    await store.dhcpLeases.bind(lease('10.0.0.11', 'aa:aa:aa:aa:aa:02', 0, 60, { tenantId: 'b' }), at(0));
    await store.close();
    const again = open();
    expect((await again.dhcpLeases.live(at(0))).map((l) => [l.tenantId, l.ip, l.clientId])).toEqual(expect.arrayContaining([['a', '10.0.0.10', '01aaaaaaaaaa01'], ['b', '10.0.0.11', undefined]]));
    const page = await again.dhcpLeases.list('a', { limit: 10, offset: 0 });
    expect(page.items.map((l) => l.ip)).toEqual(['10.0.0.10']);
    expect(page.total).toBe(1);
    expect((await again.dhcpLeases.list('a', { mac: 'aa:aa:aa:aa:aa:02', limit: 10, offset: 0 })).total).toBe(0);
  });

  test('property: whatever sequence of binds, declines and releases, no address ever has two live holders, and a refused bind changed nothing', async () => {
    const macs = ['aa:aa:aa:aa:aa:01', 'aa:aa:aa:aa:aa:02', 'aa:aa:aa:aa:aa:03'];
    const ips = ['10.0.0.10', '10.0.0.11'];
    const op = fc.oneof(
      fc.record({ kind: fc.constant('bind' as const), ip: fc.constantFrom(...ips), mac: fc.constantFrom(...macs), seconds: fc.integer({ min: 1, max: 30 }) }),
      fc.record({ kind: fc.constant('decline' as const), ip: fc.constantFrom(...ips), seconds: fc.integer({ min: 1, max: 30 }) }),
      fc.record({ kind: fc.constant('release' as const), ip: fc.constantFrom(...ips), mac: fc.constantFrom(...macs) }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(op, fc.integer({ min: 0, max: 20 })), { maxLength: 25 }), async (ops) => {
        const scope = `p${run++}`;
        let clock = 0;
        for (const [o, step] of ops) {
          clock += step;
          const now = at(clock);
          const before = await store.dhcpLeases.list('a', { scope, limit: 100, offset: 0 });
          if (o.kind === 'bind') {
            const ok = await store.dhcpLeases.bind(lease(o.ip, o.mac, clock, o.seconds, { scope }), now);
            const holder = before.items.find((l) => l.ip === o.ip && l.expiresAt > now);
            // Refused exactly when someone else (or a decline) holds it live.
            expect(ok).toBe(!(holder && (holder.state === 'declined' || holder.mac !== o.mac)));
            if (!ok) expect((await store.dhcpLeases.list('a', { scope, limit: 100, offset: 0 })).items).toEqual(before.items);
          } else if (o.kind === 'decline') {
            await store.dhcpLeases.decline('a', scope, o.ip, at(clock + o.seconds), now);
          } else {
            await store.dhcpLeases.release('a', scope, o.ip, o.mac);
          }
          const live = (await store.dhcpLeases.list('a', { scope, limit: 100, offset: 0 })).items.filter((l) => l.expiresAt > now && l.state === 'bound');
          // One live holder per address, and one live address per MAC in the scope.
          expect(new Set(live.map((l) => l.ip)).size).toBe(live.length);
          expect(new Set(live.map((l) => l.mac)).size).toBe(live.length);
        }
      }),
      { numRuns: 150 },
    );
  });
});
