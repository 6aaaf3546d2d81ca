/**
 * A TLS server over EAP: Node's TLSSocket runs on a Duplex that we feed with the TLS records a
 * peer sent (reassembled from EAP fragments) and that collects the records the server writes.
 *
 * TLS work happens on the event loop a few turns after the records are pushed, and a flight may
 * end without output (the peer's Finished of a resumed handshake). So `receive` waits until the
 * engine has been quiet for two turns after something happened (output, cleartext, the handshake
 * finishing or an error), or gives up after a bounded number of turns. Everything OpenSSL does
 * here is synchronous on this thread, so "quiet" really means done.
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

const QUIET_TURNS = 2;
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
    if (records.length > 0) this.transport.push(records);
    await this.settle();
    return this.drain();
  }

  /** Encrypts application data for the peer. */
  async send(clear: Buffer): Promise<Buffer> {
    if (this.failure || this.socket.destroyed) return Buffer.alloc(0);
    this.socket.write(clear);
    await this.settle();
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

  private async settle(): Promise<void> {
    const start = this.events;
    let seen = this.events;
    let quiet = 0;
    for (let turn = 0; turn < MAX_TURNS; turn++) {
      await new Promise<void>((r) => setImmediate(r));
      if (this.events !== seen) {
        seen = this.events;
        quiet = 0;
      } else if (seen !== start && ++quiet >= QUIET_TURNS) return;
    }
  }
}
