/**
 * Test support: a PT-TLS client connection over real TLS that collects the server's messages, for
 * the listener's tests and the end-to-end `kenneki serve` tests.
 */
import tls from 'node:tls';
import { PtFramer } from '../pt/framer.js';
import { encodePtMessage, type PtMessage } from '../pt/message.js';

export class PtTlsTestConnection {
  private readonly framer = new PtFramer();
  private readonly inbox: PtMessage[] = [];
  private waiter: (() => void) | undefined;
  readonly closed: Promise<void>;
  readonly secure: Promise<void>;
  isClosed = false;

  constructor(readonly sock: tls.TLSSocket) {
    sock.on('error', () => {});
    this.secure = new Promise((resolve) => sock.once('secureConnect', () => resolve()));
    this.closed = new Promise((resolve) =>
      sock.once('close', () => {
        this.isClosed = true;
        this.waiter?.();
        resolve();
      }),
    );
    sock.on('data', (d: Buffer) => {
      this.inbox.push(...this.framer.push(d));
      this.waiter?.();
    });
  }

  /** Connects to 127.0.0.1:port trusting only `caPem`. */
  static open(port: number, caPem: string, extra: tls.ConnectionOptions = {}): PtTlsTestConnection {
    return new PtTlsTestConnection(tls.connect({ host: '127.0.0.1', port, ca: [caPem], ...extra }));
  }

  send(m: PtMessage | Uint8Array): void {
    this.sock.write(m instanceof Uint8Array ? m : encodePtMessage(m));
  }

  /** The next n messages from the server; fails on close or timeout. */
  async take(n: number, timeoutMs = 5_000): Promise<PtMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length < n) {
      if (this.isClosed) throw new Error(`closed with ${this.inbox.length}/${n} messages`);
      if (Date.now() > deadline) throw new Error(`timeout with ${this.inbox.length}/${n} messages`);
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.inbox.splice(0, n);
  }
}
