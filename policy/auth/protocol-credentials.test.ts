import { describe, expect, test } from 'vitest';
import { ManualClock } from '../service/clock.js';
import type { AdminAccount, Endpoint, Store } from '../store/repository.js';
import { sha256 } from '../util/ids.js';
import { AccountService, type ProtocolAuthOptions } from './accounts.js';
import { CheckLimiter } from './check-limiter.js';
import { PasswordCheckCache } from './password-check-cache.js';
import { hashPassword } from './password.js';

type LoginRow = AdminAccount & { passwordHash?: string };

/** Only the two lookups the check uses, over plain maps; counts password lookups. */
function fakeStore(accounts: Map<string, LoginRow>, endpoints: Map<string, Endpoint>) {
  const calls = { findForLogin: 0 };
  const store = {
    accounts: {
      async findForLogin(tenantId: string, username: string) {
        calls.findForLogin++;
        const a = accounts.get(`${tenantId}/${username}`);
        return a && { ...a };
      },
    },
    endpoints: {
      async findByCredential(hash: string) {
        return endpoints.get(hash);
      },
    },
  } as unknown as Store;
  return { store, calls };
}

const account = (tenantId: string, username: string, passwordHash: string): LoginRow =>
  ({ id: `acc-${username}`, tenantId, username, role: 'viewer', disabled: false, createdAt: '2026-01-01T00:00:00Z', passwordHash }) as LoginRow;

const OPTS: ProtocolAuthOptions = { cacheTtlMs: 60_000, cacheMaxEntries: 100, concurrency: 2, maxQueue: 10 };

