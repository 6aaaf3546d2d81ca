/** Local network users (schema.ts `network_users`); every write audited in its transaction. */
import { and, asc, eq } from 'drizzle-orm';
import type { NetworkUser, NetworkUserSecrets, Store } from '../repository.js';
import { writeAudit } from './audit-repo.js';
import type { Db } from './open.js';
import { networkUsers } from './schema.js';

type Row = typeof networkUsers.$inferSelect;

const toUser = (r: Row): NetworkUser => ({ tenantId: r.tenantId, name: r.name, mschapv2: r.ntHash !== null, labMd5: r.labPassword !== null, createdAt: r.createdAt, updatedAt: r.updatedAt });

export function networkUserRepo(db: Db, now: () => Date): Store['networkUsers'] {
  const byName = (tenantId: string, name: string) => db.select().from(networkUsers).where(and(eq(networkUsers.tenantId, tenantId), eq(networkUsers.name, name))).get();
  return {
    async put(tenantId, name, secrets, audit) {
      const at = now().toISOString();
      return db.transaction((tx) => {
        const before = tx.select().from(networkUsers).where(and(eq(networkUsers.tenantId, tenantId), eq(networkUsers.name, name))).get();
        const row = { tenantId, name, passwordHash: secrets.passwordHash, ntHash: secrets.ntHash ?? null, labPassword: secrets.labPassword ?? null, createdAt: before?.createdAt ?? at, updatedAt: at };
        tx.insert(networkUsers).values(row).onConflictDoUpdate({ target: [networkUsers.tenantId, networkUsers.name], set: row }).run();
        const user = toUser(row);
        // The audit row holds what changed, never a hash or a password.
        writeAudit(tx, tenantId, { ...audit, targetId: name, ...(before ? { before: toUser(before) } : {}), after: user }, at);
        return user;
      });
    },
    async list(tenantId) {
      return db.select().from(networkUsers).where(eq(networkUsers.tenantId, tenantId)).orderBy(asc(networkUsers.name)).all().map(toUser);
    },
    async secrets(tenantId, name): Promise<NetworkUserSecrets | undefined> {
      const r = byName(tenantId, name);
      return r && { passwordHash: r.passwordHash, ...(r.ntHash !== null ? { ntHash: r.ntHash } : {}), ...(r.labPassword !== null ? { labPassword: r.labPassword } : {}) };
    },
    async delete(tenantId, name, audit) {
      const at = now().toISOString();
      return db.transaction((tx) => {
        const before = tx.select().from(networkUsers).where(and(eq(networkUsers.tenantId, tenantId), eq(networkUsers.name, name))).get();
        if (!before) return false;
        tx.delete(networkUsers).where(and(eq(networkUsers.tenantId, tenantId), eq(networkUsers.name, name))).run();
        writeAudit(tx, tenantId, { ...audit, targetId: name, before: toUser(before) }, at);
        return true;
      });
    },
  };
}
