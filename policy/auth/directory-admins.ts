/**
 * Admin API access for directory users: members of a group that a network role grants an
 * `adminRole` may log in with their directory password and get a session token, and may then
 * issue API tokens bound to their account. What they may do follows their groups: every request
 * of a directory account is held to the admin role its groups grant *now* (from the stored
 * memberships the refresher keeps current), so leaving the group takes the rights away without
 * anyone revoking tokens.
 *
 * Logins the directory could not confirm (its fail mode admitted them during an outage) never
 * get admin rights. A local account of the same name is never taken over.
 */
import type { Logger } from 'pino';
import type { AdminRole, NetworkRole } from '../decide/role.js';
import type { IdentityService } from '../identity/identity-service.js';
import type { DecisionInputs } from '../service/decision-inputs.js';
import type { AdminAccount, AuditEntry, Role, Store } from '../store/repository.js';
import { SESSION_TTL_HOURS, type AccountService } from './accounts.js';

const RANK: Record<AdminRole, number> = { viewer: 0, operator: 1, admin: 2 };

/** The strongest admin role any of the user's roles grants (all roles count, not just the first). */
export function adminRoleOf(roles: readonly NetworkRole[], groups: readonly string[]): AdminRole | undefined {
  const member = new Set(groups.map((g) => g.toLowerCase()));
  let best: AdminRole | undefined;
  for (const r of roles) {
    if (r.adminRole === undefined || !r.groups.some((g) => member.has(g.toLowerCase()))) continue;
    if (best === undefined || RANK[r.adminRole] > RANK[best]) best = r.adminRole;
  }
  return best;
}

export interface DirectoryAdminsDeps {
  store: Store;
  identity: Pick<IdentityService, 'hasDirectories' | 'login'>;
  inputs: Pick<DecisionInputs, 'get'>;
  accounts: Pick<AccountService, 'issueToken'>;
  log: Logger;
}

export class DirectoryAdmins {
  constructor(private readonly deps: DirectoryAdminsDeps) {}

  /** The admin role the directory user's groups grant now; undefined: none. */
  async currentRole(tenantId: string, ldapUser: string): Promise<AdminRole | undefined> {
    const identity = await this.deps.store.identities.get(tenantId, 'user', ldapUser);
    if (identity === undefined || identity.status !== 'verified') return undefined;
    return adminRoleOf((await this.deps.inputs.get(tenantId)).roles, identity.groups);
  }

  /**
   * A session for a directory user with an admin role; undefined when the password is wrong, the
   * user has no admin role, or the directory could not confirm the login.
   */
  async login(tenantId: string, username: string, password: string, meta: Pick<AuditEntry, 'requestId' | 'sourceIp'>): Promise<{ token: string; expiresAt: string } | undefined> {
    const { store, identity, log } = this.deps;
    if (!identity.hasDirectories(tenantId)) return undefined;
    const r = await identity.login(tenantId, username, password);
    if (!r.ok || r.hold !== undefined) return undefined;
    const role = await this.currentRole(tenantId, r.user);
    if (role === undefined) {
      log.info({ evt: 'ADMIN_LOGIN_NO_ROLE', tenantId, user: r.user }, 'directory user has no admin role: login refused');
      return undefined;
    }
    const audit: AuditEntry = { actor: r.user, actorKind: 'account', action: 'account.directory-login', targetType: 'account', ...meta };
    let account = await store.accounts.findForLogin(tenantId, r.user);
    if (account !== undefined && account.ldapUser !== r.user) {
      log.warn({ evt: 'ADMIN_LOGIN_NAME_TAKEN', tenantId, user: r.user }, 'a local admin account has this directory user\'s name: directory login refused');
      return undefined;
    }
    account =
      account === undefined
        ? await store.accounts.create(tenantId, { username: r.user, role, ldapUser: r.user }, { ...audit, action: 'account.create' })
        : ((await store.accounts.setRole(tenantId, account.id, role, { ...audit, action: 'account.role' })) ?? account);
    if (account.disabled) return undefined;
    const { token, record } = await this.deps.accounts.issueToken(account as AdminAccount, { name: 'session', ttlHours: SESSION_TTL_HOURS }, audit);
    return { token, expiresAt: record.expiresAt! };
  }

  /** A directory account's role for this request: the token's, capped by what its groups grant now. */
  async effectiveRole(tenantId: string, ldapUser: string, tokenRole: Role): Promise<Role | undefined> {
    const now = await this.currentRole(tenantId, ldapUser);
    if (now === undefined) return undefined;
    return RANK[now] < RANK[tokenRole] ? now : tokenRole;
  }
}
