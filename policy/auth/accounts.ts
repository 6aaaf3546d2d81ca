/**
 * Admin accounts, API tokens, login and device credentials. Secrets are shown once at creation and
 * only their hashes are stored.
 */
import type { Clock } from '../service/clock.js';
import type { AdminAccount, ApiToken, AuditEntry, Role, Store } from '../store/repository.js';
import { newId, newSecret, sha256 } from '../util/ids.js';
import { CheckLimiter } from './check-limiter.js';
import { PasswordCheckCache } from './password-check-cache.js';
import { generatePassword, hashPassword, verifyPassword } from './password.js';
import { ADMIN_TOKEN_PREFIX, DEVICE_TOKEN_PREFIX, type Principal } from './principal.js';

/** Session tokens from a password login, local or directory. */
export const SESSION_TTL_HOURS = 12;
// Verifying against a fixed dummy hash keeps unknown usernames as slow as wrong passwords.
let dummyHash: Promise<string> | undefined;

export type ProtocolCredentialCheck =
  | { ok: true; kind: 'account'; username: string }
  | { ok: true; kind: 'device'; endpointId: string }
  /** `busy`: refused unchecked because too many password checks were already waiting. */
  | { ok: false; reason: 'invalid' | 'busy' };

export interface ProtocolAuthOptions {
  /** How long a successful password check is remembered. */
  cacheTtlMs: number;
  cacheMaxEntries: number;
  /** Password checks (scrypt) running at once, and how many may wait for a slot. */
  concurrency: number;
  maxQueue: number;
}

/** Two scrypt checks at a time leave a core and libuv threads for everything else on 2 cores. */
export const DEFAULT_PROTOCOL_AUTH: ProtocolAuthOptions = { cacheTtlMs: 10 * 60_000, cacheMaxEntries: 10_000, concurrency: 2, maxQueue: 256 };

export class AccountService {
  private readonly protocolCache: PasswordCheckCache;
  private readonly protocolLimiter: CheckLimiter;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    protocolAuth: ProtocolAuthOptions = DEFAULT_PROTOCOL_AUTH,
  ) {
    this.protocolCache = new PasswordCheckCache({ ttlMs: protocolAuth.cacheTtlMs, maxEntries: protocolAuth.cacheMaxEntries, now: () => clock.now().getTime() });
    this.protocolLimiter = new CheckLimiter(protocolAuth.concurrency, protocolAuth.maxQueue);
  }

  private protocolChecks = 0;

  /** Password checks refused unchecked because the queue was full (a wrong-password flood). */
  get protocolChecksRefused(): number {
    return this.protocolLimiter.refused;
  }

  /** Full (scrypt) password checks protocols have run: what the success cache saves shows here. */
  get protocolChecksRun(): number {
    return this.protocolChecks;
  }

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
   * Credentials a protocol presents on every connection (PT-TLS SASL PLAIN): a device credential
   * (`kd_…`, high-entropy, checked by its SHA-256 like API tokens) names its endpoint; anything
   * else is a user's password, checked like a login but through the success cache and the
   * limiter, so a fleet reassessing does not pay scrypt each time and a flood of wrong passwords
   * cannot take every core. No token, no audit (the caller audits failures).
   */
  async checkProtocolCredentials(tenantId: string, username: string, password: string): Promise<ProtocolCredentialCheck> {
    if (password.startsWith(DEVICE_TOKEN_PREFIX)) {
      const e = await this.store.endpoints.findByCredential(sha256(password));
      // Another tenant's device credential is as wrong as a made-up one.
      return e && e.tenantId === tenantId ? { ok: true, kind: 'device', endpointId: e.id } : { ok: false, reason: 'invalid' };
    }
    const account = await this.store.accounts.findForLogin(tenantId, username);
    const usable = account && !account.disabled && account.passwordHash ? account : undefined;
    if (usable && this.protocolCache.has(tenantId, username, password, usable.passwordHash!)) return { ok: true, kind: 'account', username };
    const verified = await this.protocolLimiter.run(() => {
      this.protocolChecks++;
      return this.verifiedAccount(tenantId, username, password);
    });
    if (verified === undefined) return { ok: false, reason: 'busy' };
    if (!verified.ok) return { ok: false, reason: 'invalid' };
    this.protocolCache.add(tenantId, username, password, verified.account.passwordHash);
    return { ok: true, kind: 'account', username };
  }

  /** The enabled account these credentials prove; unknown users take as long as wrong passwords. */
  private async verifiedAccount(tenantId: string, username: string, password: string): Promise<{ ok: true; account: AdminAccount & { passwordHash: string } } | { ok: false }> {
    const account = await this.store.accounts.findForLogin(tenantId, username);
    const hash = account?.passwordHash ?? (await (dummyHash ??= hashPassword(newSecret())));
    const ok = await verifyPassword(password, hash);
    return ok && account && !account.disabled && account.passwordHash ? { ok: true, account: { ...account, passwordHash: account.passwordHash } } : { ok: false };
  }

  /** Username and password → a session token, or undefined. Same timing for unknown users. */
  async login(tenantId: string, username: string, password: string, meta: Pick<AuditEntry, 'requestId' | 'sourceIp'>): Promise<{ token: string; expiresAt: string } | undefined> {
    const verified = await this.verifiedAccount(tenantId, username, password);
    const account = verified.ok ? verified.account : undefined;
    if (!account) {
      await this.recordFailedLogin(tenantId, username, meta);
      return undefined;
    }
    const { token, record } = await this.issueToken(account, { name: 'session', ttlHours: SESSION_TTL_HOURS }, { actor: username, actorKind: 'account', action: '', targetType: '', ...meta });
    return { token, expiresAt: record.expiresAt! };
  }

  /** Failed logins are audited in existing tenants only: a made-up tenant id must not create rows. */
  async recordFailedLogin(tenantId: string, username: string, meta: Pick<AuditEntry, 'requestId' | 'sourceIp'>): Promise<void> {
    if (await this.store.tenants.get(tenantId)) await this.store.audit.append(tenantId, { actor: username, actorKind: 'account', action: 'auth.login-failed', targetType: 'account', ...meta });
  }

  /**
   * The role a directory account may use now (DirectoryAdmins.effectiveRole), set by the server
   * when directories are configured: a directory account's tokens follow its groups.
   */
  directoryRole?: (tenantId: string, ldapUser: string, tokenRole: Role) => Promise<Role | undefined>;

  async authenticate(bearer: string): Promise<Principal | undefined> {
    if (!bearer.startsWith(ADMIN_TOKEN_PREFIX)) return undefined;
    const t = await this.store.tokens.findBySecretHash(sha256(bearer));
    if (!t || t.account.disabled) return undefined;
    if (t.expiresAt && Date.parse(t.expiresAt) <= this.clock.now().getTime()) return undefined;
    let role = t.role;
    if (t.account.ldapUser !== undefined) {
      // No directory wiring, or no admin role in the groups now: the token is worth nothing.
      const now = await this.directoryRole?.(t.tenantId, t.account.ldapUser, t.role);
      if (now === undefined) return undefined;
      role = now;
    }
    return { kind: 'token', tenantId: t.tenantId, role, accountId: t.accountId, username: t.account.username, tokenId: t.id };
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
