/**
 * RADIUS Identifiers for one NAS (address and port). The Identifier is all a NAS and we have to
 * pair a response with its request, so one still in flight is never handed out again (RFC 5080
 * §2.2.1). Handing them out round-robin rather than lowest-free keeps a just-released Identifier
 * out of use for as long as possible, which keeps late answers and NAS duplicate caches from
 * confusing an old exchange with a new one.
 *
 * With all 256 in flight, callers queue in order rather than fail: a policy change can
 * legitimately re-evaluate more sessions on one switch at once than there are Identifiers.
 */
import { randomInt } from 'node:crypto';

export const IDENTIFIERS_PER_TARGET = 256;

export class IdentifiersExhaustedError extends Error {
  override readonly name = 'IdentifiersExhaustedError';
}

interface Waiter {
  resolve(id: number): void;
  reject(e: Error): void;
}

export class IdentifierPool {
  private readonly inFlight = new Set<number>();
  private readonly waiters: Waiter[] = [];
  /** Random start: a restarted process does not repeat the previous run's first Identifiers. */
  private cursor = randomInt(IDENTIFIERS_PER_TARGET);

  /** @param maxQueued callers allowed to wait once all 256 are in flight; more are refused. */
  constructor(private readonly maxQueued: number) {}

  acquire(): Promise<number> {
    const id = this.take();
    if (id !== undefined) return Promise.resolve(id);
    if (this.waiters.length >= this.maxQueued) {
      return Promise.reject(new IdentifiersExhaustedError(`all ${IDENTIFIERS_PER_TARGET} identifiers in flight and ${this.waiters.length} requests queued`));
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Returns the Identifier; the longest-waiting caller, if any, gets one at once. */
  release(id: number): void {
    if (!this.inFlight.delete(id)) return;
    const next = this.waiters.shift();
    if (next) next.resolve(this.take()!);
  }

  /** Refuses every queued caller (the client is closing). */
  rejectWaiters(e: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(e);
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Nothing in flight and nobody waiting: the pool can be forgotten. */
  get idle(): boolean {
    return this.inFlight.size === 0 && this.waiters.length === 0;
  }

  private take(): number | undefined {
    if (this.inFlight.size >= IDENTIFIERS_PER_TARGET) return undefined;
    while (this.inFlight.has(this.cursor)) this.cursor = (this.cursor + 1) % IDENTIFIERS_PER_TARGET;
    const id = this.cursor;
    this.inFlight.add(id);
    this.cursor = (id + 1) % IDENTIFIERS_PER_TARGET;
    return id;
  }
}
