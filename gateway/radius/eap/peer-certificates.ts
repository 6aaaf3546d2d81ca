/**
 * What EAP-TLS needs to know of a client certificate beyond OpenSSL's chain check: its subject CN
 * (the identity) and whether Kenneki's CA issued it (then the CN is a device id). Both follow from
 * the certificate's bytes alone, so they are remembered by SHA-256 fingerprint. A device presents
 * the same certificate at every re-authentication, and under OpenSSL 3 each certificate copy Node
 * hands out runs the public-key decoders again: looking these up afresh cost ~400 µs a handshake.
 *
 * The TLS engine gives the leaf's DER as cheaply as it can (the node engine reads it from the
 * handshake, client-certificate.ts), so that a known certificate costs one SHA-256 and no
 * certificate copy. The first time a certificate is seen its bytes are checked against the one
 * OpenSSL verified, and a mismatch is refused: the two must agree before anything is remembered.
 *
 * Trust is not cached: OpenSSL verifies the chain in every handshake, and the caller checks that
 * result before asking here.
 */
import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
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

/** The client certificate of one handshake, as a TLS engine exposes it. */
export interface PeerView {
  /** The leaf's DER, the cheapest way the engine has; undefined when the peer sent none. */
  leaf(): Buffer | undefined;
  /** The leaf OpenSSL verified. */
  verified(): X509Certificate | undefined;
  /** The subject's CN, unescaped; undefined when there is none or several. */
  commonName(): string | undefined;
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

  /** Undefined when the peer has no certificate, 'mismatch' when the cheap leaf is not the verified one. */
  facts(peer: PeerView): PeerFacts | 'mismatch' | undefined {
    const leaf = peer.leaf();
    if (!leaf) return undefined;
    const fingerprint = createHash('sha256').update(leaf).digest('base64');
    const known = this.known.get(fingerprint);
    if (known) return known;
    const cert = peer.verified();
    if (!cert) return undefined;
    if (!cert.raw.equals(leaf)) return 'mismatch';
    const ca = this.kennekiCa;
    const cn = peer.commonName();
    const facts: PeerFacts = {
      cn: cn !== undefined && cn.length > 0 && cn.length <= 253 ? cn : undefined,
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
