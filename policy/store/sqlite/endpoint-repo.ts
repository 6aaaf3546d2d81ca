/** Endpoints: registration, lookup, and the filtered, sorted, paginated admin list. */
import type Database from 'better-sqlite3';
import { and, asc, desc, eq, gt, inArray, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { KennekiError } from '../../errors.js';
import type { Verdict } from '../../decide/policy.js';
import { newId } from '../../util/ids.js';
import type { Endpoint, EndpointQuery, Store } from '../repository.js';
import { writeAudit } from './audit-repo.js';
import type { Db } from './open.js';
import { agentAddresses, checkResults, endpointDecisions, endpointFindings, endpoints, identityGroups } from './schema.js';

type Row = typeof endpoints.$inferSelect;

export const toEndpoint = (r: Row): Endpoint => ({
  id: r.id,
  tenantId: r.tenantId,
  tags: r.tags,
  firstSeenAt: r.firstSeenAt,
  lastSeenAt: r.lastSeenAt,
  verdict: r.verdict as Verdict,
  verdictAt: r.verdictAt,
  ...(r.mac !== null ? { mac: r.mac } : {}),
  ...(r.deviceId !== null ? { deviceId: r.deviceId } : {}),
  ...(r.hostname !== null ? { hostname: r.hostname } : {}),
  ...(r.owner !== null ? { owner: r.owner } : {}),
  ...(r.lastReportAt !== null ? { lastReportAt: r.lastReportAt } : {}),
  ...(r.policyId !== null ? { policyId: r.policyId } : {}),
});

const SORT_COLUMNS = {
  last_seen: endpoints.lastSeenAt,
  first_seen: endpoints.firstSeenAt,
  hostname: endpoints.hostname,
  verdict: endpoints.verdict,
  mac: endpoints.mac,
  owner: endpoints.owner,
} as const;

const FAILING = ['non-compliant-minor', 'non-compliant-major'];

function filters(tenantId: string, q: EndpointQuery): SQL[] {
  const where: SQL[] = [eq(endpoints.tenantId, tenantId)];
  if (q.verdict) where.push(eq(endpoints.verdict, q.verdict));
  if (q.lastSeenBefore) where.push(lt(endpoints.lastSeenAt, q.lastSeenBefore));
  if (q.lastSeenAfter) where.push(gt(endpoints.lastSeenAt, q.lastSeenAfter));
  if (q.search) {
    // Prefix ranges on lowered values (expression indexes), one index scan per column, unioned:
    // an OR of three LIKEs would scan the tenant's whole table.
    const lo = q.search.toLowerCase();
    const hi = `${lo}\uffff`;
    const mac = lo.replace(/-/g, ':');
    where.push(
      sql`${endpoints.seq} IN (
        SELECT ${endpoints.seq} FROM ${endpoints} WHERE ${endpoints.tenantId} = ${tenantId} AND lower(${endpoints.hostname}) >= ${lo} AND lower(${endpoints.hostname}) < ${hi}
        UNION SELECT ${endpoints.seq} FROM ${endpoints} WHERE ${endpoints.tenantId} = ${tenantId} AND lower(${endpoints.owner}) >= ${lo} AND lower(${endpoints.owner}) < ${hi}
        UNION SELECT ${endpoints.seq} FROM ${endpoints} WHERE ${endpoints.tenantId} = ${tenantId} AND ${endpoints.mac} >= ${mac} AND ${endpoints.mac} < ${`${mac}\uffff`})`,
    );
  }
  if (q.failingCheck) {
    where.push(
      sql`${endpoints.seq} IN (SELECT ${checkResults.endpointSeq} FROM ${checkResults} WHERE ${checkResults.tenantId} = ${tenantId} AND ${checkResults.checkId} = ${q.failingCheck} AND ${checkResults.status} IN (${sql.join(FAILING.map((s) => sql`${s}`), sql`, `)}))`,
    );
  }
  if (q.missingPatch) {
    where.push(
      sql`${endpoints.seq} IN (SELECT ${endpointFindings.endpointSeq} FROM ${endpointFindings} WHERE ${endpointFindings.tenantId} = ${tenantId} AND ${endpointFindings.name} = ${q.missingPatch} AND ${endpointFindings.kind} = 'pending-update')`,
    );
  }
  if (q.packageName) {
    where.push(
      sql`${endpoints.seq} IN (SELECT ${endpointFindings.endpointSeq} FROM ${endpointFindings} WHERE ${endpointFindings.tenantId} = ${tenantId} AND ${endpointFindings.name} = ${q.packageName} AND ${endpointFindings.kind} IN ('vulnerable-package', 'forbidden-package'))`,
    );
  }
  if (q.group) {
    const members = (kind: string) =>
      sql`SELECT ${identityGroups.name} FROM ${identityGroups} WHERE ${identityGroups.tenantId} = ${tenantId} AND ${identityGroups.groupName} = ${q.group} AND ${identityGroups.kind} = ${kind}`;
    // A union of two index lookups rather than an OR, which SQLite would answer with a scan.
    where.push(
      sql`${endpoints.seq} IN (
        SELECT ${endpoints.seq} FROM ${endpoints} WHERE ${endpoints.tenantId} = ${tenantId} AND ${endpoints.owner} IN (${members('user')})
        UNION SELECT ${endpoints.seq} FROM ${endpoints} WHERE ${endpoints.tenantId} = ${tenantId} AND ${endpoints.hostname} IN (${members('device')}))`,
    );
  }
  return where;
}

export function endpointRepo(db: Db, now: () => Date, afterPurge: () => void = () => {}): Store['endpoints'] {
  // Every endpoint, read by the allow-list's address view on each rebuild: a plain statement on
  // drizzle's own connection, returning arrays (row objects cost more than the query).
  const verdictRows = (db as Db & { $client: Database.Database }).$client.prepare<[], [string, string, string | null, string]>('SELECT tenant_id, id, mac, verdict FROM endpoints').raw(true);
  // Lookups that run on every admission and every report: prepared once, not rebuilt per call.
  const p = sql.placeholder;
  const byId = db.select().from(endpoints).where(and(eq(endpoints.tenantId, p('tenantId')), eq(endpoints.id, p('id')))).prepare();
  const byCredential = db.select().from(endpoints).where(eq(endpoints.credentialHash, p('credentialHash'))).prepare();
  const byMac = db.select().from(endpoints).where(and(eq(endpoints.tenantId, p('tenantId')), eq(endpoints.mac, p('mac')))).prepare();
  const byDeviceId = db.select().from(endpoints).where(and(eq(endpoints.tenantId, p('tenantId')), eq(endpoints.deviceId, p('deviceId')))).prepare();
  // One row for an admission: the verdict and the placement the current decision carries. The
  // whole decision is not parsed per RADIUS request, only the two fields enforcement reads.
  const admission = db
    .select({
      id: endpoints.id,
      verdict: endpoints.verdict,
      vlan: sql<string | null>`json_extract(${endpointDecisions.decision}, '$.vlan')`,
      role: sql<string | null>`json_extract(${endpointDecisions.decision}, '$.trace.role.name')`,
    })
    .from(endpoints)
    .leftJoin(endpointDecisions, eq(endpointDecisions.endpointId, endpoints.id))
    .where(and(eq(endpoints.tenantId, p('tenantId')), eq(endpoints.mac, p('mac'))))
    .prepare();
  const get = (tenantId: string, id: string) => {
    const r = byId.get({ tenantId, id });
    return r && toEndpoint(r);
  };
  return {
    async create(tenantId, e, at, audit) {
      const row: typeof endpoints.$inferInsert = {
        id: newId(),
        tenantId,
        mac: e.mac ?? null,
        deviceId: e.deviceId ?? null,
        hostname: e.hostname ?? null,
        owner: e.owner ?? null,
        tags: e.tags ?? [],
        credentialHash: e.credentialHash ?? null,
        firstSeenAt: at,
        lastSeenAt: at,
        // Registration is not assessment: a new endpoint starts quarantined until it reports.
        verdict: 'isolate',
        verdictAt: at,
      };
      return db.transaction((tx) => {
        const clash = [e.mac ? eq(endpoints.mac, e.mac) : undefined, e.deviceId ? eq(endpoints.deviceId, e.deviceId) : undefined].filter((c): c is SQL => c !== undefined);
        if (clash.length > 0 && tx.select({ id: endpoints.id }).from(endpoints).where(and(eq(endpoints.tenantId, tenantId), or(...clash))).get()) {
          throw new KennekiError('KENNEKI_ERR_STORE_CONFLICT', 'an endpoint with this MAC or device id already exists');
        }
        tx.insert(endpoints).values(row).run();
        const created = toEndpoint(tx.select().from(endpoints).where(eq(endpoints.id, row.id!)).get()!);
        if (audit) writeAudit(tx, tenantId, { ...audit, targetId: created.id, after: created }, at);
        return created;
      });
    },
    async get(tenantId, id) {
      return get(tenantId, id);
    },
    async findByCredential(credentialHash) {
      const r = byCredential.get({ credentialHash });
      return r && toEndpoint(r);
    },
    async admissionByMac(tenantId, mac) {
      const r = admission.get({ tenantId, mac });
      return r && { endpointId: r.id, verdict: r.verdict as Verdict, ...(r.vlan !== null ? { vlan: r.vlan } : {}), ...(r.role !== null ? { role: r.role } : {}) };
    },
    async findByMac(tenantId, mac) {
      const r = byMac.get({ tenantId, mac });
      return r && toEndpoint(r);
    },
    async findByDeviceId(tenantId, deviceId) {
      const r = byDeviceId.get({ tenantId, deviceId });
      return r && toEndpoint(r);
    },
    async update(tenantId, id, patch, audit) {
      const at = now().toISOString();
      return db.transaction((tx) => {
        const before = get(tenantId, id);
        if (!before) return undefined;
        tx.update(endpoints)
          .set({
            ...(patch.hostname !== undefined ? { hostname: patch.hostname } : {}),
            ...(patch.owner !== undefined ? { owner: patch.owner } : {}),
            ...(patch.tags !== undefined ? { tags: patch.tags } : {}),
            ...(patch.mac !== undefined ? { mac: patch.mac } : {}),
            ...(patch.deviceId !== undefined ? { deviceId: patch.deviceId } : {}),
          })
          .where(and(eq(endpoints.tenantId, tenantId), eq(endpoints.id, id)))
          .run();
        const after = get(tenantId, id)!;
        writeAudit(tx, tenantId, { ...audit, targetId: id, before, after }, at);
        return after;
      });
    },
    async setCredential(tenantId, id, credentialHash, audit) {
      const at = now().toISOString();
      return db.transaction((tx) => {
        const res = tx.update(endpoints).set({ credentialHash }).where(and(eq(endpoints.tenantId, tenantId), eq(endpoints.id, id))).run();
        if (res.changes === 0) return false;
        writeAudit(tx, tenantId, { ...audit, targetId: id, after: audit.after ?? { credential: 'rotated' } }, at);
        return true;
      });
    },
    async delete(tenantId, id, audit) {
      const at = now().toISOString();
      const deleted = db.transaction((tx) => {
        const before = get(tenantId, id);
        if (!before) return false;
        // ON DELETE CASCADE removes posture, snapshots, results, findings and verdict history.
        tx.delete(endpoints).where(and(eq(endpoints.tenantId, tenantId), eq(endpoints.id, id))).run();
        // Where its agent was seen is about this endpoint too (no foreign key: the row is written
        // outside the assessment's transaction, and may name an endpoint deleted meanwhile).
        tx.delete(agentAddresses).where(and(eq(agentAddresses.tenantId, tenantId), eq(agentAddresses.endpointId, id))).run();
        writeAudit(tx, tenantId, { ...audit, targetId: id, before }, at);
        return true;
      });
      if (deleted) afterPurge();
      return deleted;
    },
    async list(tenantId, q) {
      const where = and(...filters(tenantId, q));
      const column = SORT_COLUMNS[q.sort.field];
      // seq (the rowid) ends every index, so it breaks ties without a sort step.
      const order = q.sort.dir === 'asc' ? [asc(column), asc(endpoints.seq)] : [desc(column), desc(endpoints.seq)];
      // Late row lookup: page through seqs (answered from indexes, so a deep offset skips index
      // entries, not whole rows), then read only the rows of the page.
      const page = db.select({ seq: endpoints.seq }).from(endpoints).where(where).orderBy(...order).limit(q.limit).offset(q.offset).all().map((r) => r.seq);
      const bySeq = new Map(page.length === 0 ? [] : db.select().from(endpoints).where(inArray(endpoints.seq, page)).all().map((r) => [r.seq, r] as const));
      const items = page.flatMap((seq) => {
        const row = bySeq.get(seq);
        return row ? [toEndpoint(row)] : [];
      });
      const total = await db.$count(endpoints, where);
      return { items, total, limit: q.limit, offset: q.offset };
    },
    async ids(tenantId, cursor, limit) {
      const after = cursor === undefined ? 0 : Number(cursor);
      const rows = db
        .select({ id: endpoints.id, seq: endpoints.seq })
        .from(endpoints)
        .where(and(eq(endpoints.tenantId, tenantId), gt(endpoints.seq, after)))
        .orderBy(asc(endpoints.seq))
        .limit(limit)
        .all();
      const last = rows[rows.length - 1];
      return { ids: rows.map((r) => r.id), ...(last ? { cursor: String(last.seq) } : {}) };
    },
    async idsOfIdentity(tenantId, kind, name) {
      // Exact match, as the engine joins identities to endpoints (assessment-repo loadState).
      const column = kind === 'user' ? endpoints.owner : endpoints.hostname;
      return db.select({ id: endpoints.id }).from(endpoints).where(and(eq(endpoints.tenantId, tenantId), eq(column, name))).all().map((r) => r.id);
    },
    async dueForReview(tenantId, at, limit) {
      return db
        .select({ id: endpoints.id })
        .from(endpoints)
        .where(and(eq(endpoints.tenantId, tenantId), lte(endpoints.reviewAt, at)))
        .orderBy(asc(endpoints.reviewAt))
        .limit(limit)
        .all()
        .map((r) => r.id);
    },
    async countByVerdict() {
      return db
        .select({ tenantId: endpoints.tenantId, verdict: endpoints.verdict, count: sql<number>`count(*)` })
        .from(endpoints)
        .groupBy(endpoints.tenantId, endpoints.verdict)
        .all()
        .map((r) => ({ tenantId: r.tenantId, verdict: r.verdict as Verdict, count: r.count }));
    },
    async verdictIndex() {
      return verdictRows.all().map(([tenantId, id, mac, verdict]) => ({ tenantId, id, ...(mac !== null ? { mac } : {}), verdict: verdict as Verdict }));
    },
  };
}

