/**
 * One LDAP connection to one URL, through ldapts: TLS from the start (ldaps) or upgraded before
 * anything else (StartTLS), trusting only the directory's own CA, with a deadline on every step.
 *
 * ldapts' own timeouts cover the TCP connect and each operation, but not a TLS handshake that
 * stalls; every step here also races a timer, so a black-holed directory costs at most the
 * configured time and never holds a caller longer.
 */
import { checkServerIdentity, type ConnectionOptions, type PeerCertificate } from 'node:tls';
import { isIP } from 'node:net';
import { BusyError, Client, InvalidCredentialsError, ResultCodeError, UnavailableError } from 'ldapts';
import type { TlsMode } from './config-rules.js';

export interface ConnectionTarget {
  url: string;
  tls: { mode: TlsMode; caPem?: string; serverName?: string };
  connectTimeoutMs: number;
  operationTimeoutMs: number;
}

/** Why a directory could not be used: the caller fails over, or applies its fail mode. */
export class DirectoryUnavailable extends Error {
  override readonly name = 'DirectoryUnavailable';
  constructor(
    message: string,
    readonly kind: 'connect' | 'timeout' | 'tls' | 'protocol',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Wrong password, unknown DN or a locked account: an answer, not an outage. */
export const isInvalidCredentials = (e: unknown): boolean => e instanceof InvalidCredentialsError;

function tlsOptions(t: ConnectionTarget): ConnectionOptions {
  const host = new URL(t.url).hostname.replace(/^\[|\]$/g, '');
  const expected = t.tls.serverName ?? host;
  return {
    // Only the directory's CA: the system store would let any public CA vouch for the DC.
    ...(t.tls.caPem !== undefined ? { ca: [t.tls.caPem] } : {}),
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    // SNI carries names only (RFC 6066 §3).
    ...(isIP(expected) === 0 ? { servername: expected } : {}),
    checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(expected, cert),
  };
}

/** Rejects after `ms` unless `p` settles first; `onTimeout` tears the connection down. */
export async function withDeadline<T>(p: Promise<T>, ms: number, what: string, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new DirectoryUnavailable(`${what} took longer than ${ms} ms`, 'timeout'));
    }, ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(e: unknown, url: string): DirectoryUnavailable {
  if (e instanceof DirectoryUnavailable) return e;
  const err = e as NodeJS.ErrnoException & { code?: string };
  const code = err.code ?? '';
  if (code === 'ECONNREFUSED') return new DirectoryUnavailable(`${url}: connection refused`, 'connect', { cause: e });
  if (code === 'ETIMEDOUT' || /timeout/i.test(err.message ?? '')) return new DirectoryUnavailable(`${url}: timed out (${err.message})`, 'timeout', { cause: e });
  if (code.startsWith('ERR_TLS') || /certificate|self.signed|unable to verify|CERT_|altname/i.test(`${code} ${err.message}`)) {
    return new DirectoryUnavailable(`${url}: the directory's TLS certificate is not trusted (${code || err.message}); check tls.ca_file and tls.server_name`, 'tls', { cause: e });
  }
  if (code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ECONNRESET' || code === 'EPIPE') {
    return new DirectoryUnavailable(`${url}: ${code}`, 'connect', { cause: e });
  }
  return new DirectoryUnavailable(`${url}: ${err.message ?? String(e)}`, 'protocol', { cause: e });
}

export class LdapConnection {
  private closedUnderTls = false;

  private constructor(
    readonly client: Client,
    readonly target: ConnectionTarget,
  ) {}

  /**
   * Connected, and upgraded under StartTLS, but not bound. The StartTLS upgrade is the first
   * operation: nothing, not even the bind DN, goes out in the clear.
   */
  static async open(target: ConnectionTarget): Promise<LdapConnection> {
    const ldaps = target.tls.mode === 'ldaps';
    const client = new Client({
      url: target.url,
      connectTimeout: target.connectTimeoutMs,
      timeout: target.operationTimeoutMs,
      strictDN: false,
      ...(ldaps ? { tlsOptions: tlsOptions(target) } : {}),
    });
    const conn = new LdapConnection(client, target);
    if (target.tls.mode === 'starttls') {
      try {
        await conn.step(client.startTLS(tlsOptions(target)), 'StartTLS', target.connectTimeoutMs + target.operationTimeoutMs);
        // ldapts 8.2 watches only the plain socket for the server closing; after StartTLS it
        // talks over the TLS socket and keeps believing it is connected, so the next request
        // would wait out the operation timeout. Watch the TLS socket ourselves.
        (client as unknown as { socket?: NodeJS.EventEmitter }).socket?.once('close', () => {
          conn.closedUnderTls = true;
        });
      } catch (e) {
        // The caller never sees this connection: release its socket here.
        await conn.close();
        throw e;
      }
    }
    return conn;
  }

  /** A simple bind. Invalid credentials propagate as ldapts' InvalidCredentialsError. */
  async bind(dn: string, password: string): Promise<void> {
    // An empty password is an "unauthenticated bind" (RFC 4513 §5.1.2), which servers accept
    // without checking anything: it must never count as a successful login.
    if (password === '') throw new InvalidCredentialsError('empty password refused');
    const budget = this.client.isConnected ? this.target.operationTimeoutMs : this.target.connectTimeoutMs + this.target.operationTimeoutMs;
    await this.step(this.client.bind(dn, password), 'bind', budget);
  }

  /** Runs one operation under the operation deadline; outages become DirectoryUnavailable. */
  async step<T>(p: Promise<T>, what: string, ms: number = this.target.operationTimeoutMs): Promise<T> {
    try {
      return await withDeadline(p, ms, `${this.target.url}: ${what}`, () => void this.close());
    } catch (e) {
      if (isInvalidCredentials(e)) throw e;
      // busy (51) and unavailable (52) are a server saying "not me, not now": fail over.
      if (e instanceof BusyError || e instanceof UnavailableError) throw new DirectoryUnavailable(`${this.target.url}: ${what}: ${e.message}`, 'connect', { cause: e });
      // Any other LDAP result code (no such object, insufficient access, ...): the directory answered.
      if (e instanceof ResultCodeError) throw e;
      throw describe(e, this.target.url);
    }
  }

  get connected(): boolean {
    return !this.closedUnderTls && this.client.isConnected;
  }

  async close(): Promise<void> {
    try {
      // Bounded: an unbind on a connection that stopped answering must not hold the caller.
      await withDeadline(this.client.unbind(), 1000, 'unbind', () => {});
    } catch {
      // Already gone, or not answering: ldapts destroys the socket either way.
    }
  }
}
