import { describe, expect, it } from 'vitest';
import { BoundedCache } from './bounded-cache.js';

describe('BoundedCache', () => {
  it('drops the oldest entry at the cap; setting a key again makes it the newest', () => {
    const c = new BoundedCache<string, number>(2, () => 0);
    c.set('a', 1);
    c.set('b', 2);
    c.set('a', 3);
    c.set('c', 4);
    expect([c.get('a'), c.get('b'), c.get('c'), c.size]).toEqual([3, undefined, 4, 2]);
  });

  it('forgets an entry once its time is up, on reading it or on a sweep; without a TTL it stays', () => {
    let now = 0;
    const c = new BoundedCache<string, string>(10, () => now);
    c.set('short', 's', 1000);
    c.set('long', 'l', 5000);
    c.set('forever', 'f');
    now = 1000;
    expect(c.get('short')).toBeUndefined();
    expect(c.size).toBe(2);
    now = 5000;
    c.sweep();
    expect([c.size, c.get('forever')]).toEqual([1, 'f']);
    c.delete('forever');
    expect(c.size).toBe(0);
  });
});
