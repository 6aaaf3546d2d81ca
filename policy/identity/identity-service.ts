/**
 * Who users and devices are, from the tenant's directories, kept where the PDP reads it: the
 * `identities` rows (groups per user and per computer). Nothing on an admission path calls into
 * here; admission reads the stored verdict. What calls here:
 *
 * - protocol logins (PT-TLS SASL PLAIN now; EAP-TTLS/PAP with the RADIUS server): `login()`;
 * - a device seen with a host name: `noteDevice()`, resolved in the background;
 * - the refresher, which renews memberships older than the TTL in the background.
 *
 * Outages: after a failure a directory is skipped for a back-off (DirectoryHealth), so logins
 * answer at once: from the login cache for users who logged in within the TTL plus the outage
 * window, and by the fail mode for everyone else (admitted but held at `isolate`, by default,
 * and logged; or refused with `reject`). Stored memberships keep applying for the outage window
 * past their TTL; after that they are held too. When the directory answers again, the refresher
 * confirms held identities and the PDP releases them.
 */
import type { Logger } from 'pino';
import type { Clock } from '../service/clock.js';
import type { IdentityInput, IdentityKind, IdentityRecord, Store } from '../store/repository.js';
import type { ResolvedDirectory } from './config-rules.js';
import { DirectoryClient, type DirectoryEntry, values } from './directory-client.js';
import { DirectoryHealth } from './directory-health.js';
import { resolveGroups } from './group-resolver.js';
import { DirectoryUnavailable } from './ldap-connection.js';
import { LoginCache } from './login-cache.js';
import { CheckLimiter } from '../auth/check-limiter.js';

export type DirectoryLogin =
  /** `hold`: admitted by the fail mode, unconfirmed. `via` says what vouched for the password. */
  | { ok: true; user: string; directory: string; via: 'directory' | 'cache' | 'fail-mode'; hold?: 'isolate' | 'deny' }
  /** `no-directory`/`unknown-user`: the caller may try local accounts. `busy`: refused unchecked. */
  | { ok: false; reason: 'invalid' | 'unknown-user' | 'unavailable' | 'busy' | 'no-directory' };

export type LoginOutcome = 'directory' | 'cache' | 'fail-mode' | 'invalid' | 'unknown-user' | 'unavailable' | 'busy';

/** What operators count (metrics.ts); names no tenant or directory. */
export interface IdentityObserver {
  loggedIn(outcome: LoginOutcome): void;
  looked(kind: 'login' | 'user' | 'device', seconds: number): void;
  directoriesDownNow(count: number): void;
}

export interface IdentityServiceDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  directories: readonly ResolvedDirectory[];
  observer?: IdentityObserver;
  /** One identity's groups or status changed: re-evaluate the endpoints it owns or names. */
  onChanged: (tenantId: string, kind: IdentityKind, name: string) => Promise<unknown> | void;
}

interface Directory {
  cfg: ResolvedDirectory;
  client: DirectoryClient;
  health: DirectoryHealth;
  binds: CheckLimiter;
  source: string;
}

/** Identities renewed per directory per tick, so one tick never floods the directory. */
const REFRESH_BATCH = 200;
/**
 * User binds in flight at once, per directory, and how many may wait. Each bind is a connection
 * of its own to the DC: a flood of logins (or of wrong passwords) must not open hundreds of them
 * and lock the directory up for everyone else. Past the queue a login is refused unchecked.
 */
const BIND_CONCURRENCY = 16;
const BIND_QUEUE = 256;

export class IdentityService {
  private readonly byTenant = new Map<string, Directory[]>();
  private readonly logins = new LoginCache();
  private readonly pendingDevices = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(private readonly deps: IdentityServiceDeps) {
    const now = () => deps.clock.now().getTime();
    for (const cfg of deps.directories) {
      const list = this.byTenant.get(cfg.tenantId) ?? [];
      list.push({ cfg, client: new DirectoryClient(cfg), health: new DirectoryHealth(now), binds: new CheckLimiter(BIND_CONCURRENCY, BIND_QUEUE), source: `directory:${cfg.name}` });
      this.byTenant.set(cfg.tenantId, list);
    }
  }

  hasDirectories(tenantId: string): boolean {
    return (this.byTenant.get(tenantId)?.length ?? 0) > 0;
  }

  private now(): number {
    return this.deps.clock.now().getTime();
  }

