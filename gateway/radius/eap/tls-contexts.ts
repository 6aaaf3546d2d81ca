/**
 * The TLS settings of the three TLS-based methods, built once per port.
 *
 * TLS 1.2 only: TLS 1.3 inside EAP needs RFC 9190/9427 (a different key schedule, the 0x00
 * commitment message, and no renegotiation-style flights), which this server does not implement;
 * wpa_supplicant 2.10 and every EAP peer in use here speak TLS 1.2.
 *
 * Resumption is offered for EAP-TLS only, with both session ids (a bounded cache) and session
 * tickets. TTLS and PEAP always run a full handshake and the inner method, because a resumed
 * tunnel would have to remember the inner result and this server does not keep it.
 *
 * The same settings build either engine (tls-engine.ts): OpenSSL contexts in the native module,
 * whose session-id cache is OpenSSL's own, or Node SecureContexts with the cache kept here.
 */
import { constants, randomBytes } from 'node:crypto';
import { Server } from 'node:net';
import { createSecureContext, DEFAULT_CIPHERS } from 'node:tls';
import { BoundedCache } from '../../../policy/util/bounded-cache.js';
import { nativeEapTls, NativeTlsEngine } from './native-tls-engine.js';
import { NodeTlsEngine } from './node-tls-engine.js';
import type { TlsEngine } from './tls-engine.js';

export type TlsEngineName = 'native' | 'node';

export interface TlsContexts {
  readonly engine: TlsEngineName;
  /** A TLS server for one conversation: EAP-TLS (client certificate required), or a TTLS/PEAP tunnel. */
  open(kind: 'tls' | 'tunnel'): TlsEngine;
  /** The node engine's session-id cache (undefined when resumption is off or OpenSSL keeps it). */
  cache?: SessionCache;
}

export interface TlsContextOptions {
  certPem: string;
  keyPem: string;
  clientCaPems: string[];
  resumptionSeconds: number;
  now: () => number;
  maxSessions?: number;
  /** 'auto' (the default): native when its module is built, else node. */
  engine?: TlsEngineName | 'auto';
}

/**
 * The engine these settings get: 'native' is refused when its module cannot load (the operator
 * asked for it by name); 'auto' falls back to node and says why in `fallback`.
 */
export function chooseTlsEngine(wanted: TlsEngineName | 'auto' = 'auto'): { engine: TlsEngineName; fallback?: string } {
  if (wanted === 'node') return { engine: 'node' };
  const lib = nativeEapTls();
  if (typeof lib !== 'string') return { engine: 'native' };
  if (wanted === 'native') throw new Error(`radius.eap.tls_engine is native, but ${lib}`);
  return { engine: 'node', fallback: lib };
}

const BASE = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } as const;
/** OpenSSL refuses to resume a session that authenticated a client without a session id context. */
const SESSION_ID_CONTEXT = 'kenneki-eap-tls';

export function buildTlsContexts(o: TlsContextOptions): TlsContexts {
  return chooseTlsEngine(o.engine).engine === 'native' ? nativeContexts(o) : nodeContexts(o);
}

/** OpenSSL's TLS 1.2 cipher names from Node's default list (the TLS_ names are TLS 1.3 suites). */
const TLS12_CIPHERS = DEFAULT_CIPHERS.split(':')
  .filter((c) => !c.startsWith('TLS_'))
  .join(':');

function nativeContexts(o: TlsContextOptions): TlsContexts {
  const lib = nativeEapTls();
  if (typeof lib === 'string') throw new Error(lib);
  const base = { cert: o.certPem, key: o.keyPem, ciphers: TLS12_CIPHERS };
  const tls = lib.createContext({
    ...base,
    requestCert: true,
    ca: o.clientCaPems,
    ...(o.resumptionSeconds > 0 ? { sessionTimeout: o.resumptionSeconds, sessionIdContext: SESSION_ID_CONTEXT, maxSessions: o.maxSessions ?? 10_000, ticketKeys: randomBytes(48) } : {}),
  });
  const tunnel = lib.createContext({ ...base, requestCert: false });
  return { engine: 'native', open: (kind) => new NativeTlsEngine(lib, kind === 'tls' ? tls : tunnel) };
}

function nodeContexts(o: TlsContextOptions): TlsContexts {
  const resume = o.resumptionSeconds > 0;
  const tls = createSecureContext({
    ...BASE,
    cert: o.certPem,
    key: o.keyPem,
    ca: o.clientCaPems,
    sessionIdContext: SESSION_ID_CONTEXT,
    ...(resume ? { sessionTimeout: o.resumptionSeconds, ticketKeys: randomBytes(48) } : { secureOptions: constants.SSL_OP_NO_TICKET }),
  });
  const tunnel = createSecureContext({ ...BASE, cert: o.certPem, key: o.keyPem, secureOptions: constants.SSL_OP_NO_TICKET });
  const open = (kind: 'tls' | 'tunnel', sessionServer?: Server): TlsEngine =>
    new NodeTlsEngine(kind === 'tls' ? { secureContext: tls, requestCert: true, ...(sessionServer ? { sessionServer } : {}) } : { secureContext: tunnel, requestCert: false });
  if (!resume) return { engine: 'node', open: (kind) => open(kind) };
  const cache = new SessionCache(o.resumptionSeconds * 1000, o.maxSessions ?? 10_000, o.now);
  // Never listens: Node's TLSSocket emits session-id events on the `server` it is given.
  const sessionServer = new Server();
  sessionServer.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
    cache.set(id, data);
    done();
  });
  sessionServer.on('resumeSession', (id: Buffer, done: (err: Error | null, data: Buffer | null) => void) => done(null, cache.get(id) ?? null));
  return { engine: 'node', open: (kind) => open(kind, sessionServer), cache };
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
