/**
 * A TLS server over EAP: Node's TLSSocket runs on a Duplex that we feed with the TLS records a
 * peer sent (reassembled from EAP fragments) and that collects the records the server writes.
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
import { Duplex } from 'node:stream';
import type { Server } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';

export interface TlsEngineOptions {
  secureContext: SecureContext;
  /** EAP-TLS: a client certificate is required (a handshake without one aborts). */
  requestCert: boolean;
  /** Carries newSession/resumeSession listeners (the session-id cache), for resumption. */
  sessionServer?: Server;
}

export interface TlsReceipt {
  /** TLS records to send to the peer. */
  out: Buffer;
  /** Application data the peer sent inside the tunnel. */
  clear: Buffer;
  secure: boolean;
  error?: Error;
}

/** Turns to wait for a first event before giving up: a message that makes nothing happen. */
const MAX_TURNS = 500;

export class TlsEngine {
  readonly socket: TLSSocket;
  private readonly transport: Duplex;
  private out: Buffer[] = [];
  private clear: Buffer[] = [];
  private events = 0;
  private secureDone = false;
  private failure: Error | undefined;

  constructor(o: TlsEngineOptions) {
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
  }

  get secure(): boolean {
    return this.secureDone;
  }

  /** Feeds one reassembled TLS message from the peer. */
  async receive(records: Buffer): Promise<TlsReceipt> {
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

  destroy(): void {
    this.socket.destroy();
    this.transport.destroy();
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
