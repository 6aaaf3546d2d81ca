import { execFileSync } from 'node:child_process';
import { X509Certificate, webcrypto } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ca, issueServerCertificate, loadOrCreateCa, signDeviceCsr } from './index.js';
import { algorithmParams, privateKeyToPem, x509 } from './keys.js';

let dir: string;
let ca: Ca;
let otherCa: Ca;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kenneki-ca-issue-'));
  ca = await loadOrCreateCa(join(dir, 'main'));
  otherCa = await loadOrCreateCa(join(dir, 'other'), { commonName: 'Some Other CA' });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A device's side of enrollment: its own key pair and a CSR signed with it. */
async function deviceCsr(cn = 'whatever-the-device-claims'): Promise<{ csrPem: string; keyPem: string }> {
  const alg = algorithmParams('ecdsa-p256');
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: [{ CN: [cn] }], keys, signingAlgorithm: alg });
  return { csrPem: csr.toString('pem'), keyPem: await privateKeyToPem(keys.privateKey) };
}

/**
 * One real TLS connection on 127.0.0.1. The server writes "hello" after its side of the handshake
 * succeeds, so resolving with "hello" means both sides accepted (with TLS 1.3 a rejected client
 * certificate only shows up after the client's handshake completes).
 */
async function talk(
  serverOpts: tls.TlsOptions,
  clientOpts: tls.ConnectionOptions,
): Promise<{ data: string; peerCn: string | undefined; authorized: boolean | undefined }> {
  let peerCn: string | undefined;
  let authorized: boolean | undefined;
  const server = tls.createServer(serverOpts, (sock) => {
    authorized = sock.authorized;
    const cn = (sock.getPeerCertificate() as tls.PeerCertificate | undefined)?.subject?.CN;
    peerCn = Array.isArray(cn) ? cn.join(',') : cn;
    sock.end('hello');
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const data = await new Promise<string>((resolve, reject) => {
      const sock = tls.connect({ host: '127.0.0.1', port, ...clientOpts });
      let buf = '';
      sock.setEncoding('utf8');
      sock.on('data', (d: string) => (buf += d));
      sock.on('end', () => resolve(buf));
      sock.on('close', () => resolve(buf));
      sock.on('error', reject);
    });
    return { data, peerCn, authorized };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function requireOpenssl(): void {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(
      `the openssl binary is required for this test (install the Debian package "openssl"): ${(err as Error).message}`,
    );
  }
}

describe('issueServerCertificate', () => {
  it('issues a serverAuth certificate with the SANs that verifies against the CA', async () => {
    const { certPem, keyPem } = await issueServerCertificate(ca, {
      dnsNames: ['kenneki.test'],
      ipAddresses: ['127.0.0.1', '::1'],
    });
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const cert = new X509Certificate(certPem);
    expect(cert.verify(ca.certificate.publicKey)).toBe(true);
    expect(cert.checkIssued(ca.certificate)).toBe(true);
    expect(cert.verify(otherCa.certificate.publicKey)).toBe(false);
    expect(cert.ca).toBe(false);
    expect(cert.checkHost('kenneki.test')).toBe('kenneki.test');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(cert.checkIP('10.0.0.1')).toBeUndefined();
    expect(cert.subjectAltName).toContain('DNS:kenneki.test');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86400e3;
    expect(Math.round(days)).toBe(397);
  });

  it('serves a real TLS handshake to a client trusting only the CA, and fails for another CA', async () => {
    const { certPem, keyPem } = await issueServerCertificate(ca, { dnsNames: [], ipAddresses: ['127.0.0.1'] });
    let checkedIdentity = false;
    const ok = await talk(
      { key: keyPem, cert: certPem },
      {
        ca: [ca.certPem],
        // Connecting to an IP: identity must come from the IP SAN (no SNI, no DNS name to match).
        checkServerIdentity: (host, peer) => {
          checkedIdentity = true;
          return tls.checkServerIdentity(host, peer);
        },
      },
    );
    expect(ok.data).toBe('hello');
    expect(checkedIdentity).toBe(true);

    await expect(talk({ key: keyPem, cert: certPem }, { ca: [otherCa.certPem] })).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });

  it('rejects a host the certificate was not issued for', async () => {
    const { certPem, keyPem } = await issueServerCertificate(ca, { dnsNames: [], ipAddresses: ['10.9.9.9'] });
    await expect(talk({ key: keyPem, cert: certPem }, { ca: [ca.certPem] })).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });

  it('is accepted by `openssl verify` (RSA CA and RSA server key, sslserver purpose)', async () => {
    requireOpenssl();
    const rsaCa = await loadOrCreateCa(join(dir, 'rsa'), { keyAlgorithm: 'rsa-2048' });
    const { certPem } = await issueServerCertificate(rsaCa, {
      dnsNames: ['pt-tls.kenneki.test'],
      ipAddresses: ['192.0.2.7'],
      keyAlgorithm: 'rsa-2048',
    });
    const caFile = join(dir, 'rsa-ca.pem');
    const certFile = join(dir, 'rsa-server.pem');
    await writeFile(caFile, rsaCa.certPem);
    await writeFile(certFile, certPem);
    const out = execFileSync('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', caFile, certFile], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe(`${certFile}: OK`);
  });

  it('rejects requests without a usable name', async () => {
    await expect(issueServerCertificate(ca, { dnsNames: [], ipAddresses: [] })).rejects.toThrow(/at least one/);
    await expect(issueServerCertificate(ca, { dnsNames: [], ipAddresses: ['999.1.1.1'] })).rejects.toThrow(
      /not an IP address/,
    );
    await expect(issueServerCertificate(ca, { dnsNames: ['bad name,CN=x'], ipAddresses: [] })).rejects.toThrow(
      /not a DNS name/,
    );
  });
});

describe('signDeviceCsr', () => {
  it('signs a CSR with subject CN = deviceId and clientAuth, usable as a TLS client certificate', async () => {
    const { csrPem, keyPem } = await deviceCsr();
    const certPem = await signDeviceCsr(ca, csrPem, { deviceId: 'dev-0042' });
    const cert = new X509Certificate(certPem);
    expect(cert.subject).toBe('CN=dev-0042');
    expect(cert.checkIssued(ca.certificate)).toBe(true);
    expect(cert.verify(ca.certificate.publicKey)).toBe(true);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.subjectAltName).toBeUndefined();
    expect(Math.round((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86400e3)).toBe(365);

    const server = await issueServerCertificate(ca, { dnsNames: [], ipAddresses: ['127.0.0.1'] });
    const mtls = { key: server.keyPem, cert: server.certPem, ca: [ca.certPem], requestCert: true, rejectUnauthorized: true };
    const ok = await talk(mtls, { ca: [ca.certPem], key: keyPem, cert: certPem });
    expect(ok).toEqual({ data: 'hello', peerCn: 'dev-0042', authorized: true });

    // The same device key with a certificate from another CA is turned away by the server.
    const foreign = await signDeviceCsr(otherCa, csrPem, { deviceId: 'dev-0042' });
    // With TLS 1.3 the client may see either an alert (error) or a bare close; either way the
    // server never reached its secure-connection handler, so no "hello" and no authorized peer.
    const refused = await talk(mtls, { ca: [ca.certPem], key: keyPem, cert: foreign }).catch((e: Error) => e);
    if (refused instanceof Error) expect(refused.message).toMatch(/alert|certificate|socket/i);
    else expect(refused).toEqual({ data: '', peerCn: undefined, authorized: undefined });
  });

  it('device certificates pass `openssl verify` with the sslclient purpose', async () => {
    requireOpenssl();
    const certPem = await signDeviceCsr(ca, (await deviceCsr()).csrPem, { deviceId: 'dev-7' });
    const caFile = join(dir, 'ca.pem');
    const certFile = join(dir, 'device.pem');
    await writeFile(caFile, ca.certPem);
    await writeFile(certFile, certPem);
    const out = execFileSync('openssl', ['verify', '-x509_strict', '-purpose', 'sslclient', '-CAfile', caFile, certFile], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe(`${certFile}: OK`);
  });

  it('rejects a tampered CSR', async () => {
    const { csrPem } = await deviceCsr('device-aaaa');
    const der = Buffer.from(new x509.Pkcs10CertificateRequest(csrPem).rawData);
    const at = der.indexOf('device-aaaa');
    expect(at).toBeGreaterThan(0);
    der.write('device-bbbb', at, 'latin1');
    const tampered = new x509.Pkcs10CertificateRequest(der).toString('pem');
    await expect(signDeviceCsr(ca, tampered, { deviceId: 'dev-1' })).rejects.toThrow(/CSR signature is invalid/);
  });

  it('rejects garbage, weak keys and bad device ids with clear errors', async () => {
    requireOpenssl();
    await expect(signDeviceCsr(ca, 'not a csr', { deviceId: 'dev-1' })).rejects.toThrow(/not a valid PKCS#10/);
    const weakRsa = execFileSync(
      'openssl',
      ['req', '-new', '-newkey', 'rsa:1024', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=weak'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await expect(signDeviceCsr(ca, weakRsa, { deviceId: 'dev-1' })).rejects.toThrow(/too weak: RSA-1024/);
    const { csrPem } = await deviceCsr();
    await expect(signDeviceCsr(ca, csrPem, { deviceId: '' })).rejects.toThrow(/invalid device id/);
    await expect(signDeviceCsr(ca, csrPem, { deviceId: 'a\nb' })).rejects.toThrow(/invalid device id/);
  });

  it('keeps a deviceId with DN metacharacters inside one CN', async () => {
    const { csrPem } = await deviceCsr();
    const cert = new X509Certificate(await signDeviceCsr(ca, csrPem, { deviceId: 'x,CN=admin+O=evil' }));
    expect(cert.subject.split('\n')).toHaveLength(1);
    expect(new x509.X509Certificate(cert.raw).subjectName.getField('CN')).toEqual(['x,CN=admin+O=evil']);
  });
});
