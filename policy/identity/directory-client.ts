/**
 * One directory: a service-bound connection for lookups, kept open and re-established on demand,
 * failing over through the configured URLs in order; user logins bound on a connection of their
 * own, so a user's bind never changes what the service connection may read.
 *
 * Filters are built as ldapts Filter objects, never as strings: a value travels as an octet
 * string inside the BER-encoded filter, so `*)(uid=*` is a user name like any other and cannot
 * change the filter's shape.
 */
import { AndFilter, EqualityFilter, type Filter, OrFilter, type Entry } from 'ldapts';
import type { ResolvedDirectory } from './config-rules.js';
import { DirectoryUnavailable, isInvalidCredentials, LdapConnection } from './ldap-connection.js';

export interface DirectoryEntry {
  dn: string;
  attrs: Entry;
}

export type LoginResult = { ok: true; user: DirectoryEntry } | { ok: false; reason: 'invalid' | 'unknown-user' | 'ambiguous' };

export interface SearchSpec {
  base: string;
  filter: Filter;
  attributes: string[];
  scope?: 'base' | 'one' | 'sub';
  /** Attributes returned as bytes (objectSid). */
  binary?: string[];
  /** Stop after this many entries (a lookup that should find one asks for two, to see ambiguity). */
  limit?: number;
}

/** Attribute values as strings, whatever ldapts returned (a single value or an array). */
export function values(e: Entry, name: string): string[] {
  const key = Object.keys(e).find((k) => k.toLowerCase() === name.toLowerCase());
  const v = key === undefined ? undefined : e[key];
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
}

export function bufferValue(e: Entry, name: string): Buffer | undefined {
  const key = Object.keys(e).find((k) => k.toLowerCase() === name.toLowerCase());
  const v = key === undefined ? undefined : e[key];
  const first = Array.isArray(v) ? v[0] : v;
  return Buffer.isBuffer(first) ? first : undefined;
}

export const eq = (attribute: string, value: string | Buffer): Filter => new EqualityFilter({ attribute, value });
export const and = (...filters: Filter[]): Filter => new AndFilter({ filters });
export const or = (...filters: Filter[]): Filter => (filters.length === 1 ? filters[0]! : new OrFilter({ filters }));

export class DirectoryClient {
  private service: LdapConnection | undefined;
  private connecting: Promise<LdapConnection> | undefined;
  /** The URL that answered last: tried first next time, so a dead first URL costs one timeout, once. */
  private preferred = 0;

  constructor(readonly dir: ResolvedDirectory) {}

  get name(): string {
    return this.dir.name;
  }

  /** The URL in use, for logs and health. */
  get activeUrl(): string | undefined {
    return this.service?.connected ? this.service.target.url : undefined;
  }

  /**
   * A connection opened on the first URL that works, in order from the preferred one, and bound
   * with `bind` (the service account, or a user). Throws DirectoryUnavailable naming every URL's
   * failure when none works; invalid credentials propagate at once (every URL would say the same).
   */
  private async openAny(bind: (c: LdapConnection) => Promise<void>): Promise<LdapConnection> {
    const urls = this.dir.urls;
    const failures: string[] = [];
    for (let k = 0; k < urls.length; k++) {
      const i = (this.preferred + k) % urls.length;
      let conn: LdapConnection | undefined;
      try {
        conn = await LdapConnection.open({ url: urls[i]!, tls: this.dir.tls, connectTimeoutMs: this.dir.connectTimeoutMs, operationTimeoutMs: this.dir.operationTimeoutMs });
        await bind(conn);
        this.preferred = i;
        return conn;
      } catch (e) {
        await conn?.close();
        if (!(e instanceof DirectoryUnavailable)) throw e;
        failures.push(e.message);
      }
    }
    throw new DirectoryUnavailable(`directory ${this.dir.name}: no URL answered (${failures.join('; ')})`, 'connect');
  }

  /** The service connection, (re)opened when needed; concurrent callers share one attempt. */
  private async serviceConnection(): Promise<LdapConnection> {
    if (this.service?.connected) return this.service;
    this.connecting ??= this.openAny((c) => c.bind(this.dir.bindDn, this.dir.bindPassword))
      .then((c) => {
        this.service = c;
        return c;
      })
      .catch((e: unknown) => {
        // A refused service bind is a configuration problem, not an outage: say so.
        if (isInvalidCredentials(e)) throw new DirectoryUnavailable(`directory ${this.dir.name}: the service bind as ${this.dir.bindDn} was refused (check bind_dn and bind_password)`, 'protocol', { cause: e });
        throw e;
      })
      .finally(() => {
        this.connecting = undefined;
      });
    return this.connecting;
  }

  /** Paged search on the service connection; a dropped connection is reopened (and failed over) once. */
  async search(spec: SearchSpec): Promise<DirectoryEntry[]> {
    for (let attempt = 0; ; attempt++) {
      const conn = await this.serviceConnection();
      try {
        const { searchEntries } = await conn.step(
          conn.client.search(spec.base, {
            scope: spec.scope ?? 'sub',
            filter: spec.filter,
            attributes: spec.attributes,
            ...(spec.binary ? { explicitBufferAttributes: spec.binary } : {}),
            ...(spec.limit !== undefined ? { sizeLimit: spec.limit } : { paged: { pageSize: this.dir.pageSize } }),
          }),
          `search ${spec.filter.toString()}`,
        );
        return searchEntries.map(({ dn, ...attrs }) => ({ dn, attrs: { dn, ...attrs } as Entry }));
      } catch (e) {
        if (!(e instanceof DirectoryUnavailable) || attempt > 0) throw e;
        await conn.close();
        this.service = undefined;
      }
    }
  }

