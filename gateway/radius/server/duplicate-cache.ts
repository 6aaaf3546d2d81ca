/**
 * RFC 5080 §2.2.2: a NAS that hears nothing retransmits the same request (same source, port,
 * Identifier and Request Authenticator). Answering it again from scratch would run the
 * authentication twice, and for EAP would advance the conversation twice; so the first answer is
 * kept for a short window and sent again, and a copy that arrives while the first is still being
 * worked on is dropped.
 *
 * Two generations of maps swapped every window: O(1) per request, no timers per entry, and an
 * entry lives between one and two windows.
 */
import { timingSafeEqual } from 'node:crypto';

interface Seen {
  authenticator: Buffer;
  /** Absent while the request is being answered. */
  response?: Buffer;
}

export type DuplicateCheck = { kind: 'new' } | { kind: 'in-progress' } | { kind: 'answered'; response: Buffer };

export class DuplicateCache {
  private current = new Map<string, Seen>();
  private previous = new Map<string, Seen>();
  private swappedAt: number;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    /** Bounds memory under a flood of distinct requests; the oldest generation goes first. */
    private readonly maxEntries = 100_000,
  ) {
    this.swappedAt = now();
  }

  /** Looks the request up and, when it is new, marks it in progress. */
  check(key: string, authenticator: Buffer): DuplicateCheck {
    this.age();
    const seen = this.current.get(key) ?? this.previous.get(key);
    // Same key, different authenticator: a new request that reuses the Identifier.
    if (seen && timingSafeEqual(seen.authenticator, authenticator)) {
      return seen.response ? { kind: 'answered', response: seen.response } : { kind: 'in-progress' };
    }
    if (this.current.size >= this.maxEntries) this.swap();
    this.current.set(key, { authenticator: Buffer.from(authenticator) });
    return { kind: 'new' };
  }

  answered(key: string, authenticator: Buffer, response: Buffer): void {
    const seen = this.current.get(key) ?? this.previous.get(key);
    if (seen && seen.authenticator.equals(authenticator)) seen.response = response;
  }

  /** The request was dropped unanswered: a retransmission may try again. */
  abandon(key: string, authenticator: Buffer): void {
    for (const m of [this.current, this.previous]) {
      const seen = m.get(key);
      if (seen && !seen.response && seen.authenticator.equals(authenticator)) m.delete(key);
    }
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  private age(): void {
    if (this.now() - this.swappedAt >= this.windowMs) this.swap();
  }

  private swap(): void {
    this.previous = this.current;
    this.current = new Map();
    this.swappedAt = this.now();
  }
}

export const requestKey = (address: string, port: number, identifier: number): string => `${address}|${port}|${identifier}`;
