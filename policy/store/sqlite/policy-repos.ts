/** Policies, roles, exceptions, definitions and identities: the inputs of decisions. */
import { and, asc, eq, isNull, lt, lte, or } from 'drizzle-orm';
import type { PolicyException } from '../../decide/exception.js';
import type { Policy, PolicyBody } from '../../decide/policy.js';
import type { NetworkRole, NetworkRoleBody } from '../../decide/role.js';
import { KennekiError } from '../../errors.js';
import { newId } from '../../util/ids.js';
import type { AuditEntry, DefinitionsContent, IdentityKind, IdentityRecord, Store } from '../repository.js';
import { writeAudit } from './audit-repo.js';
import type { Db } from './open.js';
import { definitionFeeds, definitions, exceptions, identities, identityGroups, policies, roles } from './schema.js';

const toPolicy = (r: typeof policies.$inferSelect): Policy => ({
  ...(r.body as PolicyBody),
  id: r.id,
  tenantId: r.tenantId,
  name: r.name,
  precedence: r.precedence,
  enabled: r.enabled,
  revision: r.revision,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

function bodyOf(p: Policy): PolicyBody {
  return {
    match: p.match,
    mode: p.mode,
    checks: p.checks,
    ...(p.description !== undefined ? { description: p.description } : {}),
    ...(p.remediationUrl !== undefined ? { remediationUrl: p.remediationUrl } : {}),
    ...(p.quarantineAllow !== undefined ? { quarantineAllow: p.quarantineAllow } : {}),
  };
}

/** The tables whose rows are deleted by (tenant, id) with an audit row of what was there. */
type TenantRowTable = typeof policies | typeof roles | typeof exceptions;

/**
 * Deletes one row and writes its audit row in the same transaction; false when there was none.
 * `refuse` may throw to keep the row (inside the transaction, so nothing can slip in between).
 */
function deleteAudited<T>(
  db: Db,
  now: () => Date,
  table: TenantRowTable,
  get: (tenantId: string, id: string) => T | undefined,
  tenantId: string,
  id: string,
  audit: AuditEntry,
  refuse?: (before: T) => void,
): boolean {
  const at = now().toISOString();
  return db.transaction((tx) => {
    const before = get(tenantId, id);
    if (!before) return false;
    refuse?.(before);
    tx.delete(table).where(and(eq(table.tenantId, tenantId), eq(table.id, id))).run();
    writeAudit(tx, tenantId, { ...audit, targetId: id, before }, at);
    return true;
  });
}

export function policyRepo(db: Db, now: () => Date): Store['policies'] {
  const get = (tenantId: string, id: string) => {
    const r = db.select().from(policies).where(and(eq(policies.tenantId, tenantId), eq(policies.id, id))).get();
    return r && toPolicy(r);
  };
  const nameTaken = (tenantId: string, name: string, exceptId: string) => {
    const r = db.select({ id: policies.id }).from(policies).where(and(eq(policies.tenantId, tenantId), eq(policies.name, name))).get();
    return r !== undefined && r.id !== exceptId;
  };
  return {
    async list(tenantId) {
      return db.select().from(policies).where(eq(policies.tenantId, tenantId)).orderBy(asc(policies.precedence), asc(policies.name)).all().map(toPolicy);
    },
    async get(tenantId, id) {
      return get(tenantId, id);
    },
    async create(p, audit) {
      const at = now().toISOString();
      return db.transaction((tx) => {
        if (nameTaken(p.tenantId, p.name, p.id)) throw new KennekiError('KENNEKI_ERR_STORE_CONFLICT', `a policy named "${p.name}" already exists`);
        tx.insert(policies)
          .values({ id: p.id, tenantId: p.tenantId, name: p.name, precedence: p.precedence, enabled: p.enabled, body: bodyOf(p), revision: 1, createdAt: at, updatedAt: at })
          .run();
        const created = get(p.tenantId, p.id)!;
        writeAudit(tx, p.tenantId, { ...audit, targetId: p.id, after: created }, at);
        return created;
      });
    },
    async update(p, audit) {
      const at = now().toISOString();
      return db.transaction((tx) => {
        const before = get(p.tenantId, p.id);
        if (!before) return undefined;
        if (nameTaken(p.tenantId, p.name, p.id)) throw new KennekiError('KENNEKI_ERR_STORE_CONFLICT', `a policy named "${p.name}" already exists`);
        if (p.name !== before.name) refuseIfNamedByRoles(db, p.tenantId, before.name, 'rename');
        tx.update(policies)
          .set({ name: p.name, precedence: p.precedence, enabled: p.enabled, body: bodyOf(p), revision: before.revision + 1, updatedAt: at })
          .where(and(eq(policies.tenantId, p.tenantId), eq(policies.id, p.id)))
          .run();
        const after = get(p.tenantId, p.id)!;
        writeAudit(tx, p.tenantId, { ...audit, targetId: p.id, before, after }, at);
        return after;
      });
    },
    async delete(tenantId, id, audit) {
      return deleteAudited(db, now, policies, get, tenantId, id, audit, (before) => refuseIfNamedByRoles(db, tenantId, before.name, 'delete'));
    },
  };
}

/**
 * Roles refer to policies by name, so a policy a role names can be neither deleted nor renamed:
 * the role would silently stop matching its policy and its members would fail closed.
 */
function refuseIfNamedByRoles(db: Db, tenantId: string, policyName: string, what: 'delete' | 'rename'): void {
  const naming = db
    .select()
    .from(roles)
    .where(eq(roles.tenantId, tenantId))
    .orderBy(asc(roles.precedence), asc(roles.name))
    .all()
    .filter((r) => (r.body as NetworkRoleBody).policy === policyName)
    .map((r) => `"${r.name}"`);
  if (naming.length === 0) return;
  throw new KennekiError(
    'KENNEKI_ERR_STORE_CONFLICT',
    `cannot ${what} policy "${policyName}": ${naming.length === 1 ? 'role' : 'roles'} ${naming.join(', ')} ${naming.length === 1 ? 'names' : 'name'} it; point ${naming.length === 1 ? 'that role' : 'those roles'} at another policy or delete ${naming.length === 1 ? 'it' : 'them'} first`,
    { details: { roles: naming.map((n) => n.slice(1, -1)) } },
  );
}

const toRole = (r: typeof roles.$inferSelect): NetworkRole => ({
  ...(r.body as NetworkRoleBody),
  id: r.id,
  tenantId: r.tenantId,
  name: r.name,
  precedence: r.precedence,
  revision: r.revision,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

function roleBodyOf(r: NetworkRole): NetworkRoleBody {
  return {
    groups: r.groups,
    ...(r.policy !== undefined ? { policy: r.policy } : {}),
    ...(r.vlans !== undefined ? { vlans: r.vlans } : {}),
    ...(r.adminRole !== undefined ? { adminRole: r.adminRole } : {}),
    ...(r.description !== undefined ? { description: r.description } : {}),
  };
}

export function roleRepo(db: Db, now: () => Date): Store['roles'] {
  const get = (tenantId: string, id: string) => {
    const r = db.select().from(roles).where(and(eq(roles.tenantId, tenantId), eq(roles.id, id))).get();
    return r && toRole(r);
  };
  const nameTaken = (tenantId: string, name: string, exceptId: string) => {
    const r = db.select({ id: roles.id }).from(roles).where(and(eq(roles.tenantId, tenantId), eq(roles.name, name))).get();
    return r !== undefined && r.id !== exceptId;
  };
  // In the write's transaction, so the policy cannot go between this check and the write.
  const assertPolicyExists = (r: NetworkRole) => {
    if (r.policy === undefined) return;
    const p = db.select({ id: policies.id }).from(policies).where(and(eq(policies.tenantId, r.tenantId), eq(policies.name, r.policy))).get();
    if (!p) throw new KennekiError('KENNEKI_ERR_VALIDATION', `body.policy: no policy named "${r.policy}" in this tenant`, { details: { path: 'body.policy' } });
  };
  return {
    async list(tenantId) {
      return db.select().from(roles).where(eq(roles.tenantId, tenantId)).orderBy(asc(roles.precedence), asc(roles.name)).all().map(toRole);
    },
    async get(tenantId, id) {
      return get(tenantId, id);
    },
    async create(r, audit) {
      const at = now().toISOString();
      return db.transaction((tx) => {
        if (nameTaken(r.tenantId, r.name, r.id)) throw new KennekiError('KENNEKI_ERR_STORE_CONFLICT', `a role named "${r.name}" already exists`);
        assertPolicyExists(r);
        tx.insert(roles).values({ id: r.id, tenantId: r.tenantId, name: r.name, precedence: r.precedence, body: roleBodyOf(r), revision: 1, createdAt: at, updatedAt: at }).run();
        const created = get(r.tenantId, r.id)!;
        writeAudit(tx, r.tenantId, { ...audit, targetId: r.id, after: created }, at);
        return created;
      });
    },
    async update(r, audit) {
      const at = now().toISOString();
      return db.transaction((tx) => {
        const before = get(r.tenantId, r.id);
        if (!before) return undefined;
        if (nameTaken(r.tenantId, r.name, r.id)) throw new KennekiError('KENNEKI_ERR_STORE_CONFLICT', `a role named "${r.name}" already exists`);
        assertPolicyExists(r);
        tx.update(roles)
          .set({ name: r.name, precedence: r.precedence, body: roleBodyOf(r), revision: before.revision + 1, updatedAt: at })
          .where(and(eq(roles.tenantId, r.tenantId), eq(roles.id, r.id)))
          .run();
        const after = get(r.tenantId, r.id)!;
        writeAudit(tx, r.tenantId, { ...audit, targetId: r.id, before, after }, at);
        return after;
      });
    },
    async delete(tenantId, id, audit) {
      return deleteAudited(db, now, roles, get, tenantId, id, audit);
    },
  };
}

const toException = (r: typeof exceptions.$inferSelect): PolicyException => ({
  id: r.id,
  tenantId: r.tenantId,
  scope:
    r.scopeKind === 'user' ? { kind: 'user', user: r.scopeValue } : r.scopeKind === 'group' ? { kind: 'group', group: r.scopeValue } : { kind: 'device', endpointId: r.scopeValue },
  checks: r.checks as PolicyException['checks'],
  reason: r.reason,
  approver: r.approver,
  expiresAt: r.expiresAt,
  createdAt: r.createdAt,
  createdBy: r.createdBy,
});

const scopeColumns = (e: PolicyException) => ({
  scopeKind: e.scope.kind,
  scopeValue: e.scope.kind === 'user' ? e.scope.user : e.scope.kind === 'group' ? e.scope.group : e.scope.endpointId,
});

export function exceptionRepo(db: Db, now: () => Date): Store['exceptions'] {
  const get = (tenantId: string, id: string) => {
    const r = db.select().from(exceptions).where(and(eq(exceptions.tenantId, tenantId), eq(exceptions.id, id))).get();
    return r && toException(r);
  };
  return {
    async list(tenantId, opts) {
      const rows = db.select().from(exceptions).where(eq(exceptions.tenantId, tenantId)).orderBy(asc(exceptions.expiresAt)).all().map(toException);
      if (opts?.includeExpired) return rows;
      const cutoff = opts?.now ?? now().toISOString();
      return rows.filter((e) => e.expiresAt > cutoff);
    },
    async get(tenantId, id) {
      return get(tenantId, id);
    },
    async create(e, audit) {
      const at = now().toISOString();
      return db.transaction((tx) => {
        tx.insert(exceptions)
          .values({ id: e.id, tenantId: e.tenantId, ...scopeColumns(e), checks: e.checks, reason: e.reason, approver: e.approver, expiresAt: e.expiresAt, createdAt: e.createdAt, createdBy: e.createdBy })
          .run();
        const created = get(e.tenantId, e.id)!;
        writeAudit(tx, e.tenantId, { ...audit, targetId: e.id, after: created }, at);
        return created;
      });
    },
    async update(e, audit) {
      const at = now().toISOString();
      return db.transaction((tx) => {
        const before = get(e.tenantId, e.id);
        if (!before) return undefined;
        tx.update(exceptions)
          .set({ ...scopeColumns(e), checks: e.checks, reason: e.reason, approver: e.approver, expiresAt: e.expiresAt, expiryProcessedAt: null })
          .where(and(eq(exceptions.tenantId, e.tenantId), eq(exceptions.id, e.id)))
          .run();
        const after = get(e.tenantId, e.id)!;
        writeAudit(tx, e.tenantId, { ...audit, targetId: e.id, before, after }, at);
        return after;
      });
    },
    async delete(tenantId, id, audit) {
      return deleteAudited(db, now, exceptions, get, tenantId, id, audit);
    },
    async dueForExpiry(at) {
      return db.select().from(exceptions).where(and(lte(exceptions.expiresAt, at), isNull(exceptions.expiryProcessedAt))).all().map(toException);
    },
    async markExpiryProcessed(tenantId, id, at) {
      db.update(exceptions).set({ expiryProcessedAt: at }).where(and(eq(exceptions.tenantId, tenantId), eq(exceptions.id, id))).run();
    },
  };
}

export function definitionsRepo(db: Db, now: () => Date): Store['definitions'] {
  return {
    async replaceFeed(tenantId, feed, content, audit) {
      const at = now().toISOString();
      db.transaction((tx) => {
        const before = tx.select().from(definitionFeeds).where(and(eq(definitionFeeds.tenantId, tenantId), eq(definitionFeeds.name, feed.name))).get();
        tx.delete(definitions).where(and(eq(definitions.tenantId, tenantId), eq(definitions.feed, feed.name))).run();
        const rows = [
          ...content.advisories.map((body) => ({ tenantId, feed: feed.name, kind: 'advisory', body })),
          ...content.forbidden.map((body) => ({ tenantId, feed: feed.name, kind: 'forbidden', body })),
          ...content.platforms.map((body) => ({ tenantId, feed: feed.name, kind: 'platform', body })),
        ];
        for (let i = 0; i < rows.length; i += 500) tx.insert(definitions).values(rows.slice(i, i + 500)).run();
        const values = { tenantId, name: feed.name, format: feed.format, publishedAt: feed.publishedAt ?? null, importedAt: feed.importedAt, advisories: feed.advisories, forbidden: feed.forbidden };
        tx.insert(definitionFeeds).values(values).onConflictDoUpdate({ target: [definitionFeeds.tenantId, definitionFeeds.name], set: values }).run();
        writeAudit(tx, tenantId, { ...audit, targetId: feed.name, before: before ?? undefined, after: values }, at);
      });
    },
    async listFeeds(tenantId) {
      return db
        .select()
        .from(definitionFeeds)
        .where(eq(definitionFeeds.tenantId, tenantId))
        .all()
        .map((r) => ({ name: r.name, format: r.format, importedAt: r.importedAt, advisories: r.advisories, forbidden: r.forbidden, ...(r.publishedAt ? { publishedAt: r.publishedAt } : {}) }));
    },
    async load(tenantId) {
      const out: DefinitionsContent = { advisories: [], forbidden: [], platforms: [] };
      for (const r of db.select({ kind: definitions.kind, body: definitions.body }).from(definitions).where(eq(definitions.tenantId, tenantId)).all()) {
        if (r.kind === 'advisory') out.advisories.push(r.body as never);
        else if (r.kind === 'forbidden') out.forbidden.push(r.body as never);
        else out.platforms.push(r.body as never);
      }
      return out;
    },
  };
}

function toIdentity(r: typeof identities.$inferSelect): IdentityRecord {
  return {
    kind: r.kind as IdentityKind,
    name: r.name,
    groups: r.groups,
    source: r.source,
    refreshedAt: r.refreshedAt,
    status: r.status === 'unverified' ? 'unverified' : 'verified',
    ...(r.hold === 'isolate' || r.hold === 'deny' ? { hold: r.hold } : {}),
  };
}

export function identityRepo(db: Db, now: () => Date): Store['identities'] {
  return {
    async upsert(tenantId, i, audit) {
      const at = now().toISOString();
      db.transaction((tx) => {
        const existing = tx.select().from(identities).where(and(eq(identities.tenantId, tenantId), eq(identities.kind, i.kind), eq(identities.name, i.name))).get();
        const id = existing?.id ?? newId();
        const groups = [...new Set(i.groups)];
        const status = i.status ?? 'verified';
        const hold = status === 'unverified' ? (i.hold ?? 'isolate') : null;
        if (existing) tx.update(identities).set({ groups, source: i.source, refreshedAt: at, status, hold }).where(eq(identities.id, id)).run();
        else tx.insert(identities).values({ id, tenantId, kind: i.kind, name: i.name, groups, source: i.source, refreshedAt: at, status, hold }).run();
        tx.delete(identityGroups).where(eq(identityGroups.identityId, id)).run();
        if (groups.length) tx.insert(identityGroups).values(groups.map((groupName) => ({ tenantId, identityId: id, kind: i.kind, name: i.name, groupName }))).run();
        if (audit) writeAudit(tx, tenantId, { ...audit, targetId: `${i.kind}:${i.name}`, before: existing ? { groups: existing.groups } : undefined, after: { groups, source: i.source } }, at);
      });
    },
    async groupsOf(tenantId, kind, name) {
      const r = db.select({ groups: identities.groups }).from(identities).where(and(eq(identities.tenantId, tenantId), eq(identities.kind, kind), eq(identities.name, name))).get();
      return r?.groups ?? [];
    },
    async get(tenantId, kind, name) {
      const r = db.select().from(identities).where(and(eq(identities.tenantId, tenantId), eq(identities.kind, kind), eq(identities.name, name))).get();
      return r && toIdentity(r);
    },
    async due(tenantId, source, refreshedBefore, limit) {
      return db
        .select()
        .from(identities)
        .where(and(eq(identities.tenantId, tenantId), eq(identities.source, source), or(lt(identities.refreshedAt, refreshedBefore), eq(identities.status, 'unverified'))))
        .orderBy(asc(identities.refreshedAt))
        .limit(limit)
        .all()
        .map(toIdentity);
    },
  };
}
