import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateCa } from './index.js';
import { x509 } from './keys.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kenneki-ca-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadOrCreateCa', () => {
  it('creates the CA once and reuses it on the next load', async () => {
    const first = await loadOrCreateCa(dir, { commonName: 'Test Root, Inc' });
    const second = await loadOrCreateCa(dir, { commonName: 'ignored on reload' });
    expect(second.certPem).toBe(first.certPem);
    expect(second.certificate.fingerprint256).toBe(first.certificate.fingerprint256);
    // The comma stays inside the CN rather than splitting into another RDN.
    expect(first.certificate.subject).toBe('CN=Test Root\\, Inc');
    expect(first.certificate.ca).toBe(true);
    expect(first.certificate.verify(first.certificate.publicKey)).toBe(true);
    expect(first.certificate.serialNumber).toMatch(/^[0-9A-F]{32}$/);
    const years = (Date.parse(first.certificate.validTo) - Date.parse(first.certificate.validFrom)) / (365.25 * 86400e3);
    expect(Math.round(years)).toBe(10);
    // CA:TRUE critical and keyUsage exactly keyCertSign + cRLSign, critical.
    const bc = first.issuerCertificate.getExtension(x509.BasicConstraintsExtension);
    expect(bc?.ca).toBe(true);
    expect(bc?.critical).toBe(true);
    const ku = first.issuerCertificate.getExtension(x509.KeyUsagesExtension);
    expect(ku?.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    expect(ku?.critical).toBe(true);
  });

  it('writes the key 0600 in a 0700 directory, as PKCS#8 PEM', async () => {
    await loadOrCreateCa(dir);
    expect((await stat(join(dir, 'ca', 'ca.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'ca'))).mode & 0o777).toBe(0o700);
    expect(await readFile(join(dir, 'ca', 'ca.key'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('refuses a group/world-readable key, naming the file', async () => {
    await loadOrCreateCa(dir);
    const keyPath = join(dir, 'ca', 'ca.key');
    await chmod(keyPath, 0o644);
    await expect(loadOrCreateCa(dir)).rejects.toThrow(`refusing to use CA private key ${keyPath}: mode 0644`);
  });

  it('refuses a half-present CA instead of silently creating a new root', async () => {
    await loadOrCreateCa(dir);
    await rm(join(dir, 'ca', 'ca.crt'));
    await expect(loadOrCreateCa(dir)).rejects.toThrow(/ca\.crt is missing/);
  });

  it('creates an RSA-2048 CA when asked', async () => {
    const ca = await loadOrCreateCa(dir, { keyAlgorithm: 'rsa-2048' });
    expect(ca.keyAlgorithm).toBe('rsa-2048');
    expect(ca.certificate.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect((await loadOrCreateCa(dir)).keyAlgorithm).toBe('rsa-2048');
  });
});
