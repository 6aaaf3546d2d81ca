/**
 * What EAP-TLS needs to know of a client certificate beyond OpenSSL's chain check: its subject CN
 * (the identity) and whether Kenneki's CA issued it (then the CN is a device id). Both follow from
 * the certificate's bytes alone, so they are remembered by SHA-256 fingerprint. A device presents
 * the same certificate at every re-authentication, and under OpenSSL 3 each certificate copy Node
 * hands out runs the public-key decoders again: looking these up afresh cost ~400 µs a handshake.
 *
 * Trust is not cached: OpenSSL verifies the chain in every handshake, and the caller checks that
 * result before asking here.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';

export interface PeerFacts {
  /** Undefined when the subject has no single, sane CN. */
  cn: string | undefined;
  kennekiIssued: boolean;
}

export class PeerCertificates {
  private readonly known = new Map<string, PeerFacts>();
  private readonly caKey: KeyObject | undefined;

  constructor(
    private readonly kennekiCa: X509Certificate | undefined,
    private readonly maxEntries = 10_000,
  ) {
    this.caKey = kennekiCa?.publicKey;
  }

  facts(socket: TLSSocket, cert: X509Certificate): PeerFacts {
    const fingerprint = cert.fingerprint256;
    const known = this.known.get(fingerprint);
    if (known) return known;
    const ca = this.kennekiCa;
    const facts: PeerFacts = { cn: commonName(socket), kennekiIssued: ca !== undefined && this.caKey !== undefined && cert.checkIssued(ca) && cert.verify(this.caKey) };
    if (this.known.size >= this.maxEntries) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
    this.known.set(fingerprint, facts);
    return facts;
  }

  get size(): number {
    return this.known.size;
  }
}

/** The subject CN, unescaped (Node's legacy certificate object); a multi-valued or odd CN is refused. */
function commonName(socket: TLSSocket): string | undefined {
  const cn: unknown = socket.getPeerCertificate().subject?.CN;
  return typeof cn === 'string' && cn.length > 0 && cn.length <= 253 ? cn : undefined;
}
