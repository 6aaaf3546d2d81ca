/**
 * Certificates signed by Kenneki's CA: the PT-TLS listener's server certificate (we generate the
 * key) and device certificates from device-supplied CSRs (the device keeps its key).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { type KeyAlgorithm, algorithmParams, generateKeyPair, privateKeyToPem, randomSerialHex, x509 } from './keys.js';
import type { Ca } from './types.js';

export interface ServerCertificateOptions {
  dnsNames: string[];
  ipAddresses: string[];
  keyAlgorithm?: KeyAlgorithm;
  /** Default 397 days: the longest lifetime browsers and most TLS policies still accept. */
  validityDays?: number;
}

export interface DeviceCertificateOptions {
  /** Becomes the subject CN; whatever subject the CSR asked for is ignored. */
  deviceId: string;
  validityDays?: number;
}

// Issued certificates start a little in the past so a peer whose clock lags ours still accepts them.
const BACKDATE_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export async function issueServerCertificate(
  ca: Ca,
  opts: ServerCertificateOptions,
): Promise<{ certPem: string; keyPem: string }> {
  for (const ip of opts.ipAddresses) if (isIP(ip) === 0) throw new Error(`not an IP address: ${JSON.stringify(ip)}`);
  for (const dns of opts.dnsNames) {
    if (!/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(dns)) {
      throw new Error(`not a DNS name: ${JSON.stringify(dns)}`);
    }
  }
  // TLS clients match only the SAN, so a certificate without one could never be verified.
  const first = opts.dnsNames[0] ?? opts.ipAddresses[0];
  if (first === undefined) throw new Error('a server certificate needs at least one DNS name or IP address');

  const alg = opts.keyAlgorithm ?? 'ecdsa-p256';
  const keys = await generateKeyPair(alg);
  const cert = await sign(ca, {
    subjectCn: first,
    publicKey: keys.publicKey,
    keyAlgorithm: alg,
    validityDays: opts.validityDays ?? 397,
    eku: x509.ExtendedKeyUsage.serverAuth,
    san: [
      ...opts.dnsNames.map((value) => ({ type: 'dns' as const, value })),
      ...opts.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
    ],
  });
  return { certPem: cert, keyPem: await privateKeyToPem(keys.privateKey) };
}

/** Whether a device id can be a certificate CN. */
export function isCertificateDeviceId(deviceId: string): boolean {
  // 64 is the X.520 upper bound for a CN; control characters would only confuse logs and matching.
  return deviceId.length > 0 && deviceId.length <= 64 && !/[\u0000-\u001f\u007f]/.test(deviceId);
}

export async function signDeviceCsr(ca: Ca, csrPem: string, opts: DeviceCertificateOptions): Promise<string> {
  const { deviceId } = opts;
  if (!isCertificateDeviceId(deviceId)) throw new Error(`invalid device id for a certificate CN: ${JSON.stringify(deviceId)}`);

  const { csr, keyAlgorithm } = await checkDeviceCsr(csrPem);
  return sign(ca, {
    subjectCn: deviceId,
    publicKey: csr.publicKey,
    keyAlgorithm,
    validityDays: opts.validityDays ?? 365,
    eku: x509.ExtendedKeyUsage.clientAuth,
    // Extensions requested in the CSR (SANs, CA:true, ...) are deliberately not copied.
    san: [],
  });
}

/**
 * Everything signDeviceCsr checks about the request itself (format, key strength, hash, proof of
 * possession), without signing: enrollment checks the CSR before it spends a one-time token.
 * Throws an Error whose message says what is wrong.
 */
export async function checkDeviceCsr(csrPem: string): Promise<{ csr: x509.Pkcs10CertificateRequest; keyAlgorithm: 'ec' | 'rsa' }> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (err) {
    throw new Error(`device CSR is not a valid PKCS#10 request: ${(err as Error).message}`);
  }
  // Key policy before the signature check only because WebCrypto cannot even verify with some
  // weak keys (e.g. P-192), and "key too weak" is the clearer error for those.
  const keyAlgorithm = checkDeviceKey(csr);
  const hash = (csr.signatureAlgorithm.hash as { name?: string } | undefined)?.name;
  if (hash === 'SHA-1' || hash === undefined) {
    throw new Error(`device CSR is signed with a weak or unknown hash (${hash ?? 'none'}); use SHA-256 or better`);
  }
  let valid = false;
  try {
    valid = await csr.verify();
  } catch {
    valid = false;
  }
  // Proof of possession: a CSR whose signature fails was not made by the holder of that key.
  if (!valid) throw new Error('device CSR signature is invalid (the request was altered or not signed by its key)');

  return { csr, keyAlgorithm };
}

/** Accepts EC P-256/P-384/P-521 and RSA >= 2048 bits; returns which family, for key usage bits. */
function checkDeviceKey(csr: x509.Pkcs10CertificateRequest): 'ec' | 'rsa' {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
  } catch (err) {
    throw new Error(`device CSR public key is unsupported or malformed: ${(err as Error).message}`);
  }
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    if (d.namedCurve && ['prime256v1', 'secp384r1', 'secp521r1'].includes(d.namedCurve)) return 'ec';
    throw new Error(`device CSR key is too weak or unsupported: EC curve ${d.namedCurve ?? 'unknown'} (need P-256 or stronger)`);
  }
  if (key.asymmetricKeyType === 'rsa') {
    if ((d.modulusLength ?? 0) >= 2048) return 'rsa';
    throw new Error(`device CSR key is too weak: RSA-${d.modulusLength ?? '?'} (need RSA-2048 or stronger)`);
  }
  throw new Error(`device CSR key type ${key.asymmetricKeyType ?? 'unknown'} is unsupported (need EC P-256+ or RSA-2048+)`);
}

interface SignParams {
  subjectCn: string;
  publicKey: x509.PublicKeyType;
  keyAlgorithm: KeyAlgorithm | 'ec' | 'rsa';
  validityDays: number;
  eku: x509.ExtendedKeyUsage;
  san: x509.JsonGeneralName[];
}

async function sign(ca: Ca, p: SignParams): Promise<string> {
  if (!Number.isInteger(p.validityDays) || p.validityDays < 1) {
    throw new Error(`validityDays must be a positive integer, got ${p.validityDays}`);
  }
  const now = Date.now();
  const notAfter = new Date(now + p.validityDays * DAY_MS);
  // An end-entity certificate must not outlive the CA that vouches for it.
  const caNotAfter = ca.issuerCertificate.notAfter;
  const rsa = p.keyAlgorithm === 'rsa' || p.keyAlgorithm === 'rsa-2048';
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    // RSA keys may also do key transport in TLS 1.2 RSA-kx suites; EC keys only sign.
    new x509.KeyUsagesExtension(
      rsa ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment : x509.KeyUsageFlags.digitalSignature,
      true,
    ),
    new x509.ExtendedKeyUsageExtension([p.eku], false),
    await x509.SubjectKeyIdentifierExtension.create(p.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(ca.issuerCertificate.publicKey),
  ];
  if (p.san.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(p.san, false));

  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: [{ CN: [p.subjectCn] }],
    issuer: ca.issuerCertificate.subjectName,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: notAfter > caNotAfter ? caNotAfter : notAfter,
    publicKey: p.publicKey,
    signingKey: ca.signingKey,
    signingAlgorithm: algorithmParams(ca.keyAlgorithm),
    extensions,
  });
  return cert.toString('pem') + '\n';
}
