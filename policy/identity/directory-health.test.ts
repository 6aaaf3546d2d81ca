import { describe, expect, it } from 'vitest';
import { DirectoryHealth } from './directory-health.js';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');

function clock() {
  let t = T0;
  return { now: () => t, advance: (ms: number) => (t += ms), at: (ms: number) => (t = T0 + ms) };
}

describe('DirectoryHealth', () => {
  it('starts up and askable', () => {
    const h = new DirectoryHealth(clock().now);
    expect(h.up).toBe(true);
    expect(h.askable).toBe(true);
    expect(h.snapshot()).toEqual({ up: true });
  });

  it('after a failure skips the directory for 5 s, then allows a probe', () => {
    const c = clock();
    const h = new DirectoryHealth(c.now);
    h.failed('connect ECONNREFUSED');
    expect(h.up).toBe(false);
    expect(h.askable).toBe(false);
    c.at(4_999);
    expect(h.askable).toBe(false);
    c.at(5_000);
    expect(h.askable).toBe(true);
    expect(h.up).toBe(false);
  });

  it('doubles the back-off on each further failure, up to 60 s', () => {
    const c = clock();
    const h = new DirectoryHealth(c.now);
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      h.failed('timeout');
      const start = c.now();
      while (!h.askable) c.advance(1_000);
      waits.push(c.now() - start);
    }
    expect(waits).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);
  });

  it('reports the first failure of an outage only once', () => {
    const c = clock();
    const h = new DirectoryHealth(c.now);
    expect(h.failed('a')).toEqual({ firstFailure: true });
    c.advance(5_000);
    expect(h.failed('b')).toEqual({ firstFailure: false });
    expect(h.failed('c')).toEqual({ firstFailure: false });
  });

  it('on success returns how long it was down and starts over', () => {
    const c = clock();
    const h = new DirectoryHealth(c.now);
    h.failed('a');
    c.advance(5_000);
    h.failed('b');
    c.advance(12_345);
    expect(h.succeeded()).toEqual({ downForMs: 17_345 });
    expect(h.up).toBe(true);
    expect(h.askable).toBe(true);
    expect(h.snapshot()).toEqual({ up: true });
    // A new outage starts again from the shortest back-off and counts as a first failure.
    expect(h.failed('c')).toEqual({ firstFailure: true });
    c.advance(5_000);
    expect(h.askable).toBe(true);
  });

  it('a success while up reports no downtime', () => {
    const h = new DirectoryHealth(clock().now);
    expect(h.succeeded()).toEqual({});
  });

  it('snapshot shows when it went down, when it is retried and the last error', () => {
    const c = clock();
    const h = new DirectoryHealth(c.now);
    h.failed('connect ECONNREFUSED');
    c.advance(5_000);
    h.failed('connect ETIMEDOUT');
    expect(h.snapshot()).toEqual({
      up: false,
      downSince: '2025-03-01T12:00:00.000Z',
      retryAt: '2025-03-01T12:00:15.000Z',
      lastError: 'connect ETIMEDOUT',
    });
  });

  it('honours other back-off bounds', () => {
    const c = clock();
    const h = new DirectoryHealth(c.now, 100, 250);
    const retries: string[] = [];
    for (let i = 0; i < 4; i++) {
      h.failed('x');
      retries.push(h.snapshot().retryAt!);
    }
    expect(retries.map((r) => Date.parse(r) - T0)).toEqual([100, 200, 250, 250]);
  });
});
