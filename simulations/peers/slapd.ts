/**
 * A real OpenLDAP slapd for integration tests: a fresh directory per call, on free loopback
 * ports, with the memberOf and refint overlays, TLS (LDAPS and StartTLS) from a throwaway CA, and
 * a fixed little organisation (users, nested groups, computers, a service account).
 *
 * All data goes in over LDAP (`ldapadd`), never `slapadd`: slapadd writes the database directly
 * and so bypasses the overlays, leaving memberOf empty. OpenLDAP's memberOf holds **direct**
 * membership only (and it answers the AD in-chain rule 1.2.840.113556.1.4.1941 with no entries
 * and no error), so the nested groups here are what Kenneki must resolve itself.
 *
 * Needs the Debian packages slapd, ldap-utils and openssl; a missing one fails the test with the
 * package name (never skips).
 */
import { mustRun, runCommand } from './run-command.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killOnExit } from './kill-on-exit.js';

export type UserName = 'alice' | 'bob' | 'carol' | 'dave' | 'erin';
export type ComputerName = 'laptop-01' | 'laptop-02';
/** Every group the fixture creates (`Bulk` only when bulkUsers > 0). */
export type GroupName =
  | 'Developers'
  | 'Interns'
  | 'Sales'
  | 'Engineering'
  | 'Staff'
  | 'KennekiAdmins'
  | 'CycleA'
  | 'CycleB'
  | 'Laptops'
  | 'Bulk';

export interface LdapUser {
  uid: string;
  dn: string;
  /** Cleartext; stored as such in userPassword (simple bind compares it). */
  password: string;
}

/**
 * A computer entry: objectClass device + ipHost + ieee802Device + domainRelatedObject. The host
 * name is `cn` (RFC 2307 style, the RDN); the FQDN is `associatedDomain`; the MAC is `macAddress`
 * (lowercase, colon form, as nis.schema expects). laptop-01's `owner` is alice's DN.
 */
export interface LdapComputer {
  dn: string;
  hostname: string;
  fqdn: string;
  mac: string;
  ip: string;
}

export interface SlapdOptions {
  /** Adds `uid=bulk00001…` under ou=bulk, all members of group `Bulk`. Default 0. */
  bulkUsers?: number;
  /** Also listen on LDAPS and load a certificate for StartTLS. Default true. */
  tls?: boolean;
}

export interface Slapd {
  /** `ldap://127.0.0.1:<port>/` (plain, StartTLS available when tls). */
  url: string;
  /** `ldaps://127.0.0.1:<ldapsPort>/`, or undefined without tls. */
  ldapsUrl: string | undefined;
  port: number;
  ldapsPort: number | undefined;
  /** `dc=example,dc=test`. */
  baseDn: string;
  /** `cn=admin,dc=example,dc=test`: bypasses ACLs and size limits. */
  rootDn: string;
  rootPassword: string;
  /** `cn=kenneki,ou=services,…`: the account Kenneki binds as; reads everything but passwords, size-limited. */
  serviceDn: string;
  servicePassword: string;
  users: Record<UserName, LdapUser>;
  computers: Record<ComputerName, LdapComputer>;
  /** DNs of the bulk users (empty when bulkUsers is 0). */
  bulkUserDns: string[];
  /** Password of every bulk user. */
  bulkPassword: string;
  groupDn(name: GroupName | string): string;
  computerDn(name: ComputerName | string): string;
  /**
   * PEM of the CA that signed the server certificate (SAN IP:127.0.0.1, DNS:localhost). This and
   * the three below are '' when tls is false.
   */
  caPem: string;
  /** PEM of an unrelated CA: trusting only this must make TLS fail. */
  wrongCaPem: string;
  /** Paths of the same PEMs, e.g. for LDAPTLS_CACERT. */
  caFile: string;
  wrongCaFile: string;
  /** The temporary directory (config, TLS material, mdb data, LDIF files). */
  dir: string;
  /** Milliseconds: slapd spawn → accepting connections; and the initial ldapadd load. */
  timings: { startMs: number; loadMs: number };
  /** SIGTERM and wait for exit (SIGKILL after 5 s). Idempotent. */
  stop(): Promise<void>;
  /** Starts slapd again on the SAME ports and data (stops it first if running): for outage tests. */
  restart(): Promise<void>;
  /** `ldapadd` as rootdn; rejects with ldapadd's output on failure. */
  ldapadd(ldif: string): Promise<void>;
  /** `ldapmodify` as rootdn; rejects with ldapmodify's output on failure. */
  ldapmodify(ldif: string): Promise<void>;
  /** Stops slapd if needed, then removes the temporary directory. */
  cleanup(): Promise<void>;
}