  /** A lookup that expects one entry: `ambiguous` when the directory holds several. */
  private async findOne(base: string, filter: Filter, attributes: string[], binary?: string[]): Promise<DirectoryEntry | 'none' | 'ambiguous'> {
    try {
      const found = await this.search({ base, filter, attributes, limit: 2, ...(binary ? { binary } : {}) });
      if (found.length === 0) return 'none';
      return found.length > 1 ? 'ambiguous' : found[0]!;
    } catch (e) {
      // sizeLimit 2 exceeded: more than one entry matched.
      if ((e as { code?: number }).code === 4) return 'ambiguous';
      throw e;
    }
  }

  /**
   * The user a login name means. AD users may type `DOMAIN\user` or a UPN (`user@example.com`);
   * both are accepted, the domain prefix is dropped.
   */
  async findUser(login: string): Promise<DirectoryEntry | 'none' | 'ambiguous'> {
    const name = this.dir.type === 'active-directory' && login.includes('\\') ? login.slice(login.lastIndexOf('\\') + 1) : login;
    if (name === '') return 'none';
    const byName = this.dir.type === 'active-directory' && name.includes('@') ? eq('userPrincipalName', name) : eq(this.dir.users.loginAttribute, name);
    const attrs = ['memberOf', 'cn', this.dir.users.loginAttribute, ...(this.dir.primaryGroup ? ['primaryGroupID', 'objectSid'] : [])];
    return this.findOne(this.dir.users.baseDn, and(eq('objectClass', this.dir.users.objectClass), byName), attrs, this.dir.primaryGroup ? ['objectSid'] : undefined);
  }

  /**
   * Password check by binding as the user, on a connection of its own (closed straight after):
   * the directory applies its own password policy, lockout and expiry.
   */
  async login(login: string, password: string): Promise<LoginResult> {
    if (password === '') return { ok: false, reason: 'invalid' };
    const user = await this.findUser(login);
    if (user === 'none') return { ok: false, reason: 'unknown-user' };
    if (user === 'ambiguous') return { ok: false, reason: 'ambiguous' };
    let conn: LdapConnection | undefined;
    try {
      conn = await this.openAny((c) => c.bind(user.dn, password));
      return { ok: true, user };
    } catch (e) {
      if (isInvalidCredentials(e)) return { ok: false, reason: 'invalid' };
      throw e;
    } finally {
      await conn?.close();
    }
  }

  /**
   * A computer account by host name: the FQDN, the short name, and AD's `NAME$` account name,
   * against the profile's hostname attributes.
   */
  async findComputer(hostname: string): Promise<DirectoryEntry | 'none' | 'ambiguous'> {
    const host = hostname.trim().replace(/\.$/, '');
    if (host === '') return 'none';
    const short = host.split('.')[0]!;
    const alternatives = this.dir.computers.hostnameAttributes.flatMap((a) => {
      const attr = a.toLowerCase();
      if (attr === 'samaccountname') return [eq(a, `${short}$`)];
      if (attr === 'dnshostname') return host.includes('.') ? [eq(a, host)] : [];
      return [...new Set([host, short])].map((v) => eq(a, v));
    });
    if (alternatives.length === 0) return 'none';
    return this.findOne(this.dir.computers.baseDn, and(eq('objectClass', this.dir.computers.objectClass), or(...alternatives)), this.computerAttributes(), this.dir.primaryGroup ? ['objectSid'] : undefined);
  }

  private computerAttributes(): string[] {
    const c = this.dir.computers;
    return ['memberOf', 'cn', ...c.hostnameAttributes, c.ownerAttribute, ...(this.dir.primaryGroup ? ['primaryGroupID', 'objectSid'] : [])];
  }

  /**
   * The computer entry holding this MAC (canonical lowercase colon form, as RFC 2307's
   * ieee802Device stores it): what a MAB request knows of a device. 'none' when the directory
   * keeps no MACs (no computers.mac_attribute).
   */
  async findComputerByMac(mac: string): Promise<DirectoryEntry | 'none' | 'ambiguous'> {
    const attr = this.dir.computers.macAttribute;
    if (attr === undefined || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) return 'none';
    return this.findOne(this.dir.computers.baseDn, and(eq('objectClass', this.dir.computers.objectClass), eq(attr, mac)), this.computerAttributes(), this.dir.primaryGroup ? ['objectSid'] : undefined);
  }

  /** The login name of the user an owner DN names (a computer's owner or managedBy). */
  async loginOf(userDn: string): Promise<string | undefined> {
    try {
      const [u] = await this.search({ base: userDn, scope: 'base', filter: eq('objectClass', this.dir.users.objectClass), attributes: [this.dir.users.loginAttribute], limit: 1 });
      return u === undefined ? undefined : values(u.attrs, this.dir.users.loginAttribute)[0];
    } catch (e) {
      // A dangling owner DN (the user was deleted) is no owner, not an outage.
      if ((e as { code?: number }).code === 32) return undefined;
      throw e;
    }
  }

  /**
   * The computer a device certificate names (EAP-TLS, or a certificate Kenneki's CA issued): its
   * DNS SANs first, then the subject CN, each as a host name.
   */
  async findComputerByCertificate(cert: { subjectCn?: string; dnsNames?: readonly string[] }): Promise<DirectoryEntry | 'none' | 'ambiguous'> {
    for (const name of [...(cert.dnsNames ?? []), ...(cert.subjectCn !== undefined ? [cert.subjectCn.replace(/^host\//i, '')] : [])]) {
      const found = await this.findComputer(name);
      if (found !== 'none') return found;
    }
    return 'none';
  }

  async close(): Promise<void> {
    await this.service?.close();
    this.service = undefined;
  }
}
