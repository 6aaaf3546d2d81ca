/**
 * Whether a directory is worth asking right now. After a failure the directory is skipped for a
 * back-off (5 s, doubling to 60 s) and one background probe at a time finds out when it is back;
 * meanwhile logins and lookups answer from the cache or the fail mode at once, so an outage costs
 * them no connect timeouts (PacketFence users report exactly those rejects and stalls).
 */
export class DirectoryHealth {
  private downSince: number | undefined;
  private retryAt = 0;
  private backoffMs = 0;
  private lastError: string | undefined;

  constructor(
    private readonly now: () => number,
    private readonly minBackoffMs = 5_000,
    private readonly maxBackoffMs = 60_000,
  ) {}

  /** True when the directory may be asked: it is up, or its back-off has run out (a probe). */
  get askable(): boolean {
    return this.downSince === undefined || this.now() >= this.retryAt;
  }

  get up(): boolean {
    return this.downSince === undefined;
  }

  failed(error: string): { firstFailure: boolean } {
    const first = this.downSince === undefined;
    this.downSince ??= this.now();
    this.backoffMs = first ? this.minBackoffMs : Math.min(this.maxBackoffMs, this.backoffMs * 2);
    this.retryAt = this.now() + this.backoffMs;
    this.lastError = error;
    return { firstFailure: first };
  }

  /** Returns how long it had been down, when it had been. */
  succeeded(): { downForMs?: number } {
    if (this.downSince === undefined) return {};
    const downForMs = this.now() - this.downSince;
    this.downSince = undefined;
    this.backoffMs = 0;
    this.retryAt = 0;
    this.lastError = undefined;
    return { downForMs };
  }

  snapshot(): { up: boolean; downSince?: string; retryAt?: string; lastError?: string } {
    if (this.downSince === undefined) return { up: true };
    return { up: false, downSince: new Date(this.downSince).toISOString(), retryAt: new Date(this.retryAt).toISOString(), ...(this.lastError !== undefined ? { lastError: this.lastError } : {}) };
  }
}
