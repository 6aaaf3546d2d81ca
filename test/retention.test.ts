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
