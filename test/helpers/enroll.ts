/**
 * What `kenneki-agent enroll` does on the wire, for tests: TLS to the PT-TLS port, check the CA the
 * server sent against the token's pin before sending anything, version exchange, one Enrollment
 * Request, one Enrollment Response, close.
 */
import { X509Certificate, webcrypto } from 'node:crypto';
import type { DetailedPeerCertificate } from 'node:tls';
import { parseEnrollmentToken, pinOfDer } from '../../policy/tnc/ca/enrollment-token.js';
import { algorithmParams, privateKeyToPem, x509 } from '../../policy/tnc/ca/keys.js';
import { TestClient, bodyOf } from '../../policy/tnc/broker/test-client.js';
import { signDeviceCsr } from '../../policy/tnc/ca/index.js';
import { PtTlsTestConnection } from '../../policy/tnc/listener/test-connection.js';
import { KENNEKI_VENDOR_ID } from '../../policy/tnc/pa/constants.js';
import { decodeEnrollmentResponse, encodeEnrollmentRequest, isEnrollmentResponse, type EnrollmentRequest, type EnrollmentResponse } from '../../policy/tnc/pt/kenneki-enrollment.js';

/** A device key pair and its CSR (PEM), as the agent makes them. */
export async function deviceCsr(cn = 'whatever-the-device-asks'): Promise<{ csrPem: string; keyPem: string }> {
  const alg = algorithmParams('ecdsa-p256');
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: [{ CN: [cn] }], keys, signingAlgorithm: alg });
  return { csrPem: csr.toString('pem'), keyPem: await privateKeyToPem(keys.privateKey) };
}

/**
 * Opens a PT-TLS connection that trusts nothing yet, and checks the last certificate of the chain
 * the server sent against the pin, and that it issued the server's certificate. Throws otherwise.
 */
export async function openPinned(port: number, pin: string): Promise<PtTlsTestConnection> {
  const c = PtTlsTestConnection.open(port, '', { ca: undefined, rejectUnauthorized: false, servername: 'localhost' });
  await c.secure;
  const leaf = c.sock.getPeerCertificate(true) as DetailedPeerCertificate;
  let top = leaf;
  while (top.issuerCertificate && top.issuerCertificate !== top && top.issuerCertificate.fingerprint256 !== top.fingerprint256) top = top.issuerCertificate;
  if (top === leaf) throw new Error('the server sent no CA certificate with its own');
  if (pinOfDer(top.raw) !== pin) throw new Error('the CA the server sent does not match the token pin');
  if (!new X509Certificate(leaf.raw).verify(new X509Certificate(top.raw).publicKey)) throw new Error('the server certificate was not issued by the pinned CA');
  return c;
}

export interface EnrollOptions {
  port: number;
  token: string;
  csrPem: string;
  machineId?: string;
  hostname?: string;
  vendorId?: number;
  /** Extra TLS options (a client certificate, say); the pin is still checked. */
}

export async function enrollOverPtTls(o: EnrollOptions): Promise<EnrollmentResponse> {
  const parsed = parseEnrollmentToken(o.token);
  if ('error' in parsed) throw new Error(parsed.error);
  const c = await openPinned(o.port, parsed.pin);
  const client = new TestClient();
  c.send(client.versionRequest());
  const [v] = await c.take(2);
  if (bodyOf(v!).type !== 2) throw new Error('no Version Response');
  const req: EnrollmentRequest = { secret: parsed.secret, csr: o.csrPem, ...(o.machineId !== undefined ? { machineId: o.machineId } : {}), ...(o.hostname !== undefined ? { hostname: o.hostname } : {}) };
  const vendor = o.vendorId ?? KENNEKI_VENDOR_ID;
  c.send(encodeEnrollmentRequest(vendor, req, 100));
  const [reply] = await c.take(1, 10_000);
  if (!isEnrollmentResponse(reply!, vendor)) throw new Error(`expected an Enrollment Response, got ${JSON.stringify(bodyOf(reply!))}`);
  await c.closed;
  return decodeEnrollmentResponse(reply!);
}

/** A device key and a certificate for it from `authority` (what enrollment leaves on a device), e.g. for EAP-TLS. */
export async function deviceCertificate(authority: Parameters<typeof signDeviceCsr>[0], deviceId: string): Promise<{ certPem: string; keyPem: string }> {
  const { csrPem, keyPem } = await deviceCsr(deviceId);
  return { certPem: await signDeviceCsr(authority, csrPem, { deviceId }), keyPem };
}