const BASE_DN = 'dc=example,dc=test';
const ROOT_DN = `cn=admin,${BASE_DN}`;
const ROOT_PASSWORD = 'admin-Secret-1';
const SERVICE_DN = `cn=kenneki,ou=services,${BASE_DN}`;
const SERVICE_PASSWORD = 'kenneki-Service-1';
const BULK_PASSWORD = 'bulk-Secret-1';
/** What a plain (non-paged) search may return; paged searches get everything. */
export const SLAPD_SIZE_LIMIT = 500;

const PASSWORDS: Record<UserName, string> = {
  alice: 'alice-Secret-1',
  bob: 'bob-Secret-1',
  carol: 'carol-Secret-1',
  dave: 'dave-Secret-1',
  // Spaces and LDAP filter metacharacters: catches code that interpolates the password anywhere.
  erin: 'p@ss w0rd*)(\\',
};

const BINARIES: { path: string; pkg: string }[] = [
  { path: '/usr/sbin/slapd', pkg: 'slapd' },
  { path: '/usr/bin/ldapadd', pkg: 'ldap-utils' },
  { path: '/usr/bin/ldapmodify', pkg: 'ldap-utils' },
  { path: '/usr/bin/openssl', pkg: 'openssl' },
  // setpriv (util-linux, Essential) gives slapd a parent-death signal, see spawnSlapd.
  { path: '/usr/bin/setpriv', pkg: 'util-linux' },
];

/** Fails (never skips) when a tool is missing, naming the Debian package to install. */
export function requireSlapd(): void {
  const missing = BINARIES.filter((b) => !existsSync(b.path));
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((b) => b.pkg))];
    throw new Error(`${missing.map((b) => b.path).join(', ')} not found: install the Debian package(s) ${pkgs.join(' ')}`);
  }
}


/**
 * Free loopback ports: bind port 0 for each (all held at once, so they differ), read them,
 * release them; slapd binds them right after.
 */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Server>((resolve, reject) => {
          const srv = createServer();
          srv.once('error', reject);
          srv.listen(0, '127.0.0.1', () => resolve(srv));
        }),
    ),
  );
  const ports = servers.map((srv) => {
    const addr = srv.address();
    return typeof addr === 'object' && addr !== null ? addr.port : 0;
  });
  await Promise.all(servers.map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
  return ports;
}

function tcpAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

// ---------------------------------------------------------------------------------------------
// TLS material

const OPENSSL_CNF = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Writes ca.pem/ca.key, server.pem/server.key (signed by ca) and wrong-ca.pem (unrelated) in tls/. */
async function makeTlsMaterial(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const cnf = join(dir, 'openssl.cnf');
  writeFileSync(cnf, OPENSSL_CNF);
  const ca = (name: string, cn: string) =>
    mustRun('openssl', ['req', '-x509', '-new', '-config', cnf, '-extensions', 'ca_ext', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '30', '-subj', `/CN=${cn}`], { cwd: dir });
  await Promise.all([
    ca('ca', 'Kenneki Test LDAP CA'),
    ca('wrong-ca', 'Kenneki Test Unrelated CA'),
    mustRun('openssl', ['req', '-new', '-config', cnf, ...EC_KEY, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], { cwd: dir }),
  ]);
  await mustRun(
    'openssl',
    ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', `0x${Date.now().toString(16)}`, '-days', '30', '-extfile', cnf, '-extensions', 'server_ext', '-out', 'server.pem'],
    { cwd: dir },
  );
}

// ---------------------------------------------------------------------------------------------
// Config and data

