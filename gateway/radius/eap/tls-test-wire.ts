/**
 * Test support: an in-memory wire for Node's TLS client as an EAP peer, and a throwaway
 * certificate. What the client writes is collected; what the server answers is pushed in.
 */
import { Duplex } from 'node:stream';
import { webcrypto } from 'node:crypto';
import { privateKeyToPem, x509 } from '../../../policy/tnc/ca/keys.js';

export interface TlsTestWire {
  wire: Duplex;
  /** The bytes written so far, cleared; waits up to `turns` turns for the first. */
  take(turns?: number): Promise<Buffer>;
}

export function tlsTestWire(): TlsTestWire {
  let sent: Buffer[] = [];
  const wire = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      sent.push(chunk);
      cb();
    },
  });
  return {
    wire,
    async take(turns = 50) {
      for (let i = 0; i < turns && sent.length === 0; i++) await new Promise((r) => setImmediate(r));
      const b = Buffer.concat(sent);
      sent = [];
      return b;
    },
  };
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/** A self-signed ECDSA P-256 certificate valid for an hour: PEM, DER and key PEM. */
export async function selfSignedCertificate(cn: string): Promise<{ pem: string; der: Buffer; key: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name: `CN=${cn}`, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 3_600_000), keys, signingAlgorithm: ALG });
  return { pem: cert.toString('pem'), der: Buffer.from(cert.rawData), key: await privateKeyToPem(keys.privateKey) };
}
