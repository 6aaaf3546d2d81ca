/**
 * DHCP leases (schema.ts `dhcp_leases`). The one rule that matters: an address has at most one
 * holder. The primary key makes two rows for one address impossible, and `bind` is a single
 * upsert whose update only applies when the row is the same MAC's or has expired, so even a
 * server whose memory is wrong (a bug, two processes on one file) cannot hand one address to two
 * clients: the write changes nothing and the caller does not ACK.
 */
import { and, asc, eq, gt, lt, ne, sql, type SQL } from 'drizzle-orm';
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

export function dhcpLeaseRepo(db: Db): Store['dhcpLeases'] {
  const p = (name: string) => sql.placeholder(name);
  const excluded = (column: string) => sql.raw(`excluded.${column}`);
  // Prepared once: binds run on every DHCPREQUEST, before its ACK.
  const upsert = db
    .insert(dhcpLeases)
    .values({
      tenantId: p('tenantId'), scope: p('scope'), ip: p('ip'), mac: p('mac'), clientId: p('clientId'), pool: p('pool'), state: sql`'bound'`,
      hostname: p('hostname'), boundAt: p('boundAt'), expiresAt: p('expiresAt'), updatedAt: p('updatedAt'),
    })
    .onConflictDoUpdate({
      target: [dhcpLeases.tenantId, dhcpLeases.scope, dhcpLeases.ip],
      set: {
        mac: excluded('mac'), clientId: excluded('client_id'), pool: excluded('pool'), state: sql`'bound'`, hostname: excluded('hostname'),
        // A renewal keeps its bound_at; a new holder of an expired address starts its own.
        boundAt: sql`CASE WHEN ${dhcpLeases.mac} = excluded.mac AND ${dhcpLeases.state} = 'bound' THEN ${dhcpLeases.boundAt} ELSE excluded.bound_at END`,
        expiresAt: excluded('expires_at'), updatedAt: excluded('updated_at'),
      },
      // The guard: the same client's bound lease, or anything expired. Never a live other holder.
      setWhere: sql`(${dhcpLeases.mac} = excluded.mac AND ${dhcpLeases.state} = 'bound') OR ${dhcpLeases.expiresAt} <= ${p('now')}`,
    })
    .prepare();
  const dropOthers = db
    .delete(dhcpLeases)
    .where(and(eq(dhcpLeases.tenantId, p('tenantId')), eq(dhcpLeases.scope, p('scope')), eq(dhcpLeases.mac, p('mac')), ne(dhcpLeases.ip, p('ip'))))
    .prepare();

  return {
    async bind(lease, now) {
      return db.transaction(() => {
        const changed = upsert.run({
          tenantId: lease.tenantId, scope: lease.scope, ip: lease.ip, mac: lease.mac, clientId: lease.clientId ?? null, pool: lease.pool,
          hostname: lease.hostname ?? null, boundAt: lease.boundAt, expiresAt: lease.expiresAt, updatedAt: lease.updatedAt, now,
        }).changes;
        if (changed === 0) return false;
        dropOthers.run({ tenantId: lease.tenantId, scope: lease.scope, mac: lease.mac, ip: lease.ip });
        return true;
      });
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
