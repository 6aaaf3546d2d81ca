/** The SQLite implementation of the Store contract. */
import { lt } from 'drizzle-orm';
import type { Store } from '../repository.js';
import { accountRepo, tenantRepo, tokenRepo } from './admin-repos.js';
import { assessmentRepo, verdictRepo } from './assessment-repo.js';
import { auditRepo } from './audit-repo.js';
import { endpointRepo } from './endpoint-repo.js';
import { openSqlite } from './open.js';
import { definitionsRepo, exceptionRepo, identityRepo, policyRepo } from './policy-repos.js';
import { postureSnapshots } from './schema.js';

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
        const purged = db.delete(postureSnapshots).where(lt(postureSnapshots.receivedAt, before)).run().changes;
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