  /** A user's login and password, against the tenant's directories in order. */
  async login(tenantId: string, login: string, password: string): Promise<DirectoryLogin> {
    const r = await this.loginOnce(tenantId, login, password);
    if (r.ok) this.deps.observer?.loggedIn(r.via);
    else if (r.reason !== 'no-directory') this.deps.observer?.loggedIn(r.reason);
    return r;
  }

  private async loginOnce(tenantId: string, login: string, password: string): Promise<DirectoryLogin> {
    const dirs = this.byTenant.get(tenantId) ?? [];
    if (dirs.length === 0) return { ok: false, reason: 'no-directory' };
    let unavailable: Directory | undefined;
    for (const d of dirs) {
      const age = this.logins.ageOf(d.cfg.name, login, password, this.now());
      if (age !== undefined && age < d.cfg.cache.ttlMs) return { ok: true, user: await this.canonicalUser(d, tenantId, login), directory: d.cfg.name, via: 'cache' };
      if (!d.health.askable) {
        unavailable ??= d;
        continue;
      }
      try {
        const started = process.hrtime.bigint();
        const r = await d.binds.run(() => {
          // Queued while the directory went down: fail at once rather than wait out a timeout.
          if (!d.health.askable) throw new DirectoryUnavailable(`directory ${d.cfg.name} is down`, 'connect');
          return d.client.login(login, password);
        });
        if (r === undefined) {
          this.deps.log.warn({ evt: 'IDENTITY_LOGIN_BUSY', tenantId, directory: d.cfg.name }, `directory login refused unchecked: ${BIND_CONCURRENCY} binds in flight and ${BIND_QUEUE} waiting`);
          return { ok: false, reason: 'busy' };
        }
        this.recovered(d);
        if (r.ok) {
          this.logins.remember(d.cfg.name, login, password, this.now());
          const user = await this.storeUser(d, tenantId, r.user);
          this.deps.observer?.looked('login', Number(process.hrtime.bigint() - started) / 1e9);
          return { ok: true, user, directory: d.cfg.name, via: 'directory' };
        }
        if (r.reason === 'invalid') {
          // Only when this very password was the remembered one (changed, expired or locked out
          // since): someone else's wrong guesses must not cost the user their outage cover.
          if (age !== undefined) this.logins.forget(d.cfg.name, login);
          return { ok: false, reason: 'invalid' };
        }
        // Unknown here (or ambiguous, which is refused rather than guessed): the next directory.
      } catch (e) {
        if (!(e instanceof DirectoryUnavailable)) throw e;
        this.down(d, e);
        unavailable ??= d;
      }
    }
    if (unavailable === undefined) return { ok: false, reason: 'unknown-user' };
    return this.loginDuringOutage(unavailable, tenantId, login, password);
  }

  private async loginDuringOutage(d: Directory, tenantId: string, login: string, password: string): Promise<DirectoryLogin> {
    const age = this.logins.ageOf(d.cfg.name, login, password, this.now());
    if (age !== undefined && age < d.cfg.cache.ttlMs + d.cfg.cache.outageWindowMs) {
      this.deps.log.info({ evt: 'IDENTITY_LOGIN_CACHED', tenantId, directory: d.cfg.name, user: login }, 'directory unavailable: login confirmed from the login cache');
      return { ok: true, user: await this.canonicalUser(d, tenantId, login), directory: d.cfg.name, via: 'cache' };
    }
    if (d.cfg.failMode === 'reject') {
      this.deps.log.warn({ evt: 'IDENTITY_FAIL_MODE', tenantId, directory: d.cfg.name, user: login, failMode: 'reject' }, 'directory unavailable: unknown user refused (fail_mode reject)');
      return { ok: false, reason: 'unavailable' };
    }
    const hold = d.cfg.failMode;
    const known = await this.deps.store.identities.get(tenantId, 'user', login);
    if (known !== undefined && known.status === 'verified') {
      // A user the directory confirmed before, with a password we never saw: a new password, or
      // someone guessing. Admitting it would hold the real user's devices with it, so it waits
      // for the directory. Only users never seen take the fail mode.
      this.deps.log.warn({ evt: 'IDENTITY_LOGIN_UNVERIFIABLE', tenantId, directory: d.cfg.name, user: login }, 'directory unavailable: a known user with a password not confirmed before is refused until the directory answers');
      return { ok: false, reason: 'unavailable' };
    }
    await this.upsert(tenantId, { kind: 'user', name: login, groups: known?.groups ?? [], source: d.source, status: 'unverified', hold }, known);
    this.deps.log.warn({ evt: 'IDENTITY_FAIL_MODE', tenantId, directory: d.cfg.name, user: login, failMode: hold }, `directory unavailable: user admitted unverified and held at ${hold} (fail_mode)`);
    return { ok: true, user: login, directory: d.cfg.name, via: 'fail-mode', hold };
  }

