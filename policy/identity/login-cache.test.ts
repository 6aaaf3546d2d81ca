import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LoginCache } from './login-cache.js';

const T0 = 1_700_000_000_000;
const PASSWORD = 'correct horse battery staple';

describe('LoginCache', () => {
  it('remembers a login and reports how long ago it was confirmed', () => {
    const cache = new LoginCache();
    cache.remember('corp', 'alice', PASSWORD, T0);
    expect(cache.ageOf('corp', 'alice', PASSWORD, T0)).toBe(0);
    expect(cache.ageOf('corp', 'alice', PASSWORD, T0 + 90_000)).toBe(90_000);
    expect(cache.size).toBe(1);
  });

  it('knows nothing of a login never remembered', () => {
    expect(new LoginCache().ageOf('corp', 'alice', PASSWORD, T0)).toBeUndefined();
  });

  it('does not vouch for a different password', () => {
    const cache = new LoginCache();
    cache.remember('corp', 'alice', PASSWORD, T0);
    expect(cache.ageOf('corp', 'alice', 'correct horse battery stapler', T0)).toBeUndefined();
    expect(cache.ageOf('corp', 'alice', '', T0)).toBeUndefined();
    expect(cache.ageOf('corp', 'alice', PASSWORD.toUpperCase(), T0)).toBeUndefined();
  });

  it('treats the login case-insensitively but the password case-sensitively', () => {
    const cache = new LoginCache();
    cache.remember('corp', 'Alice', PASSWORD, T0);
    expect(cache.ageOf('corp', 'ALICE', PASSWORD, T0 + 1)).toBe(1);
    expect(cache.ageOf('corp', 'alice', PASSWORD, T0 + 1)).toBe(1);
    cache.remember('corp', 'aLiCe', PASSWORD, T0 + 5);
    expect(cache.size).toBe(1);
  });

  it('a new password replaces the old one', () => {
    const cache = new LoginCache();
    cache.remember('corp', 'alice', 'old-password', T0);
    cache.remember('corp', 'alice', 'new-password', T0 + 10);
    expect(cache.ageOf('corp', 'alice', 'old-password', T0 + 20)).toBeUndefined();
    expect(cache.ageOf('corp', 'alice', 'new-password', T0 + 20)).toBe(10);
  });

  it('forgets a login, whatever its case', () => {
    const cache = new LoginCache();
    cache.remember('corp', 'alice', PASSWORD, T0);
    cache.remember('corp', 'bob', PASSWORD, T0);
    cache.forget('corp', 'ALICE');
    expect(cache.ageOf('corp', 'alice', PASSWORD, T0)).toBeUndefined();
    expect(cache.ageOf('corp', 'bob', PASSWORD, T0)).toBe(0);
    expect(cache.size).toBe(1);
  });

  it('keeps directories apart', () => {
    const cache = new LoginCache();
    cache.remember('corp', 'alice', PASSWORD, T0);
    cache.remember('lab', 'alice', 'lab-password', T0 + 1);
    expect(cache.ageOf('lab', 'alice', PASSWORD, T0 + 2)).toBeUndefined();
    expect(cache.ageOf('corp', 'alice', 'lab-password', T0 + 2)).toBeUndefined();
    expect(cache.ageOf('corp', 'alice', PASSWORD, T0 + 2)).toBe(2);
    cache.forget('lab', 'alice');
    expect(cache.ageOf('corp', 'alice', PASSWORD, T0 + 2)).toBe(2);
    expect(cache.ageOf('lab', 'alice', 'lab-password', T0 + 2)).toBeUndefined();
  });

  it('evicts the oldest login when full', () => {
    const cache = new LoginCache(3);
    for (const [i, user] of ['a', 'b', 'c', 'd'].entries()) cache.remember('corp', user, PASSWORD, T0 + i);
    expect(cache.size).toBe(3);
    expect(cache.ageOf('corp', 'a', PASSWORD, T0 + 10)).toBeUndefined();
    expect(['b', 'c', 'd'].map((u) => cache.ageOf('corp', u, PASSWORD, T0 + 10))).toEqual([9, 8, 7]);
  });

  it('a login remembered again moves to the newest end and survives the next eviction', () => {
    const cache = new LoginCache(3);
    cache.remember('corp', 'a', PASSWORD, T0);
    cache.remember('corp', 'b', PASSWORD, T0 + 1);
    cache.remember('corp', 'c', PASSWORD, T0 + 2);
    cache.remember('corp', 'a', PASSWORD, T0 + 3);
    expect(cache.size).toBe(3);
    cache.remember('corp', 'd', PASSWORD, T0 + 4);
    expect(cache.ageOf('corp', 'b', PASSWORD, T0 + 4)).toBeUndefined();
    expect(cache.ageOf('corp', 'a', PASSWORD, T0 + 4)).toBe(1);
    expect(cache.ageOf('corp', 'c', PASSWORD, T0 + 4)).toBe(2);
  });

  it('a full cache re-remembering a login it holds evicts nobody', () => {
    const cache = new LoginCache(2);
    cache.remember('corp', 'a', PASSWORD, T0);
    cache.remember('corp', 'b', PASSWORD, T0 + 1);
    cache.remember('corp', 'b', PASSWORD, T0 + 2);
    expect(cache.ageOf('corp', 'a', PASSWORD, T0 + 2)).toBe(2);
    expect(cache.ageOf('corp', 'b', PASSWORD, T0 + 2)).toBe(0);
  });

  it('holds no password in a form a dump would show', () => {
    const cache = new LoginCache();
    cache.remember('corp', 'alice', PASSWORD, T0);
    const dumps = [JSON.stringify(cache), inspect(cache, { depth: Infinity, showHidden: true, maxArrayLength: Infinity, maxStringLength: Infinity })];
    const hexOf = Buffer.from(PASSWORD, 'utf8').toString('hex');
    for (const dump of dumps) {
      expect(dump).not.toContain(PASSWORD);
      expect(dump.replace(/[\s<>]/g, '')).not.toContain(hexOf);
    }
    // The dump does hold the entry, so the assertion above looked at the stored digest.
    expect(dumps[1]).toContain('alice');
  });
});
