import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webcrypto, X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { x509 } from '../../../policy/tnc/ca/keys.js';
import { loadRevocationLists, normalizeSerial, Revocations } from './revocation.js';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const dir = mkdtempSync(join(tmpdir(), 'kenneki-crl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function ca(name: string) {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name: `CN=${name}, O=Test`, notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000), keys, signingAlgorithm: ALG });
  return { pem: cert.toString('pem'), cert, keys };
}

async function crl(issuer: Awaited<ReturnType<typeof ca>>, serials: string[], nextUpdate = new Date(Date.now() + 86_400_000)) {
  return x509.X509CrlGenerator.create({ issuer: issuer.cert.subject, thisUpdate: new Date(Date.now() - 60_000), nextUpdate, entries: serials.map((s) => ({ serialNumber: s, revocationDate: new Date() })), signingAlgorithm: ALG, signingKey: issuer.keys.privateKey });
}

describe('CRLs for EAP-TLS', () => {
  it('loads PEM (several per file) and DER CRLs signed by trusted CAs, keyed by the issuer as Node spells it', async () => {
    const [corp, lab] = [await ca('Corp CA'), await ca('Lab CA')];
    // OpenSSL labels a PEM CRL "X509 CRL", this library plain "CRL": one of each.
    const openSslStyle = (await crl(corp, ['0A1B', '02'])).toString('pem').replace(/ CRL-----/g, ' X509 CRL-----');
    writeFileSync(join(dir, 'both.pem'), openSslStyle + '\n' + (await crl(lab, [])).toString('pem'));
    writeFileSync(join(dir, 'corp.der'), Buffer.from((await crl(corp, ['ff'])).rawData));
    const lists = await loadRevocationLists([join(dir, 'both.pem'), join(dir, 'corp.der')], [corp.pem, lab.pem]);
    expect(lists.map((l) => [l.issuer, l.serials])).toEqual([
      [new X509Certificate(corp.pem).subject, ['a1b', '2']],
      [new X509Certificate(lab.pem).subject, []],
      [new X509Certificate(corp.pem).subject, ['ff']],
    ]);
  });

  it('refuses a CRL no trusted CA signed, and a file that is not a CRL, naming the file', async () => {
    const [corp, rogue] = [await ca('Corp CA'), await ca('Corp CA')];
    writeFileSync(join(dir, 'forged.pem'), (await crl(rogue, [])).toString('pem'));
    await expect(loadRevocationLists([join(dir, 'forged.pem')], [corp.pem])).rejects.toThrow(/forged\.pem: CRL of "CN=Corp CA, O=Test" is not signed by any trusted client CA/);
    writeFileSync(join(dir, 'junk.pem'), 'not a crl');
    await expect(loadRevocationLists([join(dir, 'junk.pem')], [corp.pem])).rejects.toThrow(/junk\.pem: not a CRL/);
  });

  it('refuses revoked serials, and every certificate of a CA whose CRL expired; leaves CAs without a CRL alone', () => {
    const r = new Revocations([{ issuer: 'CN=Corp CA', serials: ['a1b'], nextUpdate: '2026-12-01T00:00:00.000Z', file: '/etc/kenneki/corp.crl' }]);
    const now = Date.parse('2026-11-24T00:00:00Z');
    expect(r.check('CN=Corp CA', '0A1B', now)).toBe('client certificate revoked (serial a1b, /etc/kenneki/corp.crl)');
    expect(r.check('CN=Corp CA', '0A1C', now)).toBeUndefined();
    expect(r.check('CN=Other CA', '0A1B', now)).toBeUndefined();
    expect(r.check('CN=Corp CA', '0A1C', Date.parse('2026-12-02T00:00:00Z'))).toBe('the CRL of its CA expired at 2026-12-01T00:00:00.000Z (refresh /etc/kenneki/corp.crl)');
    r.replace([]);
    expect(r.check('CN=Corp CA', '0A1B', now)).toBeUndefined();
  });

  it('compares serial numbers however they are spelled', () => {
    expect(['0A1B', 'a1b', '000a1b'].map(normalizeSerial)).toEqual(['a1b', 'a1b', 'a1b']);
    expect(normalizeSerial('00')).toBe('0');
  });
});
