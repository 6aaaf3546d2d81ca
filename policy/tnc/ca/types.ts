/** The loaded certificate authority, shared by the store (which builds it) and the issuers. */
import type { X509Certificate, webcrypto } from 'node:crypto';
import type { KeyAlgorithm, x509 } from './keys.js';

export interface Ca {
  /** The CA certificate, PEM; what peers put in their trust store. */
  readonly certPem: string;
  /** Node's view of the CA certificate, for verify()/checkIssued() and the TLS layer. */
  readonly certificate: X509Certificate;
  readonly keyAlgorithm: KeyAlgorithm;
  /** The library's parsed CA certificate, used to fill issuer name and authority key identifier. */
  readonly issuerCertificate: x509.X509Certificate;
  /** Non-extractable WebCrypto signing key: usable to sign, impossible to export or print. */
  readonly signingKey: webcrypto.CryptoKey;
}
