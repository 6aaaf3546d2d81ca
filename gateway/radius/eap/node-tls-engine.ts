/**
 * The fallback TLS engine (tls-engine.ts): Node's TLSSocket runs on a Duplex that we feed with the
 * TLS records a peer sent and that collects the records the server writes.
 *
 * Node's stream wrapper hands pushed records to OpenSSL synchronously, and OpenSSL writes its
 * whole answer before `push` returns. The exception: while an earlier write is still being
 * acknowledged (the wrapper finishes every write on a later `setImmediate`), TLS holds its
 * output back until that acknowledgement. So `receive` and `send` note the event count before
 * they feed the engine, then wait turn by turn until something has happened (output, cleartext,
 * the handshake finishing or an error) followed by one quiet turn: any held-back output is
 * flushed by an immediate queued before ours. A peer message that makes nothing happen (half a
 * record) gives up after a bounded number of turns. Everything OpenSSL does here runs on this
 * thread, so "quiet" really means done.
 */
import type { X509Certificate } from 'node:crypto';
import { Duplex } from 'node:stream';
import type { Server } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { scanLeafCertificate } from './client-certificate.js';
import type { PeerView } from './peer-certificates.js';
import type { TlsEngine, TlsReceipt } from './tls-engine.js';

export interface NodeTlsEngineOptions {
  secureContext: SecureContext;
  /** EAP-TLS: a client certificate is required (a handshake without one aborts). */
  requestCert: boolean;
  /** Carries newSession/resumeSession listeners (the session-id cache), for resumption. */
  sessionServer?: Server;
}

/** Turns to wait for a first event before giving up: a message that makes nothing happen. */
const MAX_TURNS = 500;

export class NodeTlsEngine implements TlsEngine {
  readonly socket: TLSSocket;
  readonly peer: PeerView;
  private readonly requestCert: boolean;
  /** EAP-TLS: the client's certificate as read from its handshake; null when it could not be. */
  private wireLeaf: Buffer | null | undefined;
  private readonly transport: Duplex;
  private out: Buffer[] = [];
  private clear: Buffer[] = [];
  private events = 0;
  private secureDone = false;
  private failure: Error | undefined;

  constructor(o: NodeTlsEngineOptions) {
    this.requestCert = o.requestCert;
    this.transport = new Duplex({
      read() {},
      write: (chunk: Buffer, _enc, cb) => {
        this.out.push(chunk);
        this.events++;
        cb();
      },
      final(cb) {
        cb();
      },
    });
    this.socket = new TLSSocket(this.transport, {
      isServer: true,
      secureContext: o.secureContext,
      requestCert: o.requestCert,
      rejectUnauthorized: o.requestCert,
      ...(o.sessionServer ? { server: o.sessionServer } : {}),
    });
    this.socket.on('secure', () => {
      this.secureDone = true;
      this.events++;
    });
    this.socket.on('data', (d: Buffer) => {
      this.clear.push(d);
      this.events++;
    });
    this.socket.on('error', (err: Error) => {
      this.failure ??= err;
      this.events++;
    });
    // A peer that closes the tunnel is an error for EAP: nothing more can be said.
    this.socket.on('end', () => {
      this.failure ??= new Error('the peer closed the TLS tunnel');
      this.events++;
    });
    this.peer = {
      // A resumed handshake carries no certificate: the session remembers it, so ask Node.
      leaf: () => (!this.socket.isSessionReused() && this.wireLeaf ? this.wireLeaf : this.socket.getPeerX509Certificate()?.raw),
      verified: (): X509Certificate | undefined => this.socket.getPeerX509Certificate(),
      commonName: () => commonName(this.socket),
    };
  }

  get secure(): boolean {
    return this.secureDone;
  }

  /** Feeds one reassembled TLS message from the peer. */
  async receive(records: Buffer): Promise<TlsReceipt> {
    if (this.requestCert && !this.secureDone && records.length > 0) this.noteLeaf(records);
    const before = this.events;
    if (records.length > 0) this.transport.push(records);
    await this.settle(before);
    return this.drain();
  }

  /** Encrypts application data for the peer. */
  async send(clear: Buffer): Promise<Buffer> {
    if (this.failure || this.socket.destroyed) return Buffer.alloc(0);
    const before = this.events;
    this.socket.write(clear);
    await this.settle(before);
    return this.drain().out;
  }

  resumed(): boolean {
    return this.socket.isSessionReused();
  }

  /**
   * OpenSSL's chain-verification result for the peer. Node verifies a client certificate during
   * the handshake but only reports the result on sockets a tls.Server created; ours is standalone,
   * so this reads the same value Node's own server code reads. Anything unexpected fails closed.
   */
  verifyError(): string | null | 'unknown' {
    const handle = (this.socket as unknown as { _handle?: { verifyError?: () => (Error & { code?: string }) | null | undefined } })._handle;
    if (!handle || typeof handle.verifyError !== 'function') return 'unknown';
    const err = handle.verifyError();
    if (err === null || err === undefined) return null;
    return err.code ?? err.message;
  }

  /** Node's typings demand a context, but a context (even an empty one) changes the seed, so it must be absent. */
  exportKeyingMaterial(length: number, label: string): Buffer {
    const exportKeys = this.socket.exportKeyingMaterial as unknown as (this: TLSSocket, length: number, label: string) => Buffer;
    return exportKeys.call(this.socket, length, label);
  }

  /** Node's session cache (tls-contexts.ts) took the session when it was established. */
  destroy(): void {
    this.socket.destroy();
    this.transport.destroy();
  }

  /**
   * Remembers the client certificate of a handshake flight, so that a known certificate costs one
   * SHA-256 and no certificate copy (peer-certificates.ts); anything unclear falls back to Node.
   */
  private noteLeaf(flight: Buffer): void {
    if (this.wireLeaf === null) return;
    const scan = scanLeafCertificate(flight);
    if (scan.kind === 'unreadable') this.wireLeaf = null;
    else if (scan.kind === 'leaf') this.wireLeaf = this.wireLeaf === undefined ? scan.der : null;
  }

  private drain(): TlsReceipt {
    const r: TlsReceipt = { out: Buffer.concat(this.out), clear: Buffer.concat(this.clear), secure: this.secureDone, ...(this.failure ? { error: this.failure } : {}) };
    this.out = [];
    this.clear = [];
    return r;
  }

  /**
   * Waits until something has happened since the event count was `before` and then a whole turn
   * has passed quietly. (Counting from after the feed would miss everything done synchronously
   * and wait out MAX_TURNS on every message.)
   */
  private async settle(before: number): Promise<void> {
    let seen = this.events;
    for (let turn = 0; turn < MAX_TURNS; turn++) {
      await new Promise<void>((r) => setImmediate(r));
      if (this.events !== seen) seen = this.events;
      else if (seen !== before) return;
    }
  }
}

/** The subject CN, unescaped (Node's legacy certificate object); a multi-valued CN is refused. */
function commonName(socket: TLSSocket): string | undefined {
  const cn: unknown = socket.getPeerCertificate().subject?.CN;
  return typeof cn === 'string' ? cn : undefined;
}
