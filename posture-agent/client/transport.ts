/**
 * The agent's PT-TLS connection (RFC 6876): TLS to the Kenneki server, cut into PT-TLS messages by
 * the same framer the server uses, read one message at a time with a deadline.
 *
 * The server is always authenticated, one of two ways:
 * - `ca`: the CA certificate saved at enrollment; Node's verifier checks the chain and the name;
 * - `pin`: before enrollment there is no CA yet, only the token's SHA-256 pin of it. The chain the
 *   server sends (leaf + CA) is checked by hand: a certificate in it must hash to the pin, the leaf
 *   must be signed by it, valid now, and issued for the name we dialled. Only then does the caller
 *   send anything, so a wrong server never sees the token.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { PtFramer } from '../../policy/tnc/pt/framer.js';
import { encodePtMessage, type PtMessage } from '../../policy/tnc/pt/message.js';
import { pinOfDer } from '../../policy/tnc/ca/enrollment-token.js';

export interface TransportOptions {
  host: string;
  port: number;
  /** Trust anchor (PEM). Exactly one of `ca` and `pin`. */
  ca?: string;
  /** base64url SHA-256 of the CA certificate's DER. */
  pin?: string;
  /** Device certificate and key (PEM), presented when the server asks (mutual TLS). */
  cert?: string;
  key?: string;
  connectTimeoutMs?: number;
}

/** A failure the user can act on: the message says what went wrong and what to check. */
export class AgentConnectError extends Error {
  override readonly name = 'AgentConnectError';
  constructor(
    message: string,
    readonly kind: 'unreachable' | 'untrusted' | 'timeout' | 'protocol' | 'closed',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class PtTlsTransport {
  private readonly framer = new PtFramer();
  private readonly inbox: PtMessage[] = [];
  private waiter: { resolve: (m: PtMessage) => void; reject: (e: Error) => void } | undefined;
  private ended: Error | undefined;
  private nextId = 0;

  private constructor(private readonly sock: tls.TLSSocket, readonly server: string) {
    sock.on('data', (chunk: Buffer) => {
      let msgs: PtMessage[];
      try {
        msgs = this.framer.push(chunk);
      } catch (e) {
        this.fail(new AgentConnectError(`the server sent malformed PT-TLS data: ${(e as Error).message}`, 'protocol', { cause: e }));
        sock.destroy();
        return;
      }
      for (const m of msgs) this.deliver(m);
    });
    sock.on('close', () => this.fail(new AgentConnectError('the server closed the connection', 'closed')));
    sock.on('error', (e) => this.fail(new AgentConnectError(`connection to ${server} failed: ${e.message}`, 'unreachable', { cause: e })));
  }

  static connect(opts: TransportOptions): Promise<PtTlsTransport> {
    if ((opts.ca === undefined) === (opts.pin === undefined)) throw new RangeError('give exactly one of ca and pin');
    const server = `${opts.host}:${opts.port}`;
    const timeoutMs = opts.connectTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const sock = tls.connect({
        host: opts.host,
        port: opts.port,
        // SNI must be a name, never an address (RFC 6066 §3).
        ...(isIP(opts.host) === 0 ? { servername: opts.host } : {}),
        secureContext: secureContextFor(opts),
        rejectUnauthorized: opts.ca !== undefined,
      });
      sock.setNoDelay(true);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new AgentConnectError(`no TLS connection to ${server} within ${timeoutMs} ms: is the server reachable, and is this the PT-TLS port?`, 'timeout'));
      }, timeoutMs);
      sock.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(connectError(e, server));
      });
      sock.once('secureConnect', () => {
        clearTimeout(timer);
        if (opts.pin !== undefined) {
          const problem = checkPinnedChain(sock, opts.host, opts.pin);
          if (problem !== undefined) {
            sock.destroy();
            reject(new AgentConnectError(problem, 'untrusted'));
            return;
          }
        }
        sock.removeAllListeners('error');
        resolve(new PtTlsTransport(sock, server));
      });
    });
  }

  newId(): number {
    const id = this.nextId;
    this.nextId = (this.nextId + 1) >>> 0;
    return id;
  }

  send(messages: PtMessage[]): void {
    if (this.ended !== undefined) throw this.ended;
    this.sock.write(Buffer.concat(messages.map(encodePtMessage)));
  }

  /** The next message from the server; rejects on close, error or after `timeoutMs`. */
  next(timeoutMs: number): Promise<PtMessage> {
    const queued = this.inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.ended !== undefined) return Promise.reject(this.ended);
    // One reader at a time: a newer read (closing while waiting for a retry) supersedes the older.
    this.waiter?.reject(new AgentConnectError('superseded by another read', 'closed'));
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (m: PtMessage) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        if (this.waiter === waiter) this.waiter = undefined;
        reject(new AgentConnectError(`the server did not answer within ${timeoutMs} ms`, 'timeout'));
      }, timeoutMs);
      this.waiter = waiter;
    });
  }

  /** True once the connection has ended, for whatever reason. */
  get closed(): boolean {
    return this.ended !== undefined;
  }

  close(): void {
    this.sock.end();
    this.sock.destroy();
  }

  private deliver(m: PtMessage): void {
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      w.resolve(m);
    } else this.inbox.push(m);
  }

  private fail(e: Error): void {
    if (this.ended !== undefined) return;
    this.ended = e;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(e);
  }
}

