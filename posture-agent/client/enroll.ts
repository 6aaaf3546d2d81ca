/**
 * `kenneki-agent enroll`: a key pair made on the device (the private key never leaves it), a CSR,
 * and a device certificate from Kenneki's CA, in exchange for a one-time token. The server is
 * checked against the CA pin inside the token before the token's secret is sent.
 */
import { createPrivateKey, createPublicKey, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { parseEnrollmentToken, pinOfDer } from '../../policy/tnc/ca/enrollment-token.js';
import { decodeEnrollmentResponse, encodeEnrollmentRequest, isEnrollmentResponse, type EnrollmentErrorCode } from '../../policy/tnc/pt/kenneki-enrollment.js';
import { decodePtBody, ptMessage } from '../../policy/tnc/pt/bodies.js';
import { PT_TYPE } from '../../policy/tnc/pt/message.js';
import type { Enrollment } from '../state/enrollment.js';
import { AgentConnectError, PtTlsTransport } from './transport.js';

x509.cryptoProvider.set(webcrypto);

export interface EnrollOptions {
  host: string;
  port: number;
  token: string;
  vendorId: number;
  machineId?: string;
  hostname?: string;
  timeoutMs?: number;
  now?: () => Date;
}

/** What the user reads when the server refuses; the server's message follows it. */
const REFUSAL: Record<EnrollmentErrorCode, string> = {
  'token-unknown': 'the server does not know this token',
  'token-used': 'this token was already used',
  'token-expired': 'this token has expired',
  'csr-invalid': 'the server refused the certificate request',
  'device-taken': 'this device is already enrolled',
  'not-available': 'enrollment is not available on this server',
  internal: 'the server failed to enroll the device',
};

export class EnrollmentRefused extends Error {
  override readonly name = 'EnrollmentRefused';
  constructor(readonly code: EnrollmentErrorCode | 'protocol', message: string) {
    super(message);
  }
}

async function deviceKeyAndCsr(subject: string): Promise<{ keyPem: string; csrPem: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  // The CN is only a hint: the server names the certificate after the device id it decides.
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${subject.replace(/[,=+<>#;\\"]/g, '_')}`, keys, signingAlgorithm: alg });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }).toString();
  return { keyPem, csrPem: csr.toString('pem') };
}

export async function enroll(opts: EnrollOptions): Promise<Enrollment> {
  const parsed = parseEnrollmentToken(opts.token);
  if ('error' in parsed) throw new EnrollmentRefused('token-unknown', `the token is not valid: ${parsed.error}`);
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const { keyPem, csrPem } = await deviceKeyAndCsr(opts.hostname ?? opts.machineId ?? 'kenneki-agent');

  // Throws AgentConnectError('untrusted') before anything is sent when the CA does not match.
  const t = await PtTlsTransport.connect({ host: opts.host, port: opts.port, pin: parsed.pin, connectTimeoutMs: timeoutMs });
  try {
    t.send([ptMessage({ type: PT_TYPE.VERSION_REQUEST, min: 1, max: 1, pref: 1 }, t.newId())]);
    // Version Response, then SASL Mechanisms: the enrollment request takes the place of SASL.
    for (let i = 0; i < 2; i++) {
      const b = decodePtBody(await t.next(timeoutMs));
      if (b.type === PT_TYPE.ERROR) throw new EnrollmentRefused('protocol', `the server refused the exchange (PT-TLS error ${b.code})`);
    }
    const request = { secret: parsed.secret, csr: csrPem, ...(opts.machineId ? { machineId: opts.machineId } : {}), ...(opts.hostname ? { hostname: opts.hostname } : {}) };
    t.send([encodeEnrollmentRequest(opts.vendorId, request, t.newId())]);
    const m = await t.next(timeoutMs).catch((e: unknown) => {
      if (e instanceof AgentConnectError && e.kind === 'closed') {
        throw new EnrollmentRefused('not-available', `the server closed the connection without answering: it may not support enrollment, or its PT-TLS vendor id is not ${opts.vendorId} (--vendor-id)`);
      }
      throw e;
    });
    if (!isEnrollmentResponse(m, opts.vendorId)) {
      const b = (() => {
        try {
          return decodePtBody(m);
        } catch {
          return undefined;
        }
      })();
      const what = b?.type === PT_TYPE.ERROR ? `PT-TLS error ${b.code}` : `message ${m.vendor}/${m.type}`;
      throw new EnrollmentRefused('not-available', `the server answered the enrollment with ${what}: it may not support enrollment, or its PT-TLS vendor id is not ${opts.vendorId} (--vendor-id)`);
    }
    const r = decodeEnrollmentResponse(m);
    if (!r.ok) throw new EnrollmentRefused(r.code, `${REFUSAL[r.code]}: ${r.message}`);

    // Trust nothing we did not pin: the CA returned must be the pinned one, and must have issued our certificate.
    const ca = new X509Certificate(r.caCertificate);
    if (pinOfDer(ca.raw) !== parsed.pin) throw new EnrollmentRefused('protocol', 'the server returned a CA certificate other than the one pinned in the token');
    const cert = new X509Certificate(r.certificate);
    if (!cert.verify(ca.publicKey)) throw new EnrollmentRefused('protocol', 'the device certificate returned is not signed by the pinned CA');
    if (!cert.publicKey.equals(createPublicKey(keyPem))) {
      throw new EnrollmentRefused('protocol', 'the device certificate returned is not for the key this device made');
    }
    return {
      host: opts.host,
      port: opts.port,
      vendorId: opts.vendorId,
      tenantId: r.tenantId,
      endpointId: r.endpointId,
      deviceId: r.deviceId,
      enrolledAt: (opts.now?.() ?? new Date()).toISOString(),
      caPem: r.caCertificate,
      certPem: r.certificate,
      keyPem,
      credential: r.deviceCredential,
    };
  } finally {
    t.close();
  }
}
