/** Network sessions (schema.ts `network_sessions`): written behind in batches by enforcement points. */
import { and, asc, desc, eq, gt, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { NetworkSession, NetworkSessionQuery, Page, Store } from '../repository.js';
import type { Db } from './open.js';
import { networkSessions } from './schema.js';

type Row = typeof networkSessions.$inferSelect;

const toSession = (r: Row): NetworkSession => ({
  tenantId: r.tenantId,
  key: r.key,
  nas: r.nas,
  nasAddress: r.nasAddress,
  startedAt: r.startedAt,
  updatedAt: r.updatedAt,
  ...(r.acctSessionId !== null ? { acctSessionId: r.acctSessionId } : {}),
  ...(r.mac !== null ? { mac: r.mac } : {}),
  ...(r.framedIp !== null ? { framedIp: r.framedIp } : {}),
  ...(r.userName !== null ? { userName: r.userName } : {}),
  ...(r.nasPort !== null ? { nasPort: r.nasPort } : {}),
  ...(r.vlan !== null ? { vlan: r.vlan } : {}),
  ...(r.placement !== null ? { placement: r.placement } : {}),
  ...(r.stoppedAt !== null ? { stoppedAt: r.stoppedAt } : {}),
  ...(r.stopCause !== null ? { stopCause: r.stopCause } : {}),
});

const toRow = (s: NetworkSession): typeof networkSessions.$inferInsert => ({
  tenantId: s.tenantId,
  key: s.key,
  nas: s.nas,
  nasAddress: s.nasAddress,
  acctSessionId: s.acctSessionId ?? null,
  mac: s.mac ?? null,
  framedIp: s.framedIp ?? null,
  userName: s.userName ?? null,
  nasPort: s.nasPort ?? null,
  vlan: s.vlan ?? null,
  placement: s.placement ?? null,
  startedAt: s.startedAt,
  updatedAt: s.updatedAt,
  stoppedAt: s.stoppedAt ?? null,
  stopCause: s.stopCause ?? null,
});

export function sessionRepo(db: Db, afterPurge: () => void): Store['sessions'] {
  const purged = new Set<(before: string) => void>();
  // Prepared once: the flush writes every changed session each second, and building the SQL per
  // row through the query builder cost more than the write itself (the RADIUS benchmark's profile).
  const p = (name: keyof typeof networkSessions.$inferInsert) => sql.placeholder(name);
  const excluded = (column: string) => sql.raw(`excluded.${column}`);
  const upsert = db
    .insert(networkSessions)
    .values({
      tenantId: p('tenantId'), key: p('key'), nas: p('nas'), nasAddress: p('nasAddress'), acctSessionId: p('acctSessionId'), mac: p('mac'), framedIp: p('framedIp'),
      userName: p('userName'), nasPort: p('nasPort'), vlan: p('vlan'), placement: p('placement'), startedAt: p('startedAt'), updatedAt: p('updatedAt'), stoppedAt: p('stoppedAt'), stopCause: p('stopCause'),
    })
    .onConflictDoUpdate({
      target: [networkSessions.tenantId, networkSessions.key],
      // Everything but started_at: a session's start never moves.
      set: {
        nas: excluded('nas'), nasAddress: excluded('nas_address'), acctSessionId: excluded('acct_session_id'), mac: excluded('mac'), framedIp: excluded('framed_ip'), userName: excluded('user_name'),
        nasPort: excluded('nas_port'), vlan: excluded('vlan'), placement: excluded('placement'), updatedAt: excluded('updated_at'), stoppedAt: excluded('stopped_at'), stopCause: excluded('stop_cause'),
      },
    })
    .prepare();
  return {
    async saveMany(sessions) {
      if (sessions.length === 0) return;
      db.transaction(() => {
        for (const s of sessions) upsert.run(toRow(s));
      });
    },
    async live(updatedSince) {
      return db
        .select()
        .from(networkSessions)
        .where(and(isNull(networkSessions.stoppedAt), gt(networkSessions.updatedAt, updatedSince)))
        .all()
        .map(toSession);
    },
    async list(tenantId: string, q: NetworkSessionQuery): Promise<Page<NetworkSession>> {
      const where: SQL[] = [eq(networkSessions.tenantId, tenantId)];
      if (q.mac) where.push(eq(networkSessions.mac, q.mac));
      if (q.ip) where.push(eq(networkSessions.framedIp, q.ip));
      if (q.active === true) where.push(isNull(networkSessions.stoppedAt));
      const cond = and(...where);
      const items = db.select().from(networkSessions).where(cond).orderBy(desc(networkSessions.updatedAt), asc(networkSessions.key)).limit(q.limit).offset(q.offset).all().map(toSession);
      const total = db.select({ n: sql<number>`count(*)` }).from(networkSessions).where(cond).get()?.n ?? 0;
      return { items, total, limit: q.limit, offset: q.offset };
    },
    async purge(before) {
      const n = db.delete(networkSessions).where(lt(networkSessions.updatedAt, before)).run().changes;
      if (n > 0) afterPurge();
      // Told even when no row went: memory may hold sessions whose write failed.
      for (const l of [...purged]) l(before);
      return n;
    },
    onPurge(listener) {
      purged.add(listener);
      return () => purged.delete(listener);
    },
  };
}
