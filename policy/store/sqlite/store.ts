/** The SQLite implementation of the Store contract. */
import { and, eq, lt, notExists, sql } from 'drizzle-orm';
import type { Store } from '../repository.js';
import { accountRepo, tenantRepo, tokenRepo } from './admin-repos.js';
import { assessmentRepo, verdictRepo } from './assessment-repo.js';
import { auditRepo } from './audit-repo.js';
import { endpointRepo } from './endpoint-repo.js';
import { openSqlite, type Db } from './open.js';
import { definitionsRepo, exceptionRepo, identityRepo, policyRepo } from './policy-repos.js';
import { endpointPosture, postureInventories, postureSnapshots } from './schema.js';

export function createSqliteStore(path: string, opts: { now?: () => Date } = {}): Store {
  const { db, raw } = openSqlite(path);
  const now = opts.now ?? (() => new Date());
  let closed = false;
  // Old page images of deleted rows can linger in the WAL until a checkpoint rewrites it.
  const checkpoint = () => raw.pragma('wal_checkpoint(TRUNCATE)');
  return {
    tenants: tenantRepo(db, now),
    accounts: accountRepo(db, now),
    tokens: tokenRepo(db, now),
    endpoints: endpointRepo(db, now, checkpoint),
    identities: identityRepo(db, now),
    assessments: assessmentRepo(db),
    verdicts: verdictRepo(db),
    policies: policyRepo(db, now),
    exceptions: exceptionRepo(db, now),
    definitions: definitionsRepo(db, now),
    audit: auditRepo(db, now),
    async optimize() {
      // Periodic and on the main thread: re-analyzes only tables that grew or shrank a lot, and
      // then on a bounded sample so a sweep never stalls admission.
      raw.pragma('analysis_limit = 10000');
      raw.pragma('optimize');
    },
    retention: {
      async purgeSnapshots(before) {
        const purged = db.transaction((tx) => {
          const gone = tx
            .delete(postureSnapshots)
            .where(lt(postureSnapshots.receivedAt, before))
            .returning({ tenantId: postureSnapshots.tenantId, endpointId: postureSnapshots.endpointId, inventory: postureSnapshots.inventory })
            .all();
          // Then the package inventories that only purged snapshots referred to: purged means gone.
          const seen = new Set<string>();
          for (const g of gone) {
            if (g.inventory === null || seen.has(`${g.endpointId}\0${g.inventory}`)) continue;
            seen.add(`${g.endpointId}\0${g.inventory}`);
            deleteUnreferencedInventory(tx, g.tenantId, g.endpointId, g.inventory);
          }
          return gone.length;
        });
        if (purged > 0) checkpoint();
        return purged;
      },
    },
    async close() {
      if (closed) return;
      closed = true;
      raw.close();
    },
  };
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

function deleteUnreferencedInventory(tx: Tx, tenantId: string, endpointId: string, hash: string): void {
  tx.delete(postureInventories)
    .where(
      and(
        eq(postureInventories.tenantId, tenantId),
        eq(postureInventories.endpointId, endpointId),
        eq(postureInventories.hash, hash),
        notExists(tx.select({ one: sql`1` }).from(endpointPosture).where(and(eq(endpointPosture.endpointId, endpointId), eq(endpointPosture.inventory, hash)))),
        // Through posture_snapshots_endpoint (tenant_id, endpoint_id, ...): that endpoint's snapshots only.
        notExists(
          tx
            .select({ one: sql`1` })
            .from(postureSnapshots)
            .where(and(eq(postureSnapshots.tenantId, tenantId), eq(postureSnapshots.endpointId, endpointId), eq(postureSnapshots.inventory, hash))),
        ),
      ),
    )
    .run();
}
