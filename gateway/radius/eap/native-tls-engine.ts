/**
 * The native TLS engine (tls-engine.ts): OpenSSL driven through memory BIOs by the optional
 * module native/eap-tls, synchronously. Each answer is ready when `receive` returns, with no
 * socket object, stream or event-loop turn per flight: the JavaScript share of an EAP-TLS
 * authentication was what kept Kenneki behind FreeRADIUS (BENCHMARKS.md).
 */
import { X509Certificate } from 'node:crypto';
import { optionalNative } from '../../../policy/util/optional-native.js';
import type { PeerView } from './peer-certificates.js';
import type { TlsEngine, TlsReceipt } from './tls-engine.js';

/** An OpenSSL SSL_CTX for EAP's TLS servers (TLS 1.2 only), held by the module. */
export type NativeContext = { readonly __eapTlsContext: unique symbol };
/** One conversation's SSL object with its two memory BIOs. */
type Conversation = { readonly __eapTlsConversation: unique symbol };

export interface NativeContextOptions {
  /** The server certificate, then its chain (PEM). */
  cert: string;
  /** The server key (PEM, unencrypted). */
  key: string;
  /** OpenSSL's TLS 1.2 cipher list. */
  ciphers: string;
  /** EAP-TLS: require a client certificate that chains to one of `ca` (the handshake fails otherwise). */
  requestCert: boolean;
  ca?: string[];
  /** Seconds a session may be resumed; 0 or absent: no session cache and no tickets. */
  sessionTimeout?: number;
  sessionIdContext?: string;
  maxSessions?: number;
  /** 48 bytes: the session-ticket keys. */
  ticketKeys?: Buffer;
}

/** The module's functions (native/eap-tls/src/eap_tls.c). */
export interface EapTlsModule {
  /** Throws an Error naming what is wrong (certificate, key, CA, cipher list). */
  createContext(options: NativeContextOptions): NativeContext;
  open(context: NativeContext): Conversation;
  /** `error`: why the conversation failed; it stays failed. `out` carries any alert. */
  feed(conversation: Conversation, records: Buffer): { out: Buffer; clear: Buffer; secure: boolean; error?: string };
  /** Throws when the tunnel is not established. */
  write(conversation: Conversation, data: Buffer): Buffer;
  /** RFC 5705 with no context. */
  exportKeyingMaterial(conversation: Conversation, length: number, label: string): Buffer;
  peerCertificate(conversation: Conversation): Buffer | undefined;
  /** The subject's only CN; undefined when it has none, several, or one with a NUL. */
  peerCommonName(conversation: Conversation): string | undefined;
  verifyError(conversation: Conversation): string | null;
  resumed(conversation: Conversation): boolean;
  /** Frees the conversation now; later calls on it throw. Idempotent. `keepSession`: it may be resumed. */
  close(conversation: Conversation, keepSession: boolean): void;
}

/** The module, or why it cannot be used (not built, or built for another Node). */
export const nativeEapTls = (): EapTlsModule | string => optionalNative<EapTlsModule>('@kenneki/eap-tls');

export class NativeTlsEngine implements TlsEngine {
  readonly peer: PeerView;
  private readonly conv: Conversation;
  private done = false;
  private failed = false;

  constructor(
    private readonly lib: EapTlsModule,
    context: NativeContext,
  ) {
    this.conv = lib.open(context);
    this.peer = {
      leaf: () => this.lib.peerCertificate(this.conv),
      verified: () => {
        const der = this.lib.peerCertificate(this.conv);
        return der ? new X509Certificate(der) : undefined;
      },
      commonName: () => this.lib.peerCommonName(this.conv),
    };
  }

  get secure(): boolean {
    return this.done;
  }

  receive(records: Buffer): TlsReceipt {
    const r = this.lib.feed(this.conv, records);
    this.done = r.secure;
    if (r.error === undefined) return { out: r.out, clear: r.clear, secure: r.secure };
    this.failed = true;
    return { out: r.out, clear: r.clear, secure: r.secure, error: new Error(r.error) };
  }

  send(clear: Buffer): Buffer {
    if (this.failed || !this.done) return Buffer.alloc(0);
    try {
      return this.lib.write(this.conv, clear);
    } catch {
      this.failed = true;
      return Buffer.alloc(0);
    }
  }

  resumed(): boolean {
    return this.lib.resumed(this.conv);
  }

  verifyError(): string | null {
    return this.lib.verifyError(this.conv);
  }

  exportKeyingMaterial(length: number, label: string): Buffer {
    return this.lib.exportKeyingMaterial(this.conv, length, label);
  }

  destroy(keepSession = false): void {
    this.lib.close(this.conv, keepSession);
  }
}
