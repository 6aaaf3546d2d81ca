/**
 * Key handling shared by the CA store and the issuers. Node's crypto can generate and parse keys
 * but not build certificates, so certificates come from @peculiar/x509, which signs through
 * WebCrypto; this module is the single place that bridges node KeyObjects and WebCrypto keys.
 */
import { createPrivateKey, createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// @peculiar/x509 signs and hashes through a global provider; point it at Node's WebCrypto once.
x509.cryptoProvider.set(webcrypto);

export { x509 };

export type KeyAlgorithm = 'ecdsa-p256' | 'rsa-2048';

/** Parameters WebCrypto needs to generate/import a key and to sign with it (SHA-256 throughout). */
export function algorithmParams(alg: KeyAlgorithm): webcrypto.RsaHashedKeyGenParams | (webcrypto.EcKeyGenParams & webcrypto.EcdsaParams) {
  return alg === 'ecdsa-p256'
    ? { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
    : // PKCS#1 v1.5 rather than PSS: every TLS stack and `openssl verify` accepts it for certificates.
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
}

export async function generateKeyPair(alg: KeyAlgorithm): Promise<webcrypto.CryptoKeyPair> {
  // Extractable because the caller must write the private key out once (CA file, server key PEM).
  return (await webcrypto.subtle.generateKey(algorithmParams(alg), true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

export async function privateKeyToPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' })
    .export({ type: 'pkcs8', format: 'pem' })
    .toString();
}

/** Which of our algorithms a parsed private key is, or undefined if it is none of them. */
export function keyAlgorithmOf(key: KeyObject): KeyAlgorithm | undefined {
  const d = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec' && d?.namedCurve === 'prime256v1') return 'ecdsa-p256';
  if (key.asymmetricKeyType === 'rsa' && d?.modulusLength === 2048) return 'rsa-2048';
  return undefined;
}

/**
 * Imports a PEM private key as a NON-extractable WebCrypto signing key, so once the CA is loaded
 * nothing holding the Ca object can export the key material again (e.g. by accident into a log).
 */
export async function importSigningKey(key: KeyObject, alg: KeyAlgorithm): Promise<webcrypto.CryptoKey> {
  const der = key.export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, algorithmParams(alg), false, ['sign']);
}

/** The SPKI DER of a key's public half; used to check that ca.key and ca.crt belong together. */
export function spkiDer(key: KeyObject): Buffer {
  return createPublicKey(key).export({ type: 'spki', format: 'der' });
}

/**
 * A random positive serial of 16 bytes. RFC 5280 wants at most 20 octets and a positive INTEGER;
 * clearing the top bit keeps it positive and a non-zero first byte keeps the DER minimal, which
 * strict parsers (OpenSSL) insist on.
 */
export function randomSerialHex(): string {
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = b[0]! & 0x7f || 0x01;
  return Buffer.from(b).toString('hex');
}
