import { expect, test } from 'vitest';
import { Backoff } from './backoff.js';

test('doubles from the base to the cap, with ±20 % jitter, and starts over after a success', () => {
  const mid = new Backoff(5_000, 300_000, () => 0.5);
  expect([1, 2, 3, 4, 5, 6, 7, 8].map(() => mid.next())).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  mid.reset();
  expect(mid.next()).toBe(5_000);
  expect(new Backoff(5_000, 300_000, () => 0).next()).toBe(4_000);
  expect(new Backoff(5_000, 300_000, () => 0.999999).next()).toBe(6_000);
});