describe('AccountService.checkProtocolCredentials', () => {
  test('a device credential names its endpoint, in its own tenant only', async () => {
    const endpoints = new Map([[sha256('kd_secret-of-laptop'), { id: 'ep-1', tenantId: 'acme' } as Endpoint]]);
    const { store } = fakeStore(new Map(), endpoints);
    const svc = new AccountService(store, new ManualClock(new Date('2026-11-23T00:00:00Z')), OPTS);
    expect(await svc.checkProtocolCredentials('acme', 'anything', 'kd_secret-of-laptop')).toEqual({ ok: true, kind: 'device', endpointId: 'ep-1' });
    expect(await svc.checkProtocolCredentials('beta', 'anything', 'kd_secret-of-laptop')).toEqual({ ok: false, reason: 'invalid' });
    expect(await svc.checkProtocolCredentials('acme', 'anything', 'kd_made-up')).toEqual({ ok: false, reason: 'invalid' });
  });

  test('a verified password is remembered: the second check skips scrypt; a changed hash or a disabled account ends it at once', async () => {
    const accounts = new Map([['acme/alice', account('acme', 'alice', await hashPassword('correct horse'))]]);
    const clock = new ManualClock(new Date('2026-11-23T00:00:00Z'));
    const { store } = fakeStore(accounts, new Map());
    const svc = new AccountService(store, clock, OPTS);

    expect(await svc.checkProtocolCredentials('acme', 'alice', 'correct horse')).toEqual({ ok: true, kind: 'account', username: 'alice' });
    expect(svc.protocolChecksRun).toBe(1);
    expect(await svc.checkProtocolCredentials('acme', 'alice', 'correct horse')).toEqual({ ok: true, kind: 'account', username: 'alice' });
    expect(svc.protocolChecksRun).toBe(1); // served from the cache

    // Wrong passwords are never cached and never pass.
    expect(await svc.checkProtocolCredentials('acme', 'alice', 'wrong')).toEqual({ ok: false, reason: 'invalid' });
    expect(await svc.checkProtocolCredentials('acme', 'alice', 'wrong')).toEqual({ ok: false, reason: 'invalid' });
    expect(svc.protocolChecksRun).toBe(3);
    // Same credentials in another tenant: a different cache key, and no account there.
    expect(await svc.checkProtocolCredentials('beta', 'alice', 'correct horse')).toEqual({ ok: false, reason: 'invalid' });

    // The password was changed: the cached success no longer counts.
    accounts.set('acme/alice', account('acme', 'alice', await hashPassword('new password')));
    expect(await svc.checkProtocolCredentials('acme', 'alice', 'correct horse')).toEqual({ ok: false, reason: 'invalid' });
    expect(await svc.checkProtocolCredentials('acme', 'alice', 'new password')).toMatchObject({ ok: true });

    // Disabled: refused even though its credentials are cached.
    accounts.set('acme/alice', { ...accounts.get('acme/alice')!, disabled: true });
    expect(await svc.checkProtocolCredentials('acme', 'alice', 'new password')).toEqual({ ok: false, reason: 'invalid' });
  });

  test('the cached success expires', async () => {
    const accounts = new Map([['acme/bob', account('acme', 'bob', await hashPassword('pw-bob'))]]);
    const clock = new ManualClock(new Date('2026-11-23T00:00:00Z'));
    const svc = new AccountService(fakeStore(accounts, new Map()).store, clock, { ...OPTS, cacheTtlMs: 1_000 });
    await svc.checkProtocolCredentials('acme', 'bob', 'pw-bob');
    clock.advance(999);
    expect(await svc.checkProtocolCredentials('acme', 'bob', 'pw-bob')).toMatchObject({ ok: true });
    expect(svc.protocolChecksRun).toBe(1);
    clock.advance(2);
    expect(await svc.checkProtocolCredentials('acme', 'bob', 'pw-bob')).toMatchObject({ ok: true });
    expect(svc.protocolChecksRun).toBe(2); // expired: paid the full check again
    expect(await svc.checkProtocolCredentials('acme', 'bob', 'pw-bob')).toMatchObject({ ok: true });
    expect(svc.protocolChecksRun).toBe(2);
  });

  test('a flood of password checks past the queue is refused unchecked, and counted', async () => {
    const accounts = new Map([['acme/carol', account('acme', 'carol', await hashPassword('pw-carol'))]]);
    const svc = new AccountService(fakeStore(accounts, new Map()).store, new ManualClock(new Date()), { ...OPTS, concurrency: 1, maxQueue: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, () => svc.checkProtocolCredentials('acme', 'carol', 'wrong')));
    expect(results.filter((r) => !r.ok && r.reason === 'busy')).toHaveLength(3);
    expect(results.filter((r) => !r.ok && r.reason === 'invalid')).toHaveLength(3);
    expect(svc.protocolChecksRefused).toBe(3);
    expect(svc.protocolChecksRun).toBe(3);
  });
});

describe('CheckLimiter', () => {
  test('never runs more than `concurrency` at once, serves waiters in order, refuses past the queue', async () => {
    const limiter = new CheckLimiter(2, 3);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const job = (i: number) => async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      order.push(i);
      running--;
      return i;
    };
    const results = await Promise.all(Array.from({ length: 7 }, (_, i) => limiter.run(job(i))));
    expect(peak).toBe(2);
    expect(results).toEqual([0, 1, 2, 3, 4, undefined, undefined]);
    expect(order.slice(2)).toEqual([2, 3, 4]);
    expect(limiter.refused).toBe(2);
    // A slot freed by a failing job is handed on.
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run(async () => 'after')).toBe('after');
  });
});

describe('PasswordCheckCache', () => {
  test('keys never collide across field boundaries, and the map stays bounded', () => {
    const cache = new PasswordCheckCache({ ttlMs: 60_000, maxEntries: 3 });
    cache.add('t', 'ab', 'c', 'h');
    expect(cache.has('t', 'a', 'bc', 'h')).toBe(false);
    expect(cache.has('t', 'ab', 'c', 'h')).toBe(true);
    expect(cache.has('t', 'ab', 'c', 'other-hash')).toBe(false);
    for (const u of ['u1', 'u2', 'u3']) cache.add('t', u, 'p', 'h');
    expect(cache.size).toBe(3);
    expect(cache.has('t', 'ab', 'c', 'h')).toBe(false); // the oldest went first
    expect(cache.has('t', 'u3', 'p', 'h')).toBe(true);
  });
});
