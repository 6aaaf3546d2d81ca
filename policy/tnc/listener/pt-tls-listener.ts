/**
 * The PT-TLS transport (RFC 6876, nea-wire.md "PT-TLS"): a TLS server whose connections each get
 * a PtFramer and a TncsSession. Messages go to the session strictly in order, one at a time, with
 * the socket paused meanwhile, so a flooding client cannot queue unbounded work. Hostile peers get
 * bounded resources: an absolute handshake deadline (slowloris), an idle timeout, a connection
 * cap, and a framer that refuses oversized messages. Nothing a peer does may throw out of here.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { TncsSession } from '../broker/session.js';
import { PtFramer, errorMessageFor } from '../pt/framer.js';
import { encodePtMessage, type PtMessage } from '../pt/message.js';
import { PT_ERROR, WireError } from '../wire-error.js';

export interface PtTlsPeer {
  remoteAddress: string;
  /** Present only with clientAuth 'mutual-tls', after the certificate verified against `ca`. */
  clientCertificate?: { subjectCN: string; fingerprint256: string };
  /**
   * Set with clientAuth 'mutual-tls' when the peer presented no certificate, or one that did not
   * verify: a device that is not enrolled yet. The factory must return an enrollment-only
   * session for it (TncsSession's `enrollmentOnly`), or the connection is refused.
   */
  unverified?: { reason: string };
}

export type PtTlsEventName =
  | 'PT_TLS_CONNECTED'
  | 'PT_TLS_CLOSED'
  | 'PT_TLS_REJECTED_LIMIT'
  | 'PT_TLS_IDLE_TIMEOUT'
  | 'PT_TLS_HANDSHAKE_TIMEOUT'
  | 'PT_TLS_HANDSHAKE_FAILED'
  | 'PT_TLS_PROTOCOL_ERROR'
  | 'PT_TLS_SESSION_ERROR'
  | 'PT_TLS_SERVER_ERROR';

export interface PtTlsEvent {
  evt: PtTlsEventName;
  remoteAddress?: string;
  detail?: string;
}

export interface PtTlsListenerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  cert: string;
  key: string;
  /** Trust anchors for client certificates (mutual TLS). */
  ca?: string[];
  /** 'none' and 'sasl-plain' differ only in the session (its authenticate option), not in TLS. */
  clientAuth: 'none' | 'sasl-plain' | 'mutual-tls';
  sessionFactory: (peer: PtTlsPeer) => TncsSession;
  idleTimeoutMs: number;
  /** Absolute deadline from TCP accept to completed TLS handshake. */
  handshakeTimeoutMs: number;
  maxConnections: number;
  maxMessageBytes: number;
  onEvent?: (evt: PtTlsEvent) => void;
}

interface RawEntry {
  raw: net.Socket;
  timer: NodeJS.Timeout | undefined;
}

const encodeAll = (messages: PtMessage[]): Uint8Array => (messages.length === 1 ? encodePtMessage(messages[0]!) : Buffer.concat(messages.map(encodePtMessage)));

const peerKey = (address: string | undefined, port: number | undefined): string => `${address ?? '?'}|${port ?? '?'}`;

export class PtTlsListener {
  private server: tls.Server | undefined;
  private stopping: Promise<void> | undefined;
  /** Accepted TCP connections (before and after TLS), keyed by remote address and port. */
  private readonly raws = new Map<string, RawEntry>();
  private readonly tlsSockets = new Set<tls.TLSSocket>();
  private rejected = 0;

  constructor(private readonly opts: PtTlsListenerOptions) {
    if (opts.clientAuth === 'mutual-tls' && (opts.ca === undefined || opts.ca.length === 0)) {
      throw new Error('clientAuth mutual-tls needs at least one CA certificate');
    }
  }

  /** Connections refused because maxConnections was reached. */
  get rejectedConnections(): number {
    return this.rejected;
  }

  /** Open TCP connections, handshaking or not. */
  get openConnections(): number {
    return this.raws.size;
  }

