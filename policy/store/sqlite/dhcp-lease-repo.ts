/**
 * DHCP leases (schema.ts `dhcp_leases`). The one rule that matters: an address has at most one
 * holder. The primary key makes two rows for one address impossible, and `bind` is a single
 * upsert whose update only applies when the row is the same MAC's or has expired, so even a
 * server whose memory is wrong (a bug, two processes on one file) cannot hand one address to two
 * clients: the write changes nothing and the caller does not ACK.
 */
import type Database from 'better-sqlite3';
import { and, asc, eq, gt, lt, sql, type SQL } from 'drizzle-orm';
import type { DhcpLease, DhcpPool, Page, Store } from '../repository.js';
import type { Db } from './open.js';
import { dhcpLeases } from './schema.js';

type Row = typeof dhcpLeases.$inferSelect;

const toLease = (r: Row): DhcpLease => ({
  tenantId: r.tenantId,
  scope: r.scope,
  ip: r.ip,
  mac: r.mac,
  ...(r.clientId !== null ? { clientId: r.clientId } : {}),
  pool: r.pool as DhcpPool,
  state: r.state === 'declined' ? 'declined' : 'bound',
  ...(r.hostname !== null ? { hostname: r.hostname } : {}),
  boundAt: r.boundAt,
  expiresAt: r.expiresAt,
  updatedAt: r.updatedAt,
});

export function dhcpLeaseRepo(db: Db, raw: Database.Database): Store['dhcpLeases'] {
  // Plain better-sqlite3 statements, prepared once: binds run on every DHCPREQUEST before its ACK,
  // and drizzle's per-call transaction object and parameter mapping were a quarter of the DHCP
  // server's CPU under perfdhcp load.
  const upsert = raw.prepare(
    `INSERT INTO dhcp_leases (tenant_id, scope, ip, mac, client_id, pool, state, hostname, bound_at, expires_at, updated_at)
     VALUES (@tenantId, @scope, @ip, @mac, @clientId, @pool, 'bound', @hostname, @boundAt, @expiresAt, @updatedAt)
     ON CONFLICT (tenant_id, scope, ip) DO UPDATE SET
       mac = excluded.mac, client_id = excluded.client_id, pool = excluded.pool, state = 'bound', hostname = excluded.hostname,
       -- a renewal keeps its bound_at; a new holder of an expired address starts its own
       bound_at = CASE WHEN dhcp_leases.mac = excluded.mac AND dhcp_leases.state = 'bound' THEN dhcp_leases.bound_at ELSE excluded.bound_at END,
       expires_at = excluded.expires_at, updated_at = excluded.updated_at
     -- the guard: the same client's bound lease, or anything expired; never a live other holder
     WHERE (dhcp_leases.mac = excluded.mac AND dhcp_leases.state = 'bound') OR dhcp_leases.expires_at <= @now`,
  );
  const dropOthers = raw.prepare('DELETE FROM dhcp_leases WHERE tenant_id = @tenantId AND scope = @scope AND mac = @mac AND ip <> @ip');
  // One transaction for a whole batch: the DHCP server hands over every REQUEST of an event-loop
  // turn at once, so a burst costs one commit (one WAL append) instead of one per lease.
  const bindAll = raw.transaction((leases: readonly DhcpLease[], now: string): boolean[] =>
    leases.map((l) => {
      const changed = upsert.run({
        tenantId: l.tenantId, scope: l.scope, ip: l.ip, mac: l.mac, clientId: l.clientId ?? null, pool: l.pool,
        hostname: l.hostname ?? null, boundAt: l.boundAt, expiresAt: l.expiresAt, updatedAt: l.updatedAt, now,
      }).changes;
      if (changed === 0) return false;
      dropOthers.run({ tenantId: l.tenantId, scope: l.scope, mac: l.mac, ip: l.ip });
      return true;
    }),
  );

  // Arrays, not row objects, and five columns: the address view reads every lease once a minute
  // on the thread that answers DHCP and RADIUS.
  const bindingRows = raw.prepare<[string], [string, string, string, string, string]>("SELECT tenant_id, scope, ip, mac, expires_at FROM dhcp_leases WHERE expires_at > ? AND state = 'bound'").raw(true);
  return {
    async liveBindings(after) {
      return bindingRows.all(after).map(([tenantId, scope, ip, mac, expiresAt]) => ({ tenantId, scope, ip, mac, expiresAt }));
    },
    async bind(lease, now) {
      return bindAll([lease], now)[0]!;
    },
    async bindMany(leases, now) {
      return leases.length === 0 ? [] : bindAll(leases, now);
    },
    async decline(tenantId, scope, ip, until, now) {
      db.insert(dhcpLeases)
        .values({ tenantId, scope, ip, mac: '', pool: 'production', state: 'declined', boundAt: now, expiresAt: until, updatedAt: now })
        .onConflictDoUpdate({ target: [dhcpLeases.tenantId, dhcpLeases.scope, dhcpLeases.ip], set: { mac: '', clientId: null, state: 'declined', hostname: null, boundAt: now, expiresAt: until, updatedAt: now } })
        .run();
    },
    async release(tenantId, scope, ip, mac) {
      const where = and(eq(dhcpLeases.tenantId, tenantId), eq(dhcpLeases.scope, scope), eq(dhcpLeases.ip, ip), eq(dhcpLeases.mac, mac), eq(dhcpLeases.state, 'bound'));
      return db.delete(dhcpLeases).where(where).run().changes > 0;
    },
    async live(after) {
      return db.select().from(dhcpLeases).where(gt(dhcpLeases.expiresAt, after)).all().map(toLease);
    },
    async list(tenantId, q): Promise<Page<DhcpLease>> {
      const where: SQL[] = [eq(dhcpLeases.tenantId, tenantId)];
      if (q.mac) where.push(eq(dhcpLeases.mac, q.mac));
      if (q.ip) where.push(eq(dhcpLeases.ip, q.ip));
      if (q.scope) where.push(eq(dhcpLeases.scope, q.scope));
      const cond = and(...where);
      const items = db.select().from(dhcpLeases).where(cond).orderBy(asc(dhcpLeases.scope), asc(dhcpLeases.ip)).limit(q.limit).offset(q.offset).all().map(toLease);
      const total = db.select({ n: sql<number>`count(*)` }).from(dhcpLeases).where(cond).get()?.n ?? 0;
      return { items, total, limit: q.limit, offset: q.offset };
    },
    async reclaim(before) {
      return db.delete(dhcpLeases).where(lt(dhcpLeases.expiresAt, before)).run().changes;
    },
  };
}
