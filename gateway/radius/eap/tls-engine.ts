/**
 * The TLS server of one EAP conversation (EAP-TLS, or the tunnel of TTLS and PEAP): fed the TLS
 * records a peer sent, reassembled from EAP fragments, it answers with the records to send back.
 *
 * Two engines implement it (tls-contexts.ts chooses, `radius.eap.tls_engine`):
 * - native (native-tls-engine.ts): OpenSSL through memory BIOs, synchronous, as FreeRADIUS and
 *   hostapd run it;
 * - node (node-tls-engine.ts): Node's TLSSocket over a JavaScript stream, the fallback when the
 *   native module is not built.
 */
import type { PeerView } from './peer-certificates.js';

export interface TlsReceipt {
  /** TLS records to send to the peer. */
  out: Buffer;
  /** Application data the peer sent inside the tunnel. */
  clear: Buffer;
  secure: boolean;
  error?: Error;
}

export interface TlsEngine {
  /** Feeds one reassembled TLS message from the peer. */
  receive(records: Buffer): TlsReceipt | Promise<TlsReceipt>;
  /** Encrypts application data for the peer; empty when the tunnel is gone. */
  send(clear: Buffer): Buffer | Promise<Buffer>;
  /** The handshake is complete. */
  readonly secure: boolean;
  resumed(): boolean;
  /** OpenSSL's verdict on the client's chain: null when trusted, else why; 'unknown' fails closed. */
  verifyError(): string | null | 'unknown';
  /** The client certificate, for EAP-TLS's identity. */
  readonly peer: PeerView;
  /** RFC 5705 export with no context (throws before the handshake is complete). */
  exportKeyingMaterial(length: number, label: string): Buffer;
  /** `keepSession`: the conversation authenticated, so its TLS session may be resumed. */
  destroy(keepSession?: boolean): void;
}
