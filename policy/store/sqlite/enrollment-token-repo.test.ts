import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { AuditEntry, Store } from '../repository.js';
import { createSqliteStore } from './store.js';

const T0 = new Date('2026-11-23T08:00:00.000Z');
const iso = (minutes: number) => new Date(T0.getTime() + minutes * 60_000).toISOString();
const admin = (action: string): AuditEntry => ({ actor: 'alice', actorKind: 'token', action, targetType: 'enrollment-token' });
const device = (): AuditEntry => ({ actor: 'machine-1', actorKind: 'device', action: 'enrollment-token.use', targetType: 'enrollment-token' });

let dir: string;
let stores: Store[];
let store: Store;
const open = (): Store => {
  const s = createSqliteStore(join(dir, 'kenneki.db'), { now: () => T0, writerThread: false });
  stores.push(s);
  return s;
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kenneki-enroll-store-'));
  stores = [];
  store = open();
  await store.tenants.ensure({ id: 'a', name: 'A' });
  await store.tenants.ensure({ id: 'b', name: 'B' });
});
afterEach(async () => {
  for (const s of stores) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

const issue = (s: Store, tenantId: string, hash: string, expiresInMinutes = 60, extra: { endpointId?: string; label?: string } = {}) =>
  s.enrollmentTokens.create(tenantId, { secretHash: hash, expiresAt: iso(expiresInMinutes), ...extra }, admin('enrollment-token.create'));

describe('enrollment tokens in the store', () => {
  test('create: unused, attributed, audited, and the hash never comes back', async () => {
    const t = await issue(store, 'a', 'h1', 60, { label: 'laptop 42' });
    expect(t).toMatchObject({ tenantId: 'a', label: 'laptop 42', createdBy: 'alice', createdAt: iso(0), expiresAt: iso(60), status: 'unused' });
    const listed = await store.enrollmentTokens.list('a', iso(1));
    expect(listed).toEqual([t]);
    expect(JSON.stringify(listed)).not.toContain('h1');
    const [audit] = await store.audit.list('a', { limit: 1, action: 'enrollment-token.create' });
    expect(audit).toMatchObject({ targetId: t.id, actor: 'alice' });
    expect(JSON.stringify(audit)).not.toContain('h1');
  });

  test('consume: once only, and the second use says when the first was', async () => {
    const t = await issue(store, 'a', 'h1');
    expect(await store.enrollmentTokens.consume('a', 'h1', iso(5), device())).toMatchObject({ ok: true, token: { id: t.id, usedAt: iso(5), status: 'used' } });
    expect(await store.enrollmentTokens.consume('a', 'h1', iso(6), device())).toMatchObject({ ok: false, reason: 'used', token: { usedAt: iso(5) } });
    const uses = await store.audit.list('a', { limit: 10, action: 'enrollment-token.use' });
    expect(uses).toHaveLength(1);
    expect(uses[0]).toMatchObject({ targetId: t.id, actor: 'machine-1', actorKind: 'device' });
  });

  test('check looks without spending', async () => {
    await issue(store, 'a', 'h1');
    expect(await store.enrollmentTokens.check('a', 'h1', iso(1))).toMatchObject({ ok: true });
    expect(await store.enrollmentTokens.check('a', 'h1', iso(1))).toMatchObject({ ok: true });
    expect(await store.enrollmentTokens.consume('a', 'h1', iso(1), device())).toMatchObject({ ok: true });
    expect(await store.enrollmentTokens.check('a', 'h1', iso(2))).toMatchObject({ ok: false, reason: 'used' });
  });

  test.each([
    ['unknown', async () => {}, 'nope', 'unknown'],
    ['expired', async () => void (await issue(store, 'a', 'h1', 10)), 'h1', 'expired'],
    [
      'revoked',
      async () => {
        const t = await issue(store, 'a', 'h1');
        await store.enrollmentTokens.revoke('a', t.id, admin('enrollment-token.revoke'));
      },
      'h1',
      'revoked',
    ],
  ])('consume refuses a token that is %s, and spends nothing', async (_name, arrange, hash, reason) => {
    await arrange();
    expect(await store.enrollmentTokens.consume('a', hash, iso(30), device())).toMatchObject({ ok: false, reason });
    expect(await store.audit.list('a', { limit: 10, action: 'enrollment-token.use' })).toEqual([]);
  });

  test('a token expires exactly at expiresAt', async () => {
    await issue(store, 'a', 'h1', 10);
    expect(await store.enrollmentTokens.consume('a', 'h1', iso(10), device())).toMatchObject({ ok: false, reason: 'expired' });
  });

  test('concurrent consumes over several connections: exactly one wins', async () => {
    await issue(store, 'a', 'h1');
    const connections = [store, open(), open(), open()];
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => connections[i % connections.length]!.enrollmentTokens.consume('a', 'h1', iso(1), device())));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === 'used')).toHaveLength(39);
    expect(await store.audit.list('a', { limit: 100, action: 'enrollment-token.use' })).toHaveLength(1);
  });

  test('tenant isolation: another tenant cannot see, spend or revoke a token', async () => {
    const t = await issue(store, 'a', 'h1');
    expect(await store.enrollmentTokens.list('b', iso(1))).toEqual([]);
    expect(await store.enrollmentTokens.get('b', t.id, iso(1))).toBeUndefined();
    expect(await store.enrollmentTokens.check('b', 'h1', iso(1))).toEqual({ ok: false, reason: 'unknown' });
    expect(await store.enrollmentTokens.consume('b', 'h1', iso(1), device())).toEqual({ ok: false, reason: 'unknown' });
    expect(await store.enrollmentTokens.revoke('b', t.id, admin('enrollment-token.revoke'))).toBeUndefined();
    // Still intact for its own tenant.
    expect(await store.enrollmentTokens.consume('a', 'h1', iso(1), device())).toMatchObject({ ok: true });
  });

  test('revoke: once, audited with before and after; a used token cannot be revoked', async () => {
    const t = await issue(store, 'a', 'h1');
    expect(await store.enrollmentTokens.revoke('a', t.id, admin('enrollment-token.revoke'))).toMatchObject({ changed: true, token: { status: 'revoked', revokedAt: iso(0) } });
    expect(await store.enrollmentTokens.revoke('a', t.id, admin('enrollment-token.revoke'))).toMatchObject({ changed: false, token: { status: 'revoked' } });
    const revokes = await store.audit.list('a', { limit: 10, action: 'enrollment-token.revoke' });
    expect(revokes).toHaveLength(1);
    expect(revokes[0]).toMatchObject({ before: { status: 'unused' }, after: { status: 'revoked' } });

    const u = await issue(store, 'a', 'h2');
    await store.enrollmentTokens.consume('a', 'h2', iso(1), device());
    expect(await store.enrollmentTokens.revoke('a', u.id, admin('enrollment-token.revoke'))).toMatchObject({ changed: false, token: { status: 'used' } });
  });

  test('status as of now: unused, then expired; recordUse is kept', async () => {
    const t = await issue(store, 'a', 'h1', 10);
    expect((await store.enrollmentTokens.get('a', t.id, iso(9)))?.status).toBe('unused');
    expect((await store.enrollmentTokens.get('a', t.id, iso(11)))?.status).toBe('expired');
    const u = await issue(store, 'a', 'h2');
    await store.enrollmentTokens.consume('a', 'h2', iso(1), device());
    await store.enrollmentTokens.recordUse('a', u.id, 'endpoint-1');
    expect(await store.enrollmentTokens.get('a', u.id, iso(2))).toMatchObject({ status: 'used', usedByEndpointId: 'endpoint-1' });
  });

  test('a token bound to an endpoint goes when the endpoint is deleted', async () => {
    const e = await store.endpoints.create('a', { deviceId: 'dev-1' }, iso(0), undefined);
    const t = await issue(store, 'a', 'h1', 60, { endpointId: e.id });
    expect(t.endpointId).toBe(e.id);
    await store.endpoints.delete('a', e.id, { actor: 'alice', actorKind: 'token', action: 'endpoint.delete', targetType: 'endpoint' });
    expect(await store.enrollmentTokens.list('a', iso(1))).toEqual([]);
    expect(await store.enrollmentTokens.consume('a', 'h1', iso(1), device())).toEqual({ ok: false, reason: 'unknown' });
  });

  test('secret hashes are unique', async () => {
    await issue(store, 'a', 'h1');
    await expect(issue(store, 'b', 'h1')).rejects.toThrow();
  });
});