function slapdConf(dir: string, tls: boolean): string {
  const schema = (n: string) => `include /etc/ldap/schema/${n}.schema`;
  const tlsDir = join(dir, 'tls');
  return [
    schema('core'),
    schema('cosine'),
    schema('nis'),
    schema('inetorgperson'),
    '',
    // One module per line: `moduleload back_mdb memberof refint` would load back_mdb only and
    // hand it "memberof refint" as module arguments.
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'moduleload memberof',
    'moduleload refint',
    '',
    `pidfile ${join(dir, 'slapd.pid')}`,
    `argsfile ${join(dir, 'slapd.args')}`,
    ...(tls
      ? [
          `TLSCACertificateFile ${join(tlsDir, 'ca.pem')}`,
          `TLSCertificateFile ${join(tlsDir, 'server.pem')}`,
          `TLSCertificateKeyFile ${join(tlsDir, 'server.key')}`,
          'TLSVerifyClient never',
        ]
      : []),
    '',
    // Frontend: the root DSE and schema stay public, so clients can discover StartTLS, paging etc.
    'access to dn.base="" by * read',
    'access to dn.base="cn=Subschema" by * read',
    '',
    'database mdb',
    `suffix "${BASE_DN}"`,
    `rootdn "${ROOT_DN}"`,
    `rootpw ${ROOT_PASSWORD}`,
    `directory ${join(dir, 'data')}`,
    'maxsize 268435456',
    // Tests never need durability across a crash of the machine; fsync per write would dominate
    // the bulk load.
    'dbnosync',
    'index objectClass eq',
    'index uid,cn,mail eq,sub',
    'index member,memberOf eq',
    'index macAddress,ipHostNumber,associatedDomain eq',
    '',
    // A plain search stops at 500 (sizeLimitExceeded); a paged one may use pages of up to 500 and
    // fetch any total. Without size.prtotal the hard limit would cap the paged total too.
    `limits * size.soft=${SLAPD_SIZE_LIMIT} size.hard=${SLAPD_SIZE_LIMIT} size.pr=${SLAPD_SIZE_LIMIT} size.prtotal=unlimited`,
    '',
    // Passwords: never readable; anonymous may authenticate (that is what a bind is); a user may
    // replace their own (=xw: auth + write without read).
    'access to attrs=userPassword',
    '  by self =xw',
    '  by anonymous auth',
    '  by * none',
    // Everything else: the service account reads all; a user reads their own entry; nothing else.
    'access to *',
    `  by dn.exact="${SERVICE_DN}" read`,
    '  by self read',
    '  by * none',
    '',
    'overlay memberof',
    'overlay refint',
    'refint_attributes member',
    '',
  ].join('\n');
}

/** LDIF value, base64 unless plainly safe (passwords always base64: spaces, `*)(`, …). */
function attr(name: string, value: string, forceB64 = false): string {
  const safe = /^[\x21-\x39\x3b\x3d-\x7e][\x20-\x7e]*$/.test(value) && !value.endsWith(' ');
  return forceB64 || !safe ? `${name}:: ${Buffer.from(value, 'utf8').toString('base64')}` : `${name}: ${value}`;
}

function entry(dn: string, lines: string[]): string {
  return [attr('dn', dn), ...lines].join('\n') + '\n\n';
}

function person(dn: string, uid: string, cn: string, sn: string, password: string): string {
  return entry(dn, [
    'objectClass: inetOrgPerson',
    `uid: ${uid}`,
    `cn: ${cn}`,
    `sn: ${sn}`,
    `mail: ${uid}@example.test`,
    attr('userPassword', password, true),
  ]);
}

function group(dn: string, cn: string, members: string[]): string {
  return entry(dn, ['objectClass: groupOfNames', `cn: ${cn}`, ...members.map((m) => `member: ${m}`)]);
}

// ---------------------------------------------------------------------------------------------

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
  output(): string;
}

