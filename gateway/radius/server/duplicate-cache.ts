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
import { equalBytes } from '../codec/equal-bytes.js';

interface Seen {
  authenticator: Buffer;
  /** Absent while the request is being answered. */
  response?: Buffer;
}

export type DuplicateCheck = { kind: 'new' } | { kind: 'in-progress' } | { kind: 'answered'; response: Buffer };

/**
 * One generation: by NAS address, then by slot (source port and Identifier). Nested maps rather
 * than a "address|port|id" string: building and hashing that string per packet showed in the MAB
 * profile, and the slot is a small integer.
 */
class Generation {
  readonly byAddress = new Map<string, Map<number, Seen>>();
  size = 0;

  get(address: string, slot: number): Seen | undefined {
    return this.byAddress.get(address)?.get(slot);
  }

  set(address: string, slot: number, seen: Seen): void {
    let slots = this.byAddress.get(address);
    if (!slots) this.byAddress.set(address, (slots = new Map()));
    if (!slots.has(slot)) this.size++;
    slots.set(slot, seen);
  }

  delete(address: string, slot: number): void {
    const slots = this.byAddress.get(address);
    if (slots?.delete(slot)) this.size--;
  }
}

export class DuplicateCache {
  private current = new Generation();
  private previous = new Generation();
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
  check(address: string, slot: number, authenticator: Buffer): DuplicateCheck {
    this.age();
    const seen = this.current.get(address, slot) ?? this.previous.get(address, slot);
    // Same slot, different authenticator: a new request that reuses the Identifier.
    if (seen && equalBytes(seen.authenticator, authenticator)) {
      return seen.response ? { kind: 'answered', response: seen.response } : { kind: 'in-progress' };
    }
    if (this.current.size >= this.maxEntries) this.swap();
    this.current.set(address, slot, { authenticator: Buffer.from(authenticator) });
    return { kind: 'new' };
  }

  answered(address: string, slot: number, authenticator: Buffer, response: Buffer): void {
    const seen = this.current.get(address, slot) ?? this.previous.get(address, slot);
    if (seen && equalBytes(seen.authenticator, authenticator)) seen.response = response;
  }

  /** The request was dropped unanswered: a retransmission may try again. */
  abandon(address: string, slot: number, authenticator: Buffer): void {
    for (const g of [this.current, this.previous]) {
      const seen = g.get(address, slot);
      if (seen && !seen.response && equalBytes(seen.authenticator, authenticator)) g.delete(address, slot);
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
    this.current = new Generation();
    this.swappedAt = this.now();
  }
}

/** A request's place in the cache besides its NAS address: its source port and Identifier. */
export const requestSlot = (port: number, identifier: number): number => port * 256 + identifier;
