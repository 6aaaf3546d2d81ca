/** Audit rows, written inside the caller's transaction so change and record land together. */
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { AuditEntry, AuditRecord, Store } from '../repository.js';
import type { Db } from './open.js';
import { auditLog } from './schema.js';

type Tx = Pick<Db, 'insert'>;

export function writeAudit(tx: Tx, tenantId: string, entry: AuditEntry, at: string): void {
  tx.insert(auditLog)
    .values({
      tenantId,
      at,
      actor: entry.actor,
      actorKind: entry.actorKind,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId ?? null,
      before: entry.before ?? null,
      after: entry.after ?? null,
      requestId: entry.requestId ?? null,
      sourceIp: entry.sourceIp ?? null,
    })
    .run();
}

export function auditRepo(db: Db, now: () => Date): Store['audit'] {
  return {
    async append(tenantId, entry) {
      writeAudit(db, tenantId, entry, now().toISOString());
    },
    async list(tenantId, opts) {
      const where: SQL[] = [eq(auditLog.tenantId, tenantId)];
      if (opts.beforeId !== undefined) where.push(lt(auditLog.id, opts.beforeId));
      if (opts.action) where.push(eq(auditLog.action, opts.action));
      if (opts.targetType) where.push(eq(auditLog.targetType, opts.targetType));
      const rows = db.select().from(auditLog).where(and(...where)).orderBy(desc(auditLog.id)).limit(opts.limit).all();
      return rows.map(
        (r): AuditRecord => ({
          id: r.id,
          tenantId: r.tenantId,
          at: r.at,
          actor: r.actor,
          actorKind: r.actorKind as AuditRecord['actorKind'],
          action: r.action,
          targetType: r.targetType,
          ...(r.targetId !== null ? { targetId: r.targetId } : {}),
          ...(r.before !== null ? { before: r.before } : {}),
          ...(r.after !== null ? { after: r.after } : {}),
          ...(r.requestId !== null ? { requestId: r.requestId } : {}),
          ...(r.sourceIp !== null ? { sourceIp: r.sourceIp } : {}),
        }),
      );
    },
  };
}