  /** The stored name for a login typed as `DOMAIN\user` or a UPN: the directory's own login value. */
  private async canonicalUser(d: Directory, tenantId: string, login: string): Promise<string> {
    if (!login.includes('\\') && !login.includes('@')) return login;
    const bare = login.includes('\\') ? login.slice(login.lastIndexOf('\\') + 1) : login;
    return (await this.deps.store.identities.get(tenantId, 'user', bare)) ? bare : login;
  }

  /** A user entry's groups, stored under its login value; returns that name. */
  private async storeUser(d: Directory, tenantId: string, entry: DirectoryEntry): Promise<string> {
    const name = values(entry.attrs, d.cfg.users.loginAttribute)[0] ?? entry.dn;
    const groups = await resolveGroups(d.client, entry);
    if (groups.truncated) this.deps.log.warn({ evt: 'IDENTITY_NESTING_TRUNCATED', tenantId, directory: d.cfg.name, user: name, maxDepth: d.cfg.groups.maxDepth }, 'group nesting deeper than groups.max_depth: cut there');
    await this.upsert(tenantId, { kind: 'user', name, groups: groups.names, source: d.source }, await this.deps.store.identities.get(tenantId, 'user', name));
    return name;
  }

  /**
   * A device seen under a host name (posture report, DHCP, RADIUS): its computer account's groups
   * are looked up in the background when they are not stored yet. Never awaited by admission.
   */
  noteDevice(tenantId: string, hostname: string): void {
    const dirs = this.byTenant.get(tenantId);
    const key = `${tenantId}\0${hostname.toLowerCase()}`;
    if (!dirs?.length || hostname === '' || this.pendingDevices.has(key)) return;
    this.pendingDevices.add(key);
    void (async () => {
      try {
        if (await this.deps.store.identities.get(tenantId, 'device', hostname)) return;
        await this.refreshDevice(tenantId, hostname, dirs);
      } catch (err) {
        this.deps.log.warn({ evt: 'IDENTITY_DEVICE_LOOKUP_FAILED', tenantId, hostname, err }, 'computer account lookup failed');
      } finally {
        this.pendingDevices.delete(key);
      }
    })();
  }

  /**
   * What the directories know of a device by its MAC (all a MAB request carries): its host name,
   * its owner's login name, and its groups (stored as the device's identity). Undefined when no
   * directory keeps that MAC, or none answers.
   */
  async deviceByMac(tenantId: string, mac: string): Promise<{ hostname: string; owner?: string; groups: string[]; directory: string } | undefined> {
    for (const d of this.byTenant.get(tenantId) ?? []) {
      if (!d.health.askable) continue;
      try {
        const found = await d.client.findComputerByMac(mac);
        this.recovered(d);
        if (found === 'none' || found === 'ambiguous') continue;
        const hostname = d.cfg.computers.hostnameAttributes.map((a) => values(found.attrs, a)[0]).find((v) => v !== undefined && v !== '');
        if (hostname === undefined) continue;
        const ownerDn = values(found.attrs, d.cfg.computers.ownerAttribute)[0];
        const owner = ownerDn !== undefined ? await d.client.loginOf(ownerDn) : undefined;
        const groups = (await resolveGroups(d.client, found)).names;
        await this.upsert(tenantId, { kind: 'device', name: hostname, groups, source: d.source }, await this.deps.store.identities.get(tenantId, 'device', hostname));
        return { hostname, groups, directory: d.cfg.name, ...(owner !== undefined ? { owner } : {}) };
      } catch (e) {
        if (!(e instanceof DirectoryUnavailable)) throw e;
        this.down(d, e);
      }
    }
    return undefined;
  }