/** Starts a slapd, started with -d 0 (foreground) on the given URLs; resolves once it accepts. */
async function spawnSlapd(conf: string, urls: string[], ports: number[]): Promise<Running> {
  // setpriv execs slapd (same pid) with PR_SET_PDEATHSIG, so even a SIGKILLed test worker takes
  // its slapd along.
  const child = spawn('/usr/bin/setpriv', ['--pdeathsig', 'TERM', '--', '/usr/sbin/slapd', '-d', '0', '-f', conf, '-h', urls.join(' ')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(child);
  let out = '';
  // Keep only the tail: -d 0 is quiet, but a long run should not grow memory.
  const onData = (d: Buffer) => (out = (out + d.toString('utf8')).slice(-20_000));
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let exitedFlag = false;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  void exited.then(() => (exitedFlag = true));
  const deadline = Date.now() + 15_000;
  // slapd binds its sockets early but listen()s only once the backends are open, so a TCP
  // connect succeeding means it serves requests.
  for (const port of ports) {
    for (;;) {
      if (exitedFlag) throw new Error(`slapd exited during start-up (code ${child.exitCode}):\n${out}`);
      if (await tcpAccepts(port)) break;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`slapd not accepting on 127.0.0.1:${port} after 15 s:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  return { child, exited, output: () => out };
}

async function stopSlapd(r: Running | undefined): Promise<void> {
  if (r === undefined) return;
  if (r.child.exitCode === null && r.child.signalCode === null) {
    r.child.kill('SIGTERM');
    const timer = setTimeout(() => r.child.kill('SIGKILL'), 5_000);
    await r.exited;
    clearTimeout(timer);
  }
  await r.exited;
}

/** Starts a fresh slapd with the fixture loaded. Always `await s.cleanup()` (e.g. in afterAll). */
export async function startSlapd(opts: SlapdOptions = {}): Promise<Slapd> {
  requireSlapd();
  const tls = opts.tls ?? true;
  const bulkUsers = opts.bulkUsers ?? 0;
  const dir = mkdtempSync(join(tmpdir(), 'kenneki-slapd-'));
  let running: Running | undefined;
  try {
    mkdirSync(join(dir, 'data'));
    const tlsDir = join(dir, 'tls');
    const [[port, ldapsPort]] = await Promise.all([freePorts(tls ? 2 : 1), tls ? makeTlsMaterial(tlsDir) : Promise.resolve()]);
    if (port === undefined) throw new Error('no free port');
    const url = `ldap://127.0.0.1:${port}/`;
    const ldapsUrl = ldapsPort !== undefined ? `ldaps://127.0.0.1:${ldapsPort}/` : undefined;
    const conf = join(dir, 'slapd.conf');
    writeFileSync(conf, slapdConf(dir, tls));
    const urls = [url, ...(ldapsUrl ? [ldapsUrl] : [])];
    const ports = [port, ...(ldapsPort !== undefined ? [ldapsPort] : [])];

    const t0 = performance.now();
    running = await spawnSlapd(conf, urls, ports);
    const startMs = performance.now() - t0;

    let ldifSeq = 0;
    const ldapTool = async (tool: 'ldapadd' | 'ldapmodify', ldif: string): Promise<void> => {
      const file = join(dir, `${tool}-${++ldifSeq}.ldif`);
      writeFileSync(file, ldif);
      const r = await runCommand(`/usr/bin/${tool}`, ['-x', '-H', url, '-D', ROOT_DN, '-w', ROOT_PASSWORD, '-f', file], { timeoutMs: 120_000 });
      if (r.code !== 0) throw new Error(`${tool} -f ${file} exited ${r.code}:\n${r.stderr}${r.stdout}`);
    };

    const people = `ou=people,${BASE_DN}`;
    const groups = `ou=groups,${BASE_DN}`;
    const computersOu = `ou=computers,${BASE_DN}`;
    const bulkOu = `ou=bulk,${BASE_DN}`;
    const groupDn = (name: string) => `cn=${name},${groups}`;
    const computerDn = (name: string) => `cn=${name},${computersOu}`;
    const userDn = (uid: string) => `uid=${uid},${people}`;

    const names: UserName[] = ['alice', 'bob', 'carol', 'dave', 'erin'];
    const users = Object.fromEntries(names.map((n) => [n, { uid: n, dn: userDn(n), password: PASSWORDS[n] }])) as Record<UserName, LdapUser>;
    const computers: Record<ComputerName, LdapComputer> = {
      'laptop-01': { dn: computerDn('laptop-01'), hostname: 'laptop-01', fqdn: 'laptop-01.example.test', mac: '02:00:5e:10:00:01', ip: '10.20.0.101' },
      'laptop-02': { dn: computerDn('laptop-02'), hostname: 'laptop-02', fqdn: 'laptop-02.example.test', mac: '02:00:5e:10:00:02', ip: '10.20.0.102' },
    };
    const bulkUserDns = Array.from({ length: bulkUsers }, (_, i) => `uid=bulk${String(i + 1).padStart(5, '0')},${bulkOu}`);

    // Order matters only for memberOf on groups: the overlay writes memberOf into a member that
    // already exists, so inner groups go before the groups that contain them.
    let ldif = entry(BASE_DN, ['objectClass: dcObject', 'objectClass: organization', 'dc: example', 'o: Example Test']);
    for (const ou of ['people', 'groups', 'computers', 'services', ...(bulkUsers > 0 ? ['bulk'] : [])]) {
      ldif += entry(`ou=${ou},${BASE_DN}`, ['objectClass: organizationalUnit', `ou: ${ou}`]);
    }
    for (const n of names) ldif += person(users[n].dn, n, n[0]!.toUpperCase() + n.slice(1), 'Test', users[n].password);
    for (const c of Object.values(computers)) {
      ldif += entry(c.dn, [
        'objectClass: device',
        'objectClass: ipHost',
        'objectClass: ieee802Device',
        'objectClass: domainRelatedObject',
        `cn: ${c.hostname}`,
        `ipHostNumber: ${c.ip}`,
        `macAddress: ${c.mac}`,
        `associatedDomain: ${c.fqdn}`,
        // The device's owner, as a DN (the `device` class's own attribute): MAB owner lookups.
        ...(c.hostname === 'laptop-01' ? [`owner: ${users.alice.dn}`] : []),
      ]);
    }
    ldif += entry(SERVICE_DN, [
      'objectClass: applicationProcess',
      'objectClass: simpleSecurityObject',
      'cn: kenneki',
      'description: Kenneki directory lookups',
      attr('userPassword', SERVICE_PASSWORD, true),
    ]);
    ldif += group(groupDn('Interns'), 'Interns', [users.carol.dn]);
    ldif += group(groupDn('Developers'), 'Developers', [users.alice.dn, groupDn('Interns')]);
    ldif += group(groupDn('Sales'), 'Sales', [users.bob.dn]);
    ldif += group(groupDn('Engineering'), 'Engineering', [groupDn('Developers')]);
    ldif += group(groupDn('Staff'), 'Staff', [groupDn('Engineering'), groupDn('Sales')]);
    ldif += group(groupDn('KennekiAdmins'), 'KennekiAdmins', [users.alice.dn]);
    ldif += group(groupDn('Laptops'), 'Laptops', [computers['laptop-01'].dn]);
    // The cycle: CycleA can only name CycleB once CycleB exists, hence the modify below.
    ldif += group(groupDn('CycleA'), 'CycleA', [users.dave.dn]);
    ldif += group(groupDn('CycleB'), 'CycleB', [groupDn('CycleA')]);
    for (const [i, dn] of bulkUserDns.entries()) {
      const uid = `bulk${String(i + 1).padStart(5, '0')}`;
      ldif += person(dn, uid, `Bulk User ${i + 1}`, 'Bulk', BULK_PASSWORD);
    }
    // One add with every member: the overlay then updates each member in the same operation.
    if (bulkUsers > 0) ldif += group(groupDn('Bulk'), 'Bulk', bulkUserDns);

    const t1 = performance.now();
    await ldapTool('ldapadd', ldif);
    await ldapTool('ldapmodify', [attr('dn', groupDn('CycleA')), 'changetype: modify', 'add: member', `member: ${groupDn('CycleB')}`, '-', ''].join('\n'));
    const loadMs = performance.now() - t1;

    const tlsFile = (n: string) => join(tlsDir, n);
    const slapd: Slapd = {
      url,
      ldapsUrl,
      port,
      ldapsPort,
      baseDn: BASE_DN,
      rootDn: ROOT_DN,
      rootPassword: ROOT_PASSWORD,
      serviceDn: SERVICE_DN,
      servicePassword: SERVICE_PASSWORD,
      users,
      computers,
      bulkUserDns,
      bulkPassword: BULK_PASSWORD,
      groupDn,
      computerDn,
      caPem: tls ? readFileSync(tlsFile('ca.pem'), 'utf8') : '',
      wrongCaPem: tls ? readFileSync(tlsFile('wrong-ca.pem'), 'utf8') : '',
      caFile: tls ? tlsFile('ca.pem') : '',
      wrongCaFile: tls ? tlsFile('wrong-ca.pem') : '',
      dir,
      timings: { startMs, loadMs },
      async stop() {
        const r = running;
        running = undefined;
        await stopSlapd(r);
      },
      async restart() {
        await slapd.stop();
        running = await spawnSlapd(conf, urls, ports);
      },
      ldapadd: (text) => ldapTool('ldapadd', text),
      ldapmodify: (text) => ldapTool('ldapmodify', text),
      async cleanup() {
        await slapd.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return slapd;
  } catch (e) {
    await stopSlapd(running);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
