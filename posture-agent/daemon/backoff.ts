/**
 * Retry delays while the server is unreachable: doubling from `baseMs` up to `maxMs`, with ±20 %
 * jitter so a building full of laptops that lost the server together do not return in lockstep.
 */
export class Backoff {
  private failures = 0;

  constructor(private readonly baseMs = 5_000, private readonly maxMs = 300_000, private readonly random: () => number = Math.random) {}

  /** The delay before the next attempt, after one more failure. */
  next(): number {
    const raw = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return Math.round(raw * (0.8 + 0.4 * this.random()));
  }

  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}
