/** One-time enrollment tokens: issue, list, revoke, and spend exactly once. */
import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import { newId } from '../../util/ids.js';
import type { ConsumeOutcome, EnrollmentToken, EnrollmentTokenStatus, Store } from '../repository.js';
import { writeAudit } from './audit-repo.js';
import type { Db } from './open.js';
import { enrollmentTokens } from './schema.js';

type Row = typeof enrollmentTokens.$inferSelect;

function statusOf(r: Row, now: string): EnrollmentTokenStatus {
  if (r.usedAt !== null) return 'used';
  if (r.revokedAt !== null) return 'revoked';
  return r.expiresAt <= now ? 'expired' : 'unused';
}

/** The admin's view of a row: the secret hash never leaves the repository. */
const toToken = (r: Row, now: string): EnrollmentToken => ({
  id: r.id,
  tenantId: r.tenantId,
  createdBy: r.createdBy,
  createdAt: r.createdAt,
  expiresAt: r.expiresAt,
  status: statusOf(r, now),
  ...(r.label !== null ? { label: r.label } : {}),
  ...(r.endpointId !== null ? { endpointId: r.endpointId } : {}),
  ...(r.usedAt !== null ? { usedAt: r.usedAt } : {}),
  ...(r.usedByEndpointId !== null ? { usedByEndpointId: r.usedByEndpointId } : {}),
  ...(r.revokedAt !== null ? { revokedAt: r.revokedAt } : {}),
});

function refusal(r: Row | undefined, now: string): ConsumeOutcome {
  if (!r) return { ok: false, reason: 'unknown' };
  const token = toToken(r, now);
  if (token.status === 'unused') return { ok: true, token };
  return { ok: false, reason: token.status, token };
}

export function enrollmentTokenRepo(db: Db, now: () => Date): Store['enrollmentTokens'] {
  const byHash = (tenantId: string, secretHash: string) =>
    db.select().from(enrollmentTokens).where(and(eq(enrollmentTokens.tenantId, tenantId), eq(enrollmentTokens.secretHash, secretHash))).get();
  return {
    async create(tenantId, t, audit) {
      const at = now().toISOString();
      const row: Row = {
        id: newId(),
        tenantId,
        secretHash: t.secretHash,
        label: t.label ?? null,
        endpointId: t.endpointId ?? null,
        createdBy: audit.actor,
        createdAt: at,
        expiresAt: t.expiresAt,
        usedAt: null,
        usedByEndpointId: null,
        revokedAt: null,
      };
      return db.transaction((tx) => {
        tx.insert(enrollmentTokens).values(row).run();
        const token = toToken(row, at);
        writeAudit(tx, tenantId, { ...audit, targetId: token.id, after: token }, at);
        return token;
      });
    },
    async list(tenantId, at) {
      return db
        .select()
        .from(enrollmentTokens)
        .where(eq(enrollmentTokens.tenantId, tenantId))
        .orderBy(desc(enrollmentTokens.createdAt), desc(enrollmentTokens.id))
        .all()
        .map((r) => toToken(r, at));
    },
    async get(tenantId, id, at) {
      const r = db.select().from(enrollmentTokens).where(and(eq(enrollmentTokens.tenantId, tenantId), eq(enrollmentTokens.id, id))).get();
      return r && toToken(r, at);
    },
    async check(tenantId, secretHash, at) {
      return refusal(byHash(tenantId, secretHash), at);
    },
    async consume(tenantId, secretHash, at, audit) {
      return db.transaction((tx): ConsumeOutcome => {
        // The check and the spend are one UPDATE: whichever connection runs it first wins, and
        // every later one matches no row, whatever interleaving the callers had.
        const spent = tx
          .update(enrollmentTokens)
          .set({ usedAt: at })
          .where(
            and(
              eq(enrollmentTokens.tenantId, tenantId),
              eq(enrollmentTokens.secretHash, secretHash),
              isNull(enrollmentTokens.usedAt),
              isNull(enrollmentTokens.revokedAt),
              gt(enrollmentTokens.expiresAt, at),
            ),
          )
          .returning()
          .get();
        if (!spent) {
          const outcome = refusal(tx.select().from(enrollmentTokens).where(and(eq(enrollmentTokens.tenantId, tenantId), eq(enrollmentTokens.secretHash, secretHash))).get(), at);
          // A row that reads as unused here would mean the clock disagreed with the UPDATE: never a success.
          return outcome.ok ? { ok: false, reason: 'expired', token: outcome.token } : outcome;
        }
        const token = toToken(spent, at);
        writeAudit(tx, tenantId, { ...audit, targetId: token.id, after: token }, at);
        return { ok: true, token };
      });
    },
    async recordUse(tenantId, id, endpointId) {
      db.update(enrollmentTokens)
        .set({ usedByEndpointId: endpointId })
        .where(and(eq(enrollmentTokens.tenantId, tenantId), eq(enrollmentTokens.id, id)))
        .run();
    },
    async revoke(tenantId, id, audit) {
      const at = now().toISOString();
      return db.transaction((tx) => {
        const before = tx.select().from(enrollmentTokens).where(and(eq(enrollmentTokens.tenantId, tenantId), eq(enrollmentTokens.id, id))).get();
        if (!before) return undefined;
        // A used token has done its work; a revoked one stays revoked at its first time.
        if (before.usedAt !== null || before.revokedAt !== null) return { token: toToken(before, at), changed: false };
        const after = { ...before, revokedAt: at };
        tx.update(enrollmentTokens).set({ revokedAt: at }).where(eq(enrollmentTokens.id, id)).run();
        writeAudit(tx, tenantId, { ...audit, targetId: id, before: toToken(before, at), after: toToken(after, at) }, at);
        return { token: toToken(after, at), changed: true };
      });
    },
  };
}