/**
 * One TLS context per trust anchor and device credential, reused across connections. Node builds
 * a fresh OpenSSL context (PEM parsing, a new certificate store) for every connection that passes
 * `ca`/`cert`/`key`; the daemon reconnects on every assessment for as long as it runs, and that
 * churn of native allocations was most of its memory growth (BENCHMARKS.md, Agent).
 */
let cachedContext: { key: string; context: tls.SecureContext } | undefined;

function secureContextFor(opts: TransportOptions): tls.SecureContext {
  const key = JSON.stringify([opts.ca ?? null, opts.cert ?? null, opts.key ?? null]);
  if (cachedContext?.key !== key) {
    const context = tls.createSecureContext({
      ...(opts.ca !== undefined ? { ca: [opts.ca] } : {}),
      ...(opts.cert !== undefined && opts.key !== undefined ? { cert: opts.cert, key: opts.key } : {}),
      minVersion: 'TLSv1.2',
    });
    cachedContext = { key, context };
  }
  return cachedContext.context;
}

function connectError(e: NodeJS.ErrnoException, server: string): AgentConnectError {
  const code = e.code ?? '';
  if (code === 'ECONNREFUSED') return new AgentConnectError(`nothing listens on ${server} (connection refused): check the server address and port`, 'unreachable', { cause: e });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new AgentConnectError(`cannot resolve ${server.replace(/:\d+$/, '')}: check the server name and DNS`, 'unreachable', { cause: e });
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT') return new AgentConnectError(`${server} is unreachable (${code})`, 'unreachable', { cause: e });
  if (code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'SELF_SIGNED_CERT_IN_CHAIN') {
    return new AgentConnectError(`the server at ${server} is not trusted (${code}: ${e.message}); is this the Kenneki server you enrolled with?`, 'untrusted', { cause: e });
  }
  return new AgentConnectError(`connection to ${server} failed: ${e.message}`, 'unreachable', { cause: e });
}

/** undefined when the chain is anchored in the pinned CA and names `host`; else what is wrong. */
function checkPinnedChain(sock: tls.TLSSocket, host: string, pin: string): string | undefined {
  const leafRaw = sock.getPeerCertificate(true);
  if (leafRaw?.raw === undefined) return 'the server sent no certificate';
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  for (let c: tls.DetailedPeerCertificate | undefined = leafRaw; c?.raw !== undefined && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
    seen.add(c.fingerprint256);
    chain.push(new X509Certificate(c.raw));
  }
  const leaf = chain[0]!;
  const anchor = chain.find((c) => pinOfDer(c.raw) === pin);
  if (anchor === undefined) {
    const offered = chain.length > 1 ? pinOfDer(chain[chain.length - 1]!.raw) : pinOfDer(leaf.raw);
    return `the server's CA certificate (pin ${offered}) does not match the CA pinned in the token (${pin}): this is not the Kenneki server the token was issued for; nothing was sent`;
  }
  if (anchor !== leaf && !leaf.verify(anchor.publicKey)) return 'the server certificate is not signed by the pinned CA; nothing was sent';
  const now = Date.now();
  if (Date.parse(leaf.validFrom) > now || Date.parse(leaf.validTo) < now) return `the server certificate is not valid now (valid ${leaf.validFrom} to ${leaf.validTo}); check the clocks`;
  const named = isIP(host) !== 0 ? leaf.checkIP(host) : leaf.checkHost(host);
  if (named === undefined) return `the server certificate is not issued for ${host}; connect with one of the names in pt_tls.server_names`;
  return undefined;
}
