/**
 * Successful directory logins, remembered in memory only: within the TTL a repeat login (an agent
 * reassessing every few minutes) needs no bind; while the directory is down, a user who logged in
 * before keeps working for the outage window.
 *
 * Only an HMAC of the password is kept, under a key made at start and never stored, so a memory
 * dump does not yield passwords and a restart forgets everything. The directory refusing the
 * remembered password itself (changed, expired, locked out) evicts the entry, so the cache never
 * outlives what the directory has said.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

interface Entry {
  digest: Buffer;
  at: number;
}

export class LoginCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = 100_000) {}

  private digest(password: string): Buffer {
    return createHmac('sha256', this.key).update(password, 'utf8').digest();
  }

  /** How long ago this exact password was confirmed for this login; undefined when never. */
  ageOf(directory: string, login: string, password: string, now: number): number | undefined {
    const e = this.entries.get(`${directory}\0${login.toLowerCase()}`);
    if (e === undefined) return undefined;
    return timingSafeEqual(e.digest, this.digest(password)) ? now - e.at : undefined;
  }

  remember(directory: string, login: string, password: string, now: number): void {
    const key = `${directory}\0${login.toLowerCase()}`;
    this.entries.delete(key);
    // Oldest first out: Map iterates in insertion order, and a remembered login moves to the end.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { digest: this.digest(password), at: now });
  }

  forget(directory: string, login: string): void {
    this.entries.delete(`${directory}\0${login.toLowerCase()}`);
  }

  get size(): number {
    return this.entries.size;
  }
}
