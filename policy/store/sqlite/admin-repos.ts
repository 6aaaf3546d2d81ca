/** Tenants, admin accounts and API tokens. */
import { and, eq, isNull } from 'drizzle-orm';
import { KennekiError } from '../../errors.js';
import { newId } from '../../util/ids.js';
import type { AdminAccount, ApiToken, Role, Store, Tenant } from '../repository.js';
import { writeAudit } from './audit-repo.js';
import type { Db } from './open.js';
import { adminAccounts, apiTokens, tenants } from './schema.js';

type AccountRow = typeof adminAccounts.$inferSelect;
type TokenRow = typeof apiTokens.$inferSelect;

const toAccount = (r: AccountRow): AdminAccount => ({
  id: r.id,
  tenantId: r.tenantId,
  username: r.username,
  role: r.role as Role,
  disabled: r.disabled,
  createdAt: r.createdAt,
  ...(r.ldapUser !== null ? { ldapUser: r.ldapUser } : {}),
});

const toToken = (r: TokenRow): ApiToken => ({
  id: r.id,
  tenantId: r.tenantId,
  accountId: r.accountId,
  name: r.name,
  role: r.role as Role,
  createdAt: r.createdAt,
  ...(r.expiresAt !== null ? { expiresAt: r.expiresAt } : {}),
  ...(r.revokedAt !== null ? { revokedAt: r.revokedAt } : {}),
});

export function tenantRepo(db: Db, now: () => Date): Store['tenants'] {
  const get = (id: string): Tenant | undefined => {
    const r = db.select().from(tenants).where(eq(tenants.id, id)).get();
    return r && { id: r.id, name: r.name, createdAt: r.createdAt };
  };
  return {
    async ensure(t) {
      db.insert(tenants).values({ id: t.id, tenantId: t.id, name: t.name, createdAt: now().toISOString() }).onConflictDoNothing().run();
      return get(t.id)!;
    },
    async get(id) {
      return get(id);
    },
    async list() {
      return db.select().from(tenants).all().map((r) => ({ id: r.id, name: r.name, createdAt: r.createdAt }));
    },
  };
}

export function accountRepo(db: Db, now: () => Date): Store['accounts'] {
  return {
    async create(tenantId, a, audit) {
      const at = now().toISOString();
      const row = { id: newId(), tenantId, username: a.username, role: a.role, passwordHash: a.passwordHash ?? null, ldapUser: a.ldapUser ?? null, disabled: false, createdAt: at };
      return db.transaction((tx) => {
        const exists = tx.select({ id: adminAccounts.id }).from(adminAccounts).where(and(eq(adminAccounts.tenantId, tenantId), eq(adminAccounts.username, a.username))).get();
        if (exists) throw new KennekiError('KENNEKI_ERR_STORE_CONFLICT', `admin account "${a.username}" already exists in tenant ${tenantId}`);
        tx.insert(adminAccounts).values(row).run();
        const account = toAccount(row);
        writeAudit(tx, tenantId, { ...audit, targetId: account.id, after: account }, at);
        return account;
      });
    },
    async findForLogin(tenantId, username) {
      const r = db.select().from(adminAccounts).where(and(eq(adminAccounts.tenantId, tenantId), eq(adminAccounts.username, username))).get();
      return r && { ...toAccount(r), ...(r.passwordHash !== null ? { passwordHash: r.passwordHash } : {}) };
    },
    async get(tenantId, id) {
      const r = db.select().from(adminAccounts).where(and(eq(adminAccounts.tenantId, tenantId), eq(adminAccounts.id, id))).get();
      return r && toAccount(r);
    },
    async count(tenantId) {
      return db.$count(adminAccounts, eq(adminAccounts.tenantId, tenantId));
    },
    async setRole(tenantId, id, role, audit) {
      const at = now().toISOString();
      return db.transaction((tx) => {
        const before = tx.select().from(adminAccounts).where(and(eq(adminAccounts.tenantId, tenantId), eq(adminAccounts.id, id))).get();
        if (!before) return undefined;
        if (before.role === role) return toAccount(before);
        tx.update(adminAccounts).set({ role }).where(and(eq(adminAccounts.tenantId, tenantId), eq(adminAccounts.id, id))).run();
        const after = toAccount({ ...before, role });
        writeAudit(tx, tenantId, { ...audit, targetId: id, before: { role: before.role }, after: { role } }, at);
        return after;
      });
    },
  };
}

export function tokenRepo(db: Db, now: () => Date): Store['tokens'] {
  return {
    async create(tenantId, t, audit) {
      const at = now().toISOString();
      const row = { id: t.id, tenantId, accountId: t.accountId, name: t.name, role: t.role, secretHash: t.secretHash, createdAt: at, expiresAt: t.expiresAt ?? null, lastUsedAt: null, revokedAt: null };
      return db.transaction((tx) => {
        tx.insert(apiTokens).values(row).run();
        const token = toToken(row);
        writeAudit(tx, tenantId, { ...audit, targetId: token.id, after: token }, at);
        return token;
      });
    },
    async findBySecretHash(secretHash) {
      const r = db
        .select()
        .from(apiTokens)
        .innerJoin(adminAccounts, eq(adminAccounts.id, apiTokens.accountId))
        .where(and(eq(apiTokens.secretHash, secretHash), isNull(apiTokens.revokedAt)))
        .get();
      if (!r || r.admin_accounts.tenantId !== r.api_tokens.tenantId) return undefined;
      return { ...toToken(r.api_tokens), account: toAccount(r.admin_accounts) };
    },
    async revoke(tenantId, id, audit) {
      const at = now().toISOString();
      return db.transaction((tx) => {
        const before = tx.select().from(apiTokens).where(and(eq(apiTokens.tenantId, tenantId), eq(apiTokens.id, id))).get();
        if (!before || before.revokedAt) return false;
        tx.update(apiTokens).set({ revokedAt: at }).where(eq(apiTokens.id, id)).run();
        writeAudit(tx, tenantId, { ...audit, targetId: id, before: toToken(before), after: { ...toToken(before), revokedAt: at } }, at);
        return true;
      });
    },
  };
}
