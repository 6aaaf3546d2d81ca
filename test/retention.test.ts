/**
 * Retention (seed 000): old posture snapshots are purged by the sweeper, and "purged" means gone
 * from the database file and its WAL, not merely unlinked from an index.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../policy/service/clock.js';
import { enrollEndpoint, healthyReport, report, startTestServer, type TestServer } from './helpers/kenneki-server.js';

const DAY = 86_400_000;
const clock = new ManualClock(new Date('2026-01-10T08:00:00Z'));
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ clock });
});
afterAll(async () => s?.close());

function fileContains(marker: string): boolean {
  const db = join(s.dataDir, 'kenneki.db');
  return [db, `${db}-wal`].some((f) => existsSync(f) && readFileSync(f).includes(Buffer.from(marker)));
}

const withDeviceId = (at: Date, id: string) => healthyReport(at, { deviceId: { status: 'ok', value: id, collectedAt: at.toISOString(), source: 'kenneki-agent' } });

describe('retention', () => {
  it('purges snapshots older than retention_days from the file itself, and keeps newer ones', async () => {
    const { id, credential } = await enrollEndpoint(s, s.adminToken['default']!, { hostname: 'pc-retain' });
    const marker = 'RETENTION-MARKER-7f3a9c1e';
    expect((await report(s, credential, withDeviceId(clock.now(), marker))).status).toBe(200);
    expect(fileContains(marker)).toBe(true);

    clock.advance(31 * DAY);
    expect((await report(s, credential, withDeviceId(clock.now(), 'current-device-id'))).status).toBe(200);
    const swept = await s.server.sweeper.sweep();
    expect(swept.snapshotsPurged).toBe(1);
    expect(fileContains(marker)).toBe(false);

    // The current report is untouched and still decides the verdict.
    const detail = await s.api(s.adminToken['default'], 'GET', `/api/v1/endpoints/${id}`);
    expect(detail.json.posture.facts.deviceId.value).toBe('current-device-id');
    expect(detail.json.endpoint.verdict).toBe('allow');
  });

  it('purges network sessions last heard of before retention_days from the file, and keeps newer ones', async () => {
    const at = (d: Date) => d.toISOString();
    const old = new Date(clock.now().getTime());
    await s.server.ctx.store.sessions.saveMany([
      { tenantId: 'default', key: 'sw1|OLD-SESSION-MARKER-3c9d', nas: 'sw1', nasAddress: '10.0.0.2', userName: 'OLD-SESSION-USER-77aa', startedAt: at(old), updatedAt: at(old), stoppedAt: at(old), stopCause: 'stop' },
    ]);
    expect(fileContains('OLD-SESSION-USER-77aa')).toBe(true);
    clock.advance(31 * DAY);
    await s.server.ctx.store.sessions.saveMany([{ tenantId: 'default', key: 'sw1|NEW', nas: 'sw1', nasAddress: '10.0.0.2', userName: 'new-user', startedAt: at(clock.now()), updatedAt: at(clock.now()) }]);
    const swept = await s.server.sweeper.sweep();
    expect(swept.sessionsPurged).toBe(1);
    expect(fileContains('OLD-SESSION-USER-77aa')).toBe(false);
    expect((await s.server.ctx.store.sessions.list('default', { limit: 10, offset: 0 })).items.map((i) => i.key)).toContain('sw1|NEW');
  });

  it('deleting an endpoint removes its posture from the file', async () => {
    const { id, credential } = await enrollEndpoint(s, s.adminToken['default']!, { hostname: 'pc-gone' });
    const marker = 'DELETED-ENDPOINT-MARKER-51be';
    await report(s, credential, withDeviceId(clock.now(), marker));
    expect(fileContains(marker)).toBe(true);
    expect((await s.api(s.adminToken['default'], 'DELETE', `/api/v1/endpoints/${id}`)).status).toBe(204);
    expect(fileContains(marker)).toBe(false);
    expect((await s.api(s.adminToken['default'], 'GET', `/api/v1/endpoints/${id}`)).status).toBe(404);
  });
});
