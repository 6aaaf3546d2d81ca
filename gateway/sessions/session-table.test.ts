/** The session table over a real (in-memory) store: write-behind, re-keying, supersede, reload. */
import pino from 'pino';
import { afterEach, expect, test } from 'vitest';
import type { Store } from '../../policy/store/repository.js';
import { createSqliteStore } from '../../policy/store/sqlite/store.js';
import { SessionTable } from './session-table.js';

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function setup(): Promise<{ table: SessionTable; clock: { t: number }; stored: () => Promise<Awaited<ReturnType<Store['sessions']['list']>>['items']> }> {
  store = createSqliteStore(':memory:');
  await store.tenants.ensure({ id: 'default', name: 'Default' });
  const clock = { t: Date.parse('2026-11-23T10:00:00Z') };
  const s = store;
  const table = new SessionTable({ store: s, log: pino({ level: 'silent' }), now: () => new Date(clock.t), flushIntervalMs: 3_600_000 });
  await table.start();
  return { table, clock, stored: async () => (await s.sessions.list('default', { limit: 100, offset: 0 })).items };
}

const touch = { tenantId: 'default', nas: 'sw1', nasAddress: '10.0.0.2', mac: '02:00:5e:00:00:01' };

test('an unchanged re-authorization is written at most once a minute; a placement change at the next flush', async () => {
  const { table, clock, stored } = await setup();
  table.authorized({ ...touch, vlan: '10', placement: 'production' });
  await table.flush();
  const first = (await stored())[0]!;
  expect(first).toMatchObject({ key: 'sw1|mac:02:00:5e:00:00:01', vlan: '10', placement: 'production', startedAt: '2026-11-23T10:00:00.000Z' });
  clock.t += 30_000;
  table.authorized({ ...touch, vlan: '10', placement: 'production' });
  await table.flush();
  expect((await stored())[0]!.updatedAt).toBe(first.updatedAt);
  clock.t += 31_000;
  table.authorized({ ...touch, vlan: '10', placement: 'production' });
  await table.flush();
  expect((await stored())[0]!.updatedAt).toBe('2026-11-23T10:01:01.000Z');
  clock.t += 1000;
  table.authorized({ ...touch, vlan: '99', placement: 'quarantine' });
  await table.flush();
  expect((await stored())[0]).toMatchObject({ vlan: '99', placement: 'quarantine', startedAt: '2026-11-23T10:00:00.000Z' });
});

test('accounting names the session: the MAC-keyed one is re-keyed, Stop ends it and it leaves memory', async () => {
  const { table, stored } = await setup();
  table.authorized({ ...touch, vlan: '10', placement: 'production' });
  table.accounted({ ...touch, acctSessionId: 'A1', framedIp: '10.20.0.5' }, 'start');
  await table.flush();
  expect(table.liveByMac('default', touch.mac).map((s) => s.key)).toEqual(['sw1|A1']);
  expect(table.liveByIp('default', '10.20.0.5')?.vlan).toBe('10');
  const rows = await stored();
  expect(rows.find((r) => r.key === 'sw1|mac:02:00:5e:00:00:01')?.stopCause).toBe('superseded');
  table.accounted({ ...touch, acctSessionId: 'A1' }, 'stop', 'terminate-cause-1');
  await table.flush();
  expect(table.liveByMac('default', touch.mac)).toEqual([]);
  expect(table.liveByIp('default', '10.20.0.5')).toBeUndefined();
  expect((await stored()).find((r) => r.key === 'sw1|A1')).toMatchObject({ stopCause: 'terminate-cause-1', framedIp: '10.20.0.5' });
});

test('live sessions are reloaded at start, so CoA still finds the NAS after a restart', async () => {
  const { table, clock } = await setup();
  table.authorized({ ...touch, acctSessionId: 'B7', vlan: '10', placement: 'production' });
  await table.stop();
  const again = new SessionTable({ store: store!, log: pino({ level: 'silent' }), now: () => new Date(clock.t) });
  await again.start();
  expect(again.liveByMac('default', touch.mac)).toEqual([expect.objectContaining({ key: 'sw1|B7', nasAddress: '10.0.0.2', vlan: '10' })]);
  await again.stop();
});

test('an authorization without Acct-Session-Id joins the session accounting already named, in either order', async () => {
  const { table, stored } = await setup();
  // Accounting-Start handled first (another RADIUS process), then the Accept's record.
  table.accounted({ ...touch, acctSessionId: 'C3', framedIp: '10.20.0.9' }, 'start');
  table.authorized({ ...touch, vlan: '10', placement: 'production' });
  // A later re-authentication of the same port into quarantine, still without the session id.
  table.authorized({ ...touch, vlan: '99', placement: 'quarantine' });
  await table.flush();
  expect(table.liveByMac('default', touch.mac)).toEqual([expect.objectContaining({ key: 'sw1|C3', vlan: '99', placement: 'quarantine', framedIp: '10.20.0.9' })]);
  expect((await stored()).map((r) => r.key)).toEqual(['sw1|C3']);
  // Another NAS is another session.
  table.authorized({ ...touch, nas: 'vpn1', nasAddress: '10.0.0.3', vlan: '10', placement: 'production' });
  expect(table.liveByMac('default', touch.mac).map((s) => s.key).sort()).toEqual(['sw1|C3', 'vpn1|mac:02:00:5e:00:00:01']);
});

test('a retention purge of the store takes the same sessions out of memory: a MAB port that never sends a Stop does not keep its user, MAC and address for ever', async () => {
  const { table, clock, stored } = await setup();
  table.accounted({ ...touch, acctSessionId: 'OLD', framedIp: '10.20.0.7', userName: 'alice' }, 'start');
  table.authorized({ ...touch, mac: '02:00:5e:00:00:02', nas: 'sw2', vlan: '10', placement: 'production' });
  await table.flush();
  clock.t += 40 * 86_400_000;
  // Heard of recently: stays.
  table.authorized({ ...touch, mac: '02:00:5e:00:00:03', vlan: '10', placement: 'production' });
  await table.flush();
  const cutoff = new Date(clock.t - 30 * 86_400_000).toISOString();
  expect(await store!.sessions.purge(cutoff)).toBe(2);
  expect(table.liveByMac('default', touch.mac)).toEqual([]);
  expect(table.liveByMac('default', '02:00:5e:00:00:02')).toEqual([]);
  expect(table.liveByIp('default', '10.20.0.7')).toBeUndefined();
  expect(table.liveByMac('default', '02:00:5e:00:00:03')).toHaveLength(1);
  expect(table.size).toBe(1);
  // Nothing of theirs comes back at the next flush either.
  await table.flush();
  expect((await stored()).map((s) => s.mac)).toEqual(['02:00:5e:00:00:03']);
  // After stop() the table no longer listens.
  await table.stop();
  clock.t += 40 * 86_400_000;
  await store!.sessions.purge(new Date(clock.t).toISOString());
  expect(table.size).toBe(1);
});
