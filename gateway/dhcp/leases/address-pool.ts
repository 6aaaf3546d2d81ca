/**
 * One pool's addresses and which of them are taken (bound, offered or declined), as a bitmap over
 * the range. Allocation is next-fit: the search starts after the last address handed out, so an
 * address just released is the last to be reused. A client that was told to let an address go
 * (a NAK, a move between pools) may still answer ARP for it for a while, and handing it straight
 * to the next client would make a conflict (and a DECLINE) likely.
 *
 * Pure bookkeeping: what is durable lives in the store (dhcp_leases), and the lease table
 * (lease-table.ts) rebuilds these bitmaps from it at start.
 */
export class AddressPool {
  private readonly taken: Uint8Array;
  private cursor = 0;
  private count = 0;

  constructor(
    readonly first: number,
    readonly last: number,
  ) {
    if (!Number.isInteger(first) || !Number.isInteger(last) || first < 0 || last > 0xffff_ffff || last < first) throw new RangeError(`bad address range ${first}-${last}`);
    // A /8 is the largest pool that makes sense for DHCP; the bitmap is one byte per address.
    if (last - first + 1 > 1 << 24) throw new RangeError('an address pool holds at most 16,777,216 addresses');
    this.taken = new Uint8Array(last - first + 1);
  }

  get size(): number {
    return this.taken.length;
  }

  get used(): number {
    return this.count;
  }

  contains(ip: number): boolean {
    return ip >= this.first && ip <= this.last;
  }

  isTaken(ip: number): boolean {
    return this.contains(ip) && this.taken[ip - this.first] === 1;
  }

  /** Marks `ip` taken; false when it is outside the pool or already taken. */
  claim(ip: number): boolean {
    if (!this.contains(ip) || this.taken[ip - this.first] === 1) return false;
    this.taken[ip - this.first] = 1;
    this.count++;
    return true;
  }

  /** The next free address after the last one handed out, claimed; undefined when none is left. */
  take(): number | undefined {
    if (this.count >= this.taken.length) return undefined;
    const n = this.taken.length;
    for (let i = 0; i < n; i++) {
      const at = (this.cursor + i) % n;
      if (this.taken[at] === 0) {
        this.taken[at] = 1;
        this.count++;
        this.cursor = (at + 1) % n;
        return this.first + at;
      }
    }
    return undefined;
  }

  /** Frees `ip`; false when it was not taken. */
  free(ip: number): boolean {
    if (!this.isTaken(ip)) return false;
    this.taken[ip - this.first] = 0;
    this.count--;
    return true;
  }
}