  /**
   * An endpoint known only by its MAC (MAB, or registered by MAC): fills in the host name and
   * owner its directory entry gives, in the background, and re-evaluates it. Never awaited by
   * admission; an endpoint that already has both is left alone.
   */
  noteMac(tenantId: string, endpointId: string, mac: string): void {
    const key = `${tenantId}\0mac\0${mac}`;
    if (!this.hasDirectories(tenantId) || this.pendingDevices.has(key)) return;
    this.pendingDevices.add(key);
    void (async () => {
      try {
        const e = await this.deps.store.endpoints.get(tenantId, endpointId);
        if (e === undefined || (e.hostname !== undefined && e.owner !== undefined)) return;
        const found = await this.deviceByMac(tenantId, mac);
        if (found === undefined) return;
        const patch = { ...(e.hostname === undefined ? { hostname: found.hostname } : {}), ...(e.owner === undefined && found.owner !== undefined ? { owner: found.owner } : {}) };
        if (Object.keys(patch).length === 0) return;
        await this.deps.store.endpoints.update(tenantId, endpointId, patch, { actor: `directory:${found.directory}`, actorKind: 'system', action: 'endpoint.directory-match', targetType: 'endpoint' });
        this.deps.log.info({ evt: 'IDENTITY_MAC_MATCHED', tenantId, endpointId, mac, ...patch }, 'endpoint matched to its directory computer entry by MAC');
        await this.deps.onChanged(tenantId, 'device', e.hostname ?? found.hostname);
      } catch (err) {
        this.deps.log.warn({ evt: 'IDENTITY_DEVICE_LOOKUP_FAILED', tenantId, endpointId, mac, err }, 'computer account lookup by MAC failed');
      } finally {
        this.pendingDevices.delete(key);
      }
    })();
  }

  /** Looks a device up now, in each directory in turn; stores what it finds. */
  async refreshDevice(tenantId: string, hostname: string, dirs: readonly Directory[] = this.byTenant.get(tenantId) ?? []): Promise<string[] | undefined> {
    for (const d of dirs) {
      if (!d.health.askable) continue;
      try {
        const found = await d.client.findComputer(hostname);
        this.recovered(d);
        if (found === 'none' || found === 'ambiguous') continue;
        const groups = await resolveGroups(d.client, found);
        await this.upsert(tenantId, { kind: 'device', name: hostname, groups: groups.names, source: d.source }, await this.deps.store.identities.get(tenantId, 'device', hostname));
        return groups.names;
      } catch (e) {
        if (!(e instanceof DirectoryUnavailable)) throw e;
        this.down(d, e);
      }
    }
    return undefined;
  }

  /** Stores an identity; a change of groups or of status re-evaluates its endpoints. */
  private async upsert(tenantId: string, next: IdentityInput, before: IdentityRecord | undefined): Promise<void> {
    await this.deps.store.identities.upsert(tenantId, next, undefined);
    const status = next.status ?? 'verified';
    const same = before !== undefined && before.status === status && before.hold === (status === 'unverified' ? next.hold : undefined) && sameSet(before.groups, next.groups);
    if (same) return;
    this.deps.log.info(
      { evt: 'IDENTITY_CHANGED', tenantId, kind: next.kind, name: next.name, source: next.source, groups: next.groups, status, ...(before ? { before: before.groups } : {}) },
      'directory identity stored',
    );
    await this.deps.onChanged(tenantId, next.kind, next.name);
  }

  private down(d: Directory, e: DirectoryUnavailable): void {
    const { firstFailure } = d.health.failed(e.message);
    this.countDown();
    const line = { evt: 'DIRECTORY_UNAVAILABLE', tenantId: d.cfg.tenantId, directory: d.cfg.name, kind: e.kind, error: e.message };
    if (firstFailure) this.deps.log.error(line, 'directory unavailable: logins use the cache and the fail mode until it answers again');
    else this.deps.log.debug(line, 'directory still unavailable');
  }

  private countDown(): void {
    this.deps.observer?.directoriesDownNow([...this.byTenant.values()].flat().filter((d) => !d.health.up).length);
  }

  private recovered(d: Directory): void {
    const { downForMs } = d.health.succeeded();
    if (downForMs !== undefined) this.countDown();
    if (downForMs !== undefined) this.deps.log.info({ evt: 'DIRECTORY_AVAILABLE', tenantId: d.cfg.tenantId, directory: d.cfg.name, downForMs, url: d.client.activeUrl }, 'directory answers again');
  }

