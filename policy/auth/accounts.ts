/**
 * Admin accounts, API tokens, login and device credentials. Secrets are shown once at creation and
 * only their hashes are stored.
 */
import type { Clock } from '../service/clock.js';
import type { AdminAccount, ApiToken, AuditEntry, Role, Store } from '../store/repository.js';
import { newId, newSecret, sha256 } from '../util/ids.js';
import { generatePassword, hashPassword, verifyPassword } from './password.js';
import { ADMIN_TOKEN_PREFIX, DEVICE_TOKEN_PREFIX, type Principal } from './principal.js';

const SESSION_TTL_HOURS = 12;
// Verifying against a fixed dummy hash keeps unknown usernames as slow as wrong passwords.
let dummyHash: Promise<string> | undefined;

export class AccountService {
  constructor(private readonly store: Store, private readonly clock: Clock) {}

  async createAdmin(tenantId: string, a: { username: string; role: Role; password?: string }, audit: AuditEntry): Promise<{ account: AdminAccount; password?: string }> {
    const generated = a.password === undefined ? generatePassword() : undefined;
    const passwordHash = await hashPassword(a.password ?? generated!);
    const account = await this.store.accounts.create(tenantId, { username: a.username, role: a.role, passwordHash }, { ...audit, action: 'account.create', targetType: 'account' });
    return { account, ...(generated ? { password: generated } : {}) };
  }

  async issueToken(account: AdminAccount, t: { name: string; role?: Role; ttlHours?: number }, audit: AuditEntry): Promise<{ token: string; record: ApiToken }> {
    const token = ADMIN_TOKEN_PREFIX + newSecret();
    // A token never carries more rights than its account.
    const role = t.role && rank(t.role) < rank(account.role) ? t.role : account.role;
    const expiresAt = t.ttlHours !== undefined ? new Date(this.clock.now().getTime() + t.ttlHours * 3_600_000).toISOString() : undefined;
    const record = await this.store.tokens.create(
      account.tenantId,
      { id: newId(), accountId: account.id, name: t.name, role, secretHash: sha256(token), ...(expiresAt ? { expiresAt } : {}) },
      { ...audit, action: 'token.create', targetType: 'token' },
    );
    return { token, record };
  }

  /**
   * True when the password is right for an enabled account of the tenant; no token, no audit.
   * Same timing for unknown users. Used by PT-TLS SASL PLAIN (admin accounts stand in for local
   * users until LDAP/AD identity lands).
   */
  async checkPassword(tenantId: string, username: string, password: string): Promise<boolean> {
    return (await this.verifiedAccount(tenantId, username, password)) !== undefined;
  }

  /** The enabled account these credentials prove, or undefined; unknown users take as long as wrong passwords. */
  private async verifiedAccount(tenantId: string, username: string, password: string): Promise<AdminAccount | undefined> {
    const account = await this.store.accounts.findForLogin(tenantId, username);
    const hash = account?.passwordHash ?? (await (dummyHash ??= hashPassword(newSecret())));
    const ok = await verifyPassword(password, hash);
    return ok && account && !account.disabled && account.passwordHash ? account : undefined;
  }

  /** Username and password → a session token, or undefined. Same timing for unknown users. */
  async login(tenantId: string, username: string, password: string, meta: Pick<AuditEntry, 'requestId' | 'sourceIp'>): Promise<{ token: string; expiresAt: string } | undefined> {
    const account = await this.verifiedAccount(tenantId, username, password);
    if (!account) {
      // Failed logins are audited in existing tenants only: a made-up tenant id must not create rows.
      if (await this.store.tenants.get(tenantId)) await this.store.audit.append(tenantId, { actor: username, actorKind: 'account', action: 'auth.login-failed', targetType: 'account', ...meta });
      return undefined;
    }
    const { token, record } = await this.issueToken(account, { name: 'session', ttlHours: SESSION_TTL_HOURS }, { actor: username, actorKind: 'account', action: '', targetType: '', ...meta });
    return { token, expiresAt: record.expiresAt! };
  }

  async authenticate(bearer: string): Promise<Principal | undefined> {
    if (!bearer.startsWith(ADMIN_TOKEN_PREFIX)) return undefined;
    const t = await this.store.tokens.findBySecretHash(sha256(bearer));
    if (!t || t.account.disabled) return undefined;
    if (t.expiresAt && Date.parse(t.expiresAt) <= this.clock.now().getTime()) return undefined;
    return { kind: 'token', tenantId: t.tenantId, role: t.role, accountId: t.accountId, username: t.account.username, tokenId: t.id };
  }

  async authenticateDevice(credential: string): Promise<Principal | undefined> {
    if (!credential.startsWith(DEVICE_TOKEN_PREFIX)) return undefined;
    const e = await this.store.endpoints.findByCredential(sha256(credential));
    return e && { kind: 'device', tenantId: e.tenantId, endpointId: e.id };
  }

  /** A fresh device credential: shown once, stored hashed. */
  static newDeviceCredential(): { credential: string; hash: string } {
    const credential = DEVICE_TOKEN_PREFIX + newSecret();
    return { credential, hash: sha256(credential) };
  }
}

function rank(r: Role): number {
  return r === 'admin' ? 2 : r === 'operator' ? 1 : 0;
}