  async start(): Promise<{ port: number }> {
    if (this.server) throw new Error('PtTlsListener already started');
    if (this.stopping) throw new Error('PtTlsListener was stopped');
    const mutual = this.opts.clientAuth === 'mutual-tls';
    const server = tls.createServer({
      cert: this.opts.cert,
      key: this.opts.key,
      ...(this.opts.ca ? { ca: this.opts.ca } : {}),
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      requestCert: mutual,
      // An unenrolled device has no certificate yet, and must still reach enrollment: the
      // handshake completes, and onSecure decides what an unverified peer may do.
      rejectUnauthorized: false,
      // Node's own timer is an inactivity timer (a trickling peer resets it); ours below is
      // absolute. Keep Node's as a backstop only.
      handshakeTimeout: this.opts.handshakeTimeoutMs * 2,
    });
    this.server = server;
    server.on('connection', (raw: net.Socket) => this.onConnection(raw));
    server.on('secureConnection', (sock: tls.TLSSocket) => this.onSecure(sock));
    server.on('tlsClientError', (err: Error & { code?: string }, sock: tls.TLSSocket) => {
      const timeout = err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT';
      this.emit({ evt: timeout ? 'PT_TLS_HANDSHAKE_TIMEOUT' : 'PT_TLS_HANDSHAKE_FAILED', remoteAddress: sock.remoteAddress, detail: err.message });
      sock.destroy();
    });
    server.on('error', (err) => this.emit({ evt: 'PT_TLS_SERVER_ERROR', detail: err.message }));
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      server.once('error', onError);
      // Node's default accept backlog (511) is below the default connection cap: in a burst, the
      // kernel would drop completed handshakes past it and make clients, legitimate ones included,
      // wait out SYN-ACK retransmits (1 s, 3 s...). The kernel still caps it at somaxconn.
      server.listen({ port: this.opts.port, host: this.opts.host, backlog: Math.max(511, this.opts.maxConnections) }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    return { port: (server.address() as net.AddressInfo).port };
  }

  /** Closes the server and destroys every open socket. Safe to call more than once. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    const server = this.server;
    this.stopping = new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.close(() => resolve());
      for (const s of this.tlsSockets) s.destroy();
      for (const e of this.raws.values()) {
        if (e.timer) clearTimeout(e.timer);
        e.raw.destroy();
      }
      this.raws.clear();
      this.tlsSockets.clear();
    });
    return this.stopping;
  }

  private emit(evt: PtTlsEvent): void {
    try {
      this.opts.onEvent?.(evt);
    } catch {
      // A broken event sink must not take the listener down.
    }
  }

  private onConnection(raw: net.Socket): void {
    raw.on('error', () => {});
    if (this.stopping || this.raws.size >= this.opts.maxConnections) {
      this.rejected++;
      this.emit({ evt: 'PT_TLS_REJECTED_LIMIT', remoteAddress: raw.remoteAddress, detail: `${this.raws.size} connections open` });
      raw.destroy();
      return;
    }
    // PT-TLS is a dialogue of small messages: with Nagle on, a reply waits for the ACK of the
    // previous one, which the client delays (40 ms on Linux): several such waits per assessment.
    raw.setNoDelay(true);
    const key = peerKey(raw.remoteAddress, raw.remotePort);
    const entry: RawEntry = { raw, timer: undefined };
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      this.emit({ evt: 'PT_TLS_HANDSHAKE_TIMEOUT', remoteAddress: raw.remoteAddress, detail: `no TLS within ${this.opts.handshakeTimeoutMs} ms` });
      raw.destroy();
    }, this.opts.handshakeTimeoutMs);
    entry.timer.unref();
    this.raws.set(key, entry);
    raw.once('close', () => {
      if (entry.timer) clearTimeout(entry.timer);
      if (this.raws.get(key) === entry) this.raws.delete(key);
    });
  }

  private onSecure(sock: tls.TLSSocket): void {
    sock.on('error', () => {});
    const remoteAddress = sock.remoteAddress ?? 'unknown';
    const entry = this.raws.get(peerKey(sock.remoteAddress, sock.remotePort));
    if (entry?.timer) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
    }
    if (this.stopping) {
      sock.destroy();
      return;
    }
    this.tlsSockets.add(sock);

    let session: TncsSession;
    const peer: PtTlsPeer = { remoteAddress };
    try {
      if (this.opts.clientAuth === 'mutual-tls') {
        const cert = sock.getPeerCertificate();
        if (sock.authorized && cert && Object.keys(cert).length > 0) {
          const cn = cert.subject?.CN;
          peer.clientCertificate = { subjectCN: Array.isArray(cn) ? cn.join(',') : (cn ?? ''), fingerprint256: cert.fingerprint256 };
        } else {
          const hasCert = cert !== undefined && cert !== null && Object.keys(cert).length > 0;
          const why = sock.authorizationError ? String(sock.authorizationError instanceof Error ? sock.authorizationError.message : sock.authorizationError) : 'not authorized';
          peer.unverified = { reason: hasCert ? `client certificate did not verify (${why})` : 'no client certificate' };
        }
      }
      session = this.opts.sessionFactory(peer);
      // Fail closed: an unverified peer gets enrollment or nothing, whatever the factory did.
      if (peer.unverified && !session.enrollmentOnly) {
        session.transportClosed();
        throw new Error(`unverified client (${peer.unverified.reason}) refused: the session factory did not make its session enrollment-only`);
      }
    } catch (e) {
      this.emit({ evt: 'PT_TLS_SESSION_ERROR', remoteAddress, detail: e instanceof Error ? e.message : String(e) });
      sock.destroy();
      this.tlsSockets.delete(sock);
      return;
    }

    const protocol = sock.getProtocol() ?? 'unknown protocol';
    this.emit({ evt: 'PT_TLS_CONNECTED', remoteAddress, detail: peer.unverified ? `${protocol}, enrollment only: ${peer.unverified.reason}` : protocol });
    sock.once('close', () => {
      this.tlsSockets.delete(sock);
      session.transportClosed();
      this.emit({ evt: 'PT_TLS_CLOSED', remoteAddress });
    });
    sock.setTimeout(this.opts.idleTimeoutMs, () => {
      this.emit({ evt: 'PT_TLS_IDLE_TIMEOUT', remoteAddress });
      sock.destroy();
    });

    const framer = new PtFramer({ maxMessageBytes: this.opts.maxMessageBytes });
    const queue: PtMessage[] = [];
    let busy = false;
    let closing = false;

    const finish = (): void => {
      closing = true;
      queue.length = 0;
      sock.end();
    };

    // What the session starts itself (SRETRY) goes out in order with its answers: the session
    // serializes both, and a closing connection takes nothing more.
    session.attach((messages) => {
      if (closing || sock.destroyed) return;
      if (messages.length > 0) sock.write(encodeAll(messages));
    });

    const protocolError = (e: unknown): void => {
      const err = e instanceof WireError && e.layer === 'pt-tls' ? e : new WireError('pt-tls', PT_ERROR.MALFORMED_MESSAGE, String(e), 0);
      this.emit({ evt: 'PT_TLS_PROTOCOL_ERROR', remoteAddress, detail: err.message });
      try {
        sock.write(encodePtMessage(errorMessageFor(err, framer.offendingBytes ?? new Uint8Array(0), 0)));
      } catch {
        // Nothing sensible left to send.
      }
      finish();
    };

    const pump = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      sock.pause();
      try {
        while (queue.length > 0 && !closing && !sock.destroyed) {
          const msg = queue.shift()!;
          const res = await session.receive(msg);
          if (sock.destroyed) return;
          // One write, so replies that belong together (Version Response + Mechanisms) share a TLS record.
          if (res.replies.length > 0) sock.write(encodeAll(res.replies));
          if (res.close) {
            finish();
            return;
          }
          // A peer that does not read its replies must not make us buffer them without bound.
          if (sock.writableNeedDrain) await new Promise<void>((resolve) => {
            const done = (): void => {
              sock.off('drain', done);
              sock.off('close', done);
              resolve();
            };
            sock.on('drain', done);
            sock.on('close', done);
          });
        }
      } catch (e) {
        this.emit({ evt: 'PT_TLS_SESSION_ERROR', remoteAddress, detail: e instanceof Error ? e.message : String(e) });
        closing = true;
        sock.destroy();
      } finally {
        busy = false;
        if (!closing && !sock.destroyed) sock.resume();
      }
    };

    sock.on('data', (chunk: Buffer) => {
      if (closing) return;
      let msgs: PtMessage[];
      try {
        msgs = framer.push(chunk);
      } catch (e) {
        protocolError(e);
        return;
      }
      if (msgs.length === 0) return;
      queue.push(...msgs);
      void pump();
    });
  }
}
