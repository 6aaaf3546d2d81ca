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
import { BoundedCache } from '../util/bounded-cache.js';

export interface PasswordCheckCacheOptions {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}


export class PasswordCheckCache {
  private readonly key = randomBytes(32);
  /** Each entry: the HMAC of the account's stored password hash at the time of the check. */
  private readonly entries: BoundedCache<string, Buffer>;

  constructor(private readonly opts: PasswordCheckCacheOptions) {
    this.entries = new BoundedCache(opts.maxEntries, opts.now ?? Date.now);
  }

  private mac(...parts: string[]): Buffer {
    const h = createHmac('sha256', this.key);
    // Length-prefixed so ("ab","c") and ("a","bc") never collide.
    for (const p of parts) h.update(`${Buffer.byteLength(p)}:`).update(p);
    return h.digest();
  }

  /** True when these exact credentials were verified against this exact stored hash recently. */
  has(tenantId: string, username: string, password: string, storedHash: string): boolean {
    const pinned = this.entries.get(this.mac(tenantId, username, password).toString('base64'));
    return pinned !== undefined && timingSafeEqual(pinned, this.mac(storedHash));
  }

  /** Records a successful check. */
  add(tenantId: string, username: string, password: string, storedHash: string): void {
    this.entries.set(this.mac(tenantId, username, password).toString('base64'), this.mac(storedHash), this.opts.ttlMs);
  }

  get size(): number {
    return this.entries.size;
  }
}
