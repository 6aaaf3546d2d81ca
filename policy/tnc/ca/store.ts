/**
 * Persistence of Kenneki's own certificate authority: `<dataDir>/ca/ca.key` (PKCS#8 PEM, 0600)
 * and `<dataDir>/ca/ca.crt`. The first call creates them; every later call loads the same pair,
 * so certificates issued before a restart keep chaining to the same root.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type KeyAlgorithm,
  algorithmParams,
  generateKeyPair,
  importSigningKey,
  keyAlgorithmOf,
  privateKeyToPem,
  randomSerialHex,
  spkiDer,
  x509,
} from './keys.js';
import type { Ca } from './types.js';

export interface LoadOrCreateCaOptions {
  /** Subject CN of a newly created CA; ignored when the CA already exists. */
  commonName?: string;
  /** Key type of a newly created CA; ignored when the CA already exists. */
  keyAlgorithm?: KeyAlgorithm;
}

const CA_VALIDITY_YEARS = 10;

export async function loadOrCreateCa(dataDir: string, opts: LoadOrCreateCaOptions = {}): Promise<Ca> {
  const caDir = join(dataDir, 'ca');
  const keyPath = join(caDir, 'ca.key');
  const certPath = join(caDir, 'ca.crt');
  const [hasKey, hasCert] = await Promise.all([exists(keyPath), exists(certPath)]);
  if (hasKey !== hasCert) {
    // Never silently regenerate half a CA: a fresh root would orphan every certificate issued so far.
    const missing = hasKey ? certPath : keyPath;
    throw new Error(`CA is incomplete: ${missing} is missing (restore it, or remove ${caDir} to create a new CA)`);
  }
  if (!hasKey) await createCa(dataDir, caDir, opts);
  return loadCa(keyPath, certPath);
}

async function createCa(dataDir: string, caDir: string, opts: LoadOrCreateCaOptions): Promise<void> {
  const alg = opts.keyAlgorithm ?? 'ecdsa-p256';
  const keys = await generateKeyPair(alg);
  const now = new Date();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_VALIDITY_YEARS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialHex(),
    // JSON name form, not a "CN=..." string, so a name containing ',' or '=' cannot add RDNs.
    name: [{ CN: [opts.commonName ?? 'Kenneki CA'] }],
    notBefore: now,
    notAfter,
    keys,
    signingAlgorithm: algorithmParams(alg),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // Build the pair in a private temp dir (mkdtemp makes it 0700) and rename it into place in one
  // step: a crash never leaves a key without its certificate, and of two racing processes exactly
  // one rename wins while the other simply loads the winner's CA.
  const tmp = await mkdtemp(join(dataDir, '.ca-tmp-'));
  try {
    // Mode at creation (umask can only remove bits), so the key is never briefly readable.
    await writeFile(join(tmp, 'ca.key'), await privateKeyToPem(keys.privateKey), { mode: 0o600, flag: 'wx' });
    await writeFile(join(tmp, 'ca.crt'), cert.toString('pem') + '\n', { mode: 0o644, flag: 'wx' });
    try {
      await rename(tmp, caDir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      // Someone else created <dataDir>/ca first (or it holds other files); loading decides which.
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function loadCa(keyPath: string, certPath: string): Promise<Ca> {
  if (process.platform !== 'win32') {
    const { mode } = await stat(keyPath);
    // Like ssh with identity files: any group/other permission on a private key means someone
    // else may have read (or replaced) it, so refuse rather than keep signing with it.
    if ((mode & 0o077) !== 0) {
      throw new Error(
        `refusing to use CA private key ${keyPath}: mode ${(mode & 0o777).toString(8).padStart(4, '0')} ` +
          `allows group/other access; run chmod 600 ${keyPath}`,
      );
    }
  }
  const [keyPem, certPem] = await Promise.all([readFile(keyPath, 'utf8'), readFile(certPath, 'utf8')]);

  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    // Only the file name and the parser's message: never echo the file's contents.
    throw new Error(`cannot parse CA private key ${keyPath}: ${(err as Error).message}`);
  }
  const alg = keyAlgorithmOf(key);
  if (!alg) throw new Error(`CA private key ${keyPath} is neither ECDSA P-256 nor RSA-2048`);

  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certPem);
  } catch (err) {
    throw new Error(`cannot parse CA certificate ${certPath}: ${(err as Error).message}`);
  }
  if (!spkiDer(key).equals(certificate.publicKey.export({ type: 'spki', format: 'der' }))) {
    throw new Error(`CA certificate ${certPath} does not match the private key ${keyPath}`);
  }
  if (!certificate.ca) throw new Error(`CA certificate ${certPath} is not a CA certificate (basicConstraints)`);

  return {
    certPem: certificate.toString(),
    certificate,
    keyAlgorithm: alg,
    issuerCertificate: new x509.X509Certificate(certPem),
    signingKey: await importSigningKey(key, alg),
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
