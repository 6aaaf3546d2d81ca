/** The SQLite implementation of the Store contract. */
import { and, eq, lt, notExists, sql } from 'drizzle-orm';
import type { Store } from '../repository.js';
import { accountRepo, tenantRepo, tokenRepo } from './admin-repos.js';
import { assessmentRepo, verdictRepo } from './assessment-repo.js';
import { auditRepo } from './audit-repo.js';
import { endpointRepo } from './endpoint-repo.js';
import { sessionRepo } from './session-repo.js';
import { agentAddressRepo } from './agent-address-repo.js';
import { dhcpLeaseRepo } from './dhcp-lease-repo.js';
import { networkUserRepo } from './network-user-repo.js';
import { enrollmentTokenRepo } from './enrollment-token-repo.js';
import { openSqlite, type Db } from './open.js';
import { startAssessmentWriter, writerEntry, type AssessmentWriterThread, type WriterLog } from './writer.js';
import { definitionsRepo, exceptionRepo, identityRepo, policyRepo, roleRepo } from './policy-repos.js';
import { endpointPosture, postureInventories, postureSnapshots } from './schema.js';

export interface SqliteStoreOptions {
  now?: () => Date;
  /**
   * Write assessments on a worker thread with its own connection (writer.ts), off the thread that
   * runs TLS, the protocols and the engine. Default true; an in-memory database writes in place.
   */
  writerThread?: boolean;
  log?: WriterLog;
}

export function createSqliteStore(path: string, opts: SqliteStoreOptions = {}): Store {
  // The main connection migrates and analyses before the writer thread opens the file.
  const { db, raw } = openSqlite(path);
  const now = opts.now ?? (() => new Date());
  const writer = opts.writerThread !== false && path !== ':memory:' ? writerThread(path, opts.log) : undefined;
  let closing: Promise<void> | undefined;
  // Old page images of deleted rows can linger in the WAL until a checkpoint rewrites it.
  const checkpoint = () => raw.pragma('wal_checkpoint(TRUNCATE)');
  return {
    tenants: tenantRepo(db, now),
    accounts: accountRepo(db, now),
    tokens: tokenRepo(db, now),
    endpoints: endpointRepo(db, now, checkpoint),
    enrollmentTokens: enrollmentTokenRepo(db, now),
    identities: identityRepo(db, now),
    assessments: assessmentRepo(db, writer?.record),
    verdicts: verdictRepo(db),
    policies: policyRepo(db, now),
    roles: roleRepo(db, now),
    exceptions: exceptionRepo(db, now),
    definitions: definitionsRepo(db, now),
    sessions: sessionRepo(db, checkpoint),
    dhcpLeases: dhcpLeaseRepo(db, raw),
    agentAddresses: agentAddressRepo(raw),
    networkUsers: networkUserRepo(db, now),
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
    close() {
      // In-flight assessments are written first; the writer thread's connection closes before
      // this one, so the last to close checkpoints the WAL.
      closing ??= (async () => {
        try {
          await writer?.close();
        } finally {
          raw.close();
        }
      })();
      return closing;
    },
  };
}

function writerThread(path: string, log: WriterLog | undefined): AssessmentWriterThread | undefined {
  const entry = writerEntry();
  if (entry) return startAssessmentWriter(path, { entry, ...(log ? { log } : {}) });
  // Only when running from sources without a build: correct, just all on this thread.
  const msg = 'store writer thread unavailable (no compiled writer-worker.js: run npm run build); assessments are written on the main thread';
  if (log) log.warn({ evt: 'STORE_WRITER_UNAVAILABLE' }, msg);
  else process.emitWarning(msg);
  return undefined;
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
