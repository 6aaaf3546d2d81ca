/**
 * startEap from config: the EAP port a `radius.eap` section builds, with threads and CRL files,
 * and the clear start error a CRL no trusted CA signed gets.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../policy/config/load.js';
import { x509 } from '../../policy/tnc/ca/keys.js';
import { selfSignedCertificate } from './eap/tls-test-wire.js';
import { CrlWatchedPort } from './eap-crls.js';
import { startEap } from './eap-server.js';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const dir = mkdtempSync(join(tmpdir(), 'kenneki-eap-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const credentials = { checkPassword: async () => 'invalid' as const, ntHash: async () => undefined, labPassword: async () => undefined };
const log = pino({ level: 'silent' });

async function clientCa(name: string) {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name: `CN=${name}`, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000), keys, signingAlgorithm: ALG });
  const crl = await x509.X509CrlGenerator.create({ issuer: cert.subject, thisUpdate: new Date(), nextUpdate: new Date(Date.now() + 86_400_000), entries: [{ serialNumber: '0abc', revocationDate: new Date() }], signingAlgorithm: ALG, signingKey: keys.privateKey });
  return { pem: cert.toString('pem'), crl: crl.toString('pem') };
}

async function config(crl: string) {
  const server = await selfSignedCertificate('radius.test');
  const corp = await clientCa('Corp CA');
  writeFileSync(join(dir, 'server.pem'), server.pem);
  writeFileSync(join(dir, 'server.key'), server.key);
  writeFileSync(join(dir, 'corp.pem'), corp.pem);
  writeFileSync(join(dir, 'corp.crl'), crl === 'own' ? corp.crl : crl);
  writeFileSync(
    join(dir, 'kenneki.yaml'),
    `pt_tls:\n  enabled: false\nradius:\n  eap:\n    methods: [tls]\n    cert_file: server.pem\n    key_file: server.key\n    client_ca_files: [corp.pem]\n    crl_files: [corp.crl]\n    threads: 2\n`,
  );
  return loadConfig({ file: join(dir, 'kenneki.yaml'), cwd: dir });
}

describe('startEap', () => {
  it('builds EAP threads with the CRLs loaded and watched', async () => {
    const port = await startEap(await config('own'), undefined, credentials, log);
    try {
      expect(port).toBeInstanceOf(CrlWatchedPort);
      expect(port.stats().conversations).toBe(0);
    } finally {
      port.close();
    }
  });

  it('refuses to start with a CRL that no trusted client CA signed, naming the setting and the file', async () => {
    const stranger = await clientCa('Corp CA');
    await expect(startEap(await config(stranger.crl), undefined, credentials, log)).rejects.toMatchObject({
      code: 'KENNEKI_ERR_CONFIG_INVALID',
      message: expect.stringMatching(/^radius\.eap\.crl_files: .*corp\.crl: CRL of "CN=Corp CA" is not signed by any trusted client CA$/),
    });
  });
});
