/**
 * IdentityService under a directory that accepts TCP and never answers (a black-holed DC): logins
 * are bounded by the bind limiter, the first ones wait out the timeouts once, and everything
 * queued behind them fails over to the fail mode at once instead of waiting in turn.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../service/clock.js';
import type { Store } from '../store/repository.js';
import { createSqliteStore } from '../store/sqlite/store.js';
import type { ResolvedDirectory } from './config-rules.js';
import { IdentityService, type LoginOutcome } from './identity-service.js';

let blackHole: Server;
let port: number;
let store: Store;
const dir = mkdtempSync(join(tmpdir(), 'kenneki-identity-'));

beforeAll(async () => {
  blackHole = createServer((sock) => sock.resume());
  await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', r));
  port = (blackHole.address() as { port: number }).port;
  store = createSqliteStore(join(dir, 'k.db'), { now: () => new Date('2026-11-23T09:00:00Z'), writerThread: false });
  await store.tenants.ensure({ id: 'default', name: 'Default' });
});
afterAll(async () => {
  await store.close();
  await new Promise<void>((r) => blackHole.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

function directory(): ResolvedDirectory {
  return {
    name: 'corp',
    tenantId: 'default',
    type: 'openldap',
    urls: [`ldap://127.0.0.1:${port}`],
    tls: { mode: 'none' },
    bindDn: 'cn=svc,dc=x',
    bindPassword: 'service-password',
    baseDn: 'dc=x',
    users: { baseDn: 'dc=x', loginAttribute: 'uid', objectClass: 'inetOrgPerson' },
    groups: { baseDn: 'dc=x', membership: 'member-of', nested: true, maxDepth: 8, name: 'cn', objectClass: 'groupOfNames', memberAttribute: 'member' },
    computers: { baseDn: 'dc=x', objectClass: 'device', hostnameAttributes: ['cn'], ownerAttribute: 'owner' },
    primaryGroup: false,
    pageSize: 500,
    connectTimeoutMs: 300,
    operationTimeoutMs: 300,
    cache: { ttlMs: 60_000, outageWindowMs: 3_600_000 },
    failMode: 'isolate',
  };
}

describe('a black-holed directory', () => {
  test('300 logins at once: 16 in flight, 256 queued, the rest refused unchecked; the queued ones take the fail mode without waiting', async () => {
    const outcomes: LoginOutcome[] = [];
    const identity = new IdentityService({
      store,
      clock: new ManualClock(new Date('2026-11-23T09:00:00Z')),
      log: pino({ level: 'silent' }),
      directories: [directory()],
      observer: { loggedIn: (o) => outcomes.push(o), looked: () => {}, directoriesDownNow: () => {} },
      onChanged: () => {},
    });
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => identity.login('default', `user${i}`, 'a-password')));
    const count = (o: LoginOutcome) => outcomes.filter((x) => x === o).length;
    expect(results).toHaveLength(300);
    expect(count('busy')).toBe(300 - 16 - 256);
    // Nobody is let in unconfirmed except by the fail mode, held at isolate.
    for (const r of results) if (r.ok) expect(r).toMatchObject({ via: 'fail-mode', hold: 'isolate' });
    expect(count('fail-mode')).toBe(16 + 256);
    expect(identity.health()).toEqual([expect.objectContaining({ directory: 'corp', up: false })]);
    await identity.stop();
  });
});