  /** Starts the background refresher; one tick at a time. */
  start(): void {
    if (this.timer || this.deps.directories.length === 0) return;
    const ttl = Math.min(...this.deps.directories.map((d) => d.cache.ttlMs));
    const every = Math.max(1_000, Math.min(60_000, Math.floor(ttl / 4)));
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
  }

  /** One refresher pass over every directory (exported for tests and `kenneki` tooling). */
  tick(): Promise<void> {
    this.ticking ??= (async () => {
      for (const list of this.byTenant.values()) for (const d of list) await this.refreshDue(d);
    })()
      .catch((err: unknown) => this.deps.log.error({ evt: 'IDENTITY_REFRESH_FAILED', err }, 'identity refresh pass failed'))
      .finally(() => {
        this.ticking = undefined;
      });
    return this.ticking;
  }

  private async refreshDue(d: Directory): Promise<void> {
    const tenantId = d.cfg.tenantId;
    const now = this.now();
    const due = await this.deps.store.identities.due(tenantId, d.source, new Date(now - d.cfg.cache.ttlMs).toISOString(), REFRESH_BATCH);
    // Held identities are retried on every pass, whatever their age: they wait on us.
    for (const id of due) {
      if (!d.health.askable) {
        await this.expireIfPastWindow(d, id, now);
        continue;
      }
      const started = process.hrtime.bigint();
      try {
        if (id.kind === 'user') {
          const entry = await d.client.findUser(id.name);
          this.recovered(d);
          if (entry === 'none' || entry === 'ambiguous') await this.gone(d, id, entry);
          else await this.storeUser(d, tenantId, entry);
        } else {
          const found = await d.client.findComputer(id.name);
          this.recovered(d);
          if (found === 'none' || found === 'ambiguous') await this.gone(d, id, found);
          else await this.upsert(tenantId, { kind: 'device', name: id.name, groups: (await resolveGroups(d.client, found)).names, source: d.source }, id);
        }
        this.deps.observer?.looked(id.kind, Number(process.hrtime.bigint() - started) / 1e9);
      } catch (e) {
        if (!(e instanceof DirectoryUnavailable)) throw e;
        this.down(d, e);
        await this.expireIfPastWindow(d, id, now);
      }
    }
  }

  /** Past TTL plus outage window, a stored membership no longer counts: held like an unknown user. */
  private async expireIfPastWindow(d: Directory, id: IdentityRecord, now: number): Promise<void> {
    if (id.status === 'unverified') return;
    if (now - Date.parse(id.refreshedAt) <= d.cfg.cache.ttlMs + d.cfg.cache.outageWindowMs) return;
    const hold = d.cfg.failMode === 'reject' ? 'deny' : d.cfg.failMode;
    this.deps.log.warn({ evt: 'IDENTITY_EXPIRED', tenantId: d.cfg.tenantId, directory: d.cfg.name, kind: id.kind, name: id.name, hold }, 'cached membership outlived the outage window: held until the directory confirms it');
    await this.upsert(d.cfg.tenantId, { kind: id.kind, name: id.name, groups: [], source: d.source, status: 'unverified', hold }, id);
  }

  /** The directory no longer has this user or computer: it keeps no groups and is held. */
  private async gone(d: Directory, id: IdentityRecord, why: 'none' | 'ambiguous'): Promise<void> {
    this.deps.log.warn({ evt: 'IDENTITY_GONE', tenantId: d.cfg.tenantId, directory: d.cfg.name, kind: id.kind, name: id.name, why }, `the directory has ${why === 'none' ? 'no' : 'several'} ${id.kind === 'user' ? 'users' : 'computers'} named ${id.name}`);
    await this.upsert(d.cfg.tenantId, { kind: id.kind, name: id.name, groups: [], source: d.source, status: 'unverified', hold: d.cfg.failMode === 'deny' ? 'deny' : 'isolate' }, id);
  }

  /** Health per directory, for /health and the admin API. */
  health(): { tenantId: string; directory: string; url?: string; up: boolean; downSince?: string; retryAt?: string; lastError?: string }[] {
    return [...this.byTenant.values()].flat().map((d) => ({ tenantId: d.cfg.tenantId, directory: d.cfg.name, ...(d.client.activeUrl ? { url: d.client.activeUrl } : {}), ...d.health.snapshot() }));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    await Promise.all([...this.byTenant.values()].flat().map((d) => d.client.close()));
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

export type { IdentityKind };
