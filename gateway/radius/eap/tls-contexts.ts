/**
 * The TLS settings of the three TLS-based methods, built once per port.
 *
 * TLS 1.2 only: TLS 1.3 inside EAP needs RFC 9190/9427 (a different key schedule, the 0x00
 * commitment message, and no renegotiation-style flights), which this server does not implement;
 * wpa_supplicant 2.10 and every EAP peer in use here speak TLS 1.2.
 *
 * Resumption is offered for EAP-TLS only, with both session ids (a bounded cache, kept here) and
 * session tickets. TTLS and PEAP always run a full handshake and the inner method, because a
 * resumed tunnel would have to remember the inner result and this server does not keep it.
 */
import { constants, randomBytes } from 'node:crypto';
import { Server } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import { BoundedCache } from '../../../policy/util/bounded-cache.js';

export interface TlsContexts {
  tls: SecureContext;
  tunnel: SecureContext;
  /** Carries the session-id cache listeners for EAP-TLS (undefined when resumption is off). */
  sessionServer?: Server;
  cache?: SessionCache;
}

export interface TlsContextOptions {
  certPem: string;
  keyPem: string;
  clientCaPems: string[];
  resumptionSeconds: number;
  now: () => number;
  maxSessions?: number;
}

const BASE = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } as const;

export function buildTlsContexts(o: TlsContextOptions): TlsContexts {
  const resume = o.resumptionSeconds > 0;
  const tls = createSecureContext({
    ...BASE,
    cert: o.certPem,
    key: o.keyPem,
    ca: o.clientCaPems,
    // OpenSSL refuses to resume a session that authenticated a client without a session id context.
    sessionIdContext: 'kenneki-eap-tls',
    ...(resume ? { sessionTimeout: o.resumptionSeconds, ticketKeys: randomBytes(48) } : { secureOptions: constants.SSL_OP_NO_TICKET }),
  });
  const tunnel = createSecureContext({ ...BASE, cert: o.certPem, key: o.keyPem, secureOptions: constants.SSL_OP_NO_TICKET });
  if (!resume) return { tls, tunnel };
  const cache = new SessionCache(o.resumptionSeconds * 1000, o.maxSessions ?? 10_000, o.now);
  // Never listens: Node's TLSSocket emits session-id events on the `server` it is given.
  const sessionServer = new Server();
  sessionServer.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
    cache.set(id, data);
    done();
  });
  sessionServer.on('resumeSession', (id: Buffer, done: (err: Error | null, data: Buffer | null) => void) => done(null, cache.get(id) ?? null));
  return { tls, tunnel, sessionServer, cache };
}

/** Serialized TLS sessions by id, expiring, bounded (oldest out first). */
export class SessionCache {
  private readonly entries: BoundedCache<string, Buffer>;

  constructor(
    private readonly ttlMs: number,
    max: number,
    now: () => number,
  ) {
    this.entries = new BoundedCache(max, now);
  }

  set(id: Buffer, data: Buffer): void {
    this.entries.set(id.toString('hex'), data, this.ttlMs);
  }

  get(id: Buffer): Buffer | undefined {
    return this.entries.get(id.toString('hex'));
  }

  sweep(): void {
    this.entries.sweep();
  }

  get size(): number {
    return this.entries.size;
  }
}
