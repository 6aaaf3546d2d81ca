/**
 * The EAP-TLS benchmark's PKI, made with the openssl CLI in a temp dir: a test CA, one server
 * certificate and N client certificates, all ECDSA P-256 (both servers use the same server key and
 * trust the same CA). The server chain file holds the leaf and the CA, which is what FreeRADIUS
 * sends too (auto_chain builds it from ca_file), so both servers send the same flight.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mustRun } from '../../peers/run-command.js';

const OPENSSL = '/usr/bin/openssl';
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export interface BenchPki {
  dir: string;
  caPem: string;
  serverKey: string;
  /** Server leaf only. */
  serverPem: string;
  /** Server leaf + CA. */
  serverChain: string;
  clients: { identity: string; pem: string; key: string }[];
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

export async function makePki(dir: string, clients: number): Promise<BenchPki> {
  if (!existsSync(OPENSSL)) throw new Error(`${OPENSSL} not found: install the Debian package openssl`);
  const p = (f: string) => join(dir, f);
  await mustRun(OPENSSL, ['req', '-x509', ...EC, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/O=Kenneki bench/CN=Bench EAP CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  writeFileSync(p('server.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:radius.bench.test\n');
  writeFileSync(p('client.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n');
  const issue = async (name: string, cn: string, ext: string) => {
    await mustRun(OPENSSL, ['req', '-new', ...EC, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', `/CN=${cn}`]);
    // A random serial per certificate (-set_serial would need bookkeeping; -CAcreateserial races).
    await mustRun(OPENSSL, ['x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-set_serial', `0x${Buffer.from(name).toString('hex')}`, '-days', '2', '-out', p(`${name}.pem`), '-extfile', p(ext)]);
  };
  await issue('server', 'radius.bench.test', 'server.ext');
  writeFileSync(p('server-chain.pem'), readFileSync(p('server.pem'), 'utf8') + readFileSync(p('ca.pem'), 'utf8'));
  const list = Array.from({ length: clients }, (_, i) => ({ identity: `host-${String(i + 1).padStart(4, '0')}.example.test`, name: `client-${String(i + 1).padStart(4, '0')}` }));
  await pool(list, 4, (c) => issue(c.name, c.identity, 'client.ext'));
  return {
    dir,
    caPem: p('ca.pem'),
    serverKey: p('server.key'),
    serverPem: p('server.pem'),
    serverChain: p('server-chain.pem'),
    clients: list.map((c) => ({ identity: c.identity, pem: p(`${c.name}.pem`), key: p(`${c.name}.key`) })),
  };
}

/** One eapol_test network block per client (shared/bench/peers/eapol-tls.conf, filled in). */
export function writeEapolConfs(pki: BenchPki, dir: string): string[] {
  return pki.clients.map((c, i) => {
    const path = join(dir, `eapol-${i + 1}.conf`);
    writeFileSync(
      path,
      ['network={', '\tkey_mgmt=IEEE8021X', '\teap=TLS', `\tidentity="${c.identity}"`, `\tca_cert="${pki.caPem}"`, `\tclient_cert="${c.pem}"`, `\tprivate_key="${c.key}"`, '}', ''].join('\n'),
    );
    return path;
  });
}
