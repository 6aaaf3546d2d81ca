/**
 * What EAP-TLS needs to know of a client certificate beyond OpenSSL's chain check: its subject CN
 * (the identity) and whether Kenneki's CA issued it (then the CN is a device id). Both follow from
 * the certificate's bytes alone, so they are remembered by SHA-256 fingerprint. A device presents
 * the same certificate at every re-authentication, and under OpenSSL 3 each certificate copy Node
 * hands out runs the public-key decoders again: looking these up afresh cost ~400 µs a handshake.
 *
 * The caller passes the leaf's DER as read from the handshake (client-certificate.ts) when it could,
 * so that a known certificate costs one SHA-256 and no certificate copy. The first time a
 * certificate is seen its bytes are checked against the one OpenSSL verified, and a mismatch is
 * refused: the wire reader and OpenSSL must agree before anything is remembered.
 *
 * Trust is not cached: OpenSSL verifies the chain in every handshake, and the caller checks that
 * result before asking here.
 */
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { BoundedCache } from '../../../policy/util/bounded-cache.js';
import { normalizeSerial } from './revocation.js';

export interface PeerFacts {
  /** Undefined when the subject has no single, sane CN. */
  cn: string | undefined;
  kennekiIssued: boolean;
  /** The issuer's name as Node spells it, and the serial number: what a CRL names. */
  issuer: string;
  serial: string;
}

export class PeerCertificates {
  private readonly known: BoundedCache<string, PeerFacts>;
  private readonly caKey: KeyObject | undefined;

  constructor(
    private readonly kennekiCa: X509Certificate | undefined,
    maxEntries = 10_000,
  ) {
    this.known = new BoundedCache(maxEntries);
    this.caKey = kennekiCa?.publicKey;
  }

  /**
   * `leaf`: the client certificate's DER from the handshake, or undefined to ask the socket.
   * Returns undefined when the socket has no peer certificate, 'mismatch' when `leaf` is not it.
   */
  facts(socket: TLSSocket, leaf: Buffer | undefined): PeerFacts | 'mismatch' | undefined {
    let cert: X509Certificate | undefined;
    if (leaf === undefined) {
      cert = socket.getPeerX509Certificate();
      if (!cert) return undefined;
      leaf = cert.raw;
    }
    const fingerprint = createHash('sha256').update(leaf).digest('base64');
    const known = this.known.get(fingerprint);
    if (known) return known;
    cert ??= socket.getPeerX509Certificate();
    if (!cert) return undefined;
    if (!cert.raw.equals(leaf)) return 'mismatch';
    const ca = this.kennekiCa;
    const facts: PeerFacts = {
      cn: commonName(socket),
      kennekiIssued: ca !== undefined && this.caKey !== undefined && cert.checkIssued(ca) && cert.verify(this.caKey),
      issuer: cert.issuer,
      serial: normalizeSerial(cert.serialNumber),
    };
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
