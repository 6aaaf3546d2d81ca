/**
 * One gateway may serve several tenants (an ISP's shared VPN concentrator); the nft sets are per
 * address, so entries of different tenants for one address are merged here: the stricter entry
 * wins (denied over quarantined over allowed), so an overlap never opens access.
 */
import { stricterEntry, type AllowlistEntry, type TenantEntry } from './contract.js';

export class TenantMerge {
  /** ip → tenant → entry */
  private readonly byIp = new Map<string, Map<string, AllowlistEntry>>();

  /** Replaces everything; returns the merged entries. */
  replaceAll(entries: Iterable<TenantEntry>): AllowlistEntry[] {
    this.byIp.clear();
    for (const { tenantId, ...e } of entries) this.set(tenantId, e.ip, e);
    return [...this.byIp.keys()].map((ip) => this.merged(ip)!);
  }

  /** Sets (or with `entry` undefined, removes) one tenant's entry; returns the address's merged entry. */
  change(tenantId: string, ip: string, entry: AllowlistEntry | undefined): AllowlistEntry | undefined {
    if (entry) this.set(tenantId, ip, entry);
    else {
      const t = this.byIp.get(ip);
      t?.delete(tenantId);
      if (t?.size === 0) this.byIp.delete(ip);
    }
    return this.merged(ip);
  }

  get size(): number {
    return this.byIp.size;
  }

  *entries(): IterableIterator<AllowlistEntry> {
    for (const ip of this.byIp.keys()) yield this.merged(ip)!;
  }

  private set(tenantId: string, ip: string, entry: AllowlistEntry): void {
    let t = this.byIp.get(ip);
    if (!t) this.byIp.set(ip, (t = new Map()));
    t.set(tenantId, { ip, ...(entry.mac !== undefined ? { mac: entry.mac } : {}), access: entry.access });
  }

  merged(ip: string): AllowlistEntry | undefined {
    let best: AllowlistEntry | undefined;
    for (const e of this.byIp.get(ip)?.values() ?? []) best = stricterEntry(best, e);
    return best;
  }
}
