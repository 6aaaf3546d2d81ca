/**
 * Remembers recent successful password checks, for protocols that authenticate every connection
 * (PT-TLS SASL PLAIN: one per posture assessment). A scrypt check costs ~150 ms of CPU on
 * purpose, which is right for an admin login and ruinous for a fleet reassessing every few
 * minutes; mail servers solve the same problem the same way (Dovecot's auth cache).
 *
 * What is kept, and why it stays safe:
 * - the key is an HMAC of tenant, user and password under a random per-process key, so the
 *   cache holds no password and nothing that can be checked offline without that key;
 * - each entry also pins the account's stored hash: a password change or a new hash makes the
 *   entry useless at once, and the caller re-reads the account on every hit, so a disabled or
 *   deleted account is refused at once too;
 * - only successes are cached: a wrong password always pays the full check;
 * - entries expire (`ttlMs`) and the map is bounded (`maxEntries`, oldest dropped first).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface PasswordCheckCacheOptions {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

interface Entry {
  /** HMAC of the account's stored password hash at the time of the check. */
  pinned: Buffer;
  expiresAt: number;
}

export class PasswordCheckCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(private readonly opts: PasswordCheckCacheOptions) {
    this.now = opts.now ?? Date.now;
  }

  private mac(...parts: string[]): Buffer {
    const h = createHmac('sha256', this.key);
    // Length-prefixed so ("ab","c") and ("a","bc") never collide.
    for (const p of parts) h.update(`${Buffer.byteLength(p)}:`).update(p);
    return h.digest();
  }

  /** True when these exact credentials were verified against this exact stored hash recently. */
  has(tenantId: string, username: string, password: string, storedHash: string): boolean {
    const id = this.mac(tenantId, username, password).toString('base64');
    const e = this.entries.get(id);
    if (e === undefined) return false;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(id);
      return false;
    }
    return timingSafeEqual(e.pinned, this.mac(storedHash));
  }

  /** Records a successful check. */
  add(tenantId: string, username: string, password: string, storedHash: string): void {
    const id = this.mac(tenantId, username, password).toString('base64');
    this.entries.delete(id); // re-inserted last: Map order is the eviction order
    this.entries.set(id, { pinned: this.mac(storedHash), expiresAt: this.now() + this.opts.ttlMs });
    while (this.entries.size > this.opts.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
