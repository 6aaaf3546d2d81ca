/**
 * A real Samba Active Directory domain controller for integration tests (peers.md, "Samba AD DC").
 *
 * Each instance is provisioned from scratch into its own temp dir and listens only on its own
 * random loopback address (127.77.A.B): the LDAP ports 389/636 cannot be moved, so parallel test
 * files are kept apart by IP instead. `interfaces = IP/8` lets Samba bind the address without it
 * being added to `lo` (all of 127/8 is local on Linux).
 *
 * Nothing is written under /etc/samba or /var/lib/samba: provisioning is seeded with an empty
 * smb.conf inside the temp dir (otherwise samba-tool copies the host's /etc/samba/smb.conf
 * settings into the generated one) and every path Samba uses is pointed into the temp dir.
 *
 * Directory content is created with `samba-tool … -H ldap://IP -s <our smb.conf> -U Administrator%…`
 * against the running server: the server serialises the writes, so independent commands run in
 * parallel, and over LDAP a command takes ~0.2 s against ~0.4 s for opening sam.ldb directly.
 * `-s` matters: without it samba-tool takes the workgroup from the host's smb.conf and the NTLM
 * bind fails with AcceptSecurityContext error 51f.
 *
 * The directory (fixed content, see SambaAd):
 *   alice  ∈ Developers, KennekiAdmins        Developers ∈ Engineering ∈ Staff
 *   bob    ∈ Sales                            Sales ∈ Staff
 *   carol  ∈ Interns                          Interns ∈ Developers
 *   dave   primary group Contractors (so NOT in his memberOf, as in real AD)
 *   kenneki-svc: plain user Kenneki binds as for lookups
 *   LAPTOP-01$ ∈ Laptops, dNSHostName laptop-01.kenneki.test; LAPTOP-02$ in no group
 * Computer accounts are created disabled (userAccountControl 4098), as `samba-tool computer create` does.
 */
import { mustRun } from '../../simulations/peers/run-command.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export const SAMBA_REALM = 'KENNEKI.TEST';
export const SAMBA_DOMAIN = 'KENNEKI';
export const SAMBA_BASE_DN = 'DC=kenneki,DC=test';
const DNS_DOMAIN = 'kenneki.test';
/** The DC's own name (netbios DC, dc.kenneki.test): fixed, so the host's name (which may be too long for NetBIOS) plays no part. */
const DC_HOST = 'dc';

export type SambaUserName = 'alice' | 'bob' | 'carol' | 'dave';

export interface SambaUser {
  /** sAMAccountName, e.g. `alice`. */
  sam: string;
  /** userPrincipalName, e.g. `alice@kenneki.test`. */
  upn: string;
  /** Full DN, e.g. `CN=alice,CN=Users,DC=kenneki,DC=test`. */
  dn: string;
  password: string;
}

export interface SambaAd {
  /** The loopback address this DC alone listens on (127.77.A.B). */
  ip: string;
  /** `ldap://IP` (389; plain, StartTLS and simple binds allowed). */
  ldapUrl: string;
  /** `ldaps://IP` (636), certificate signed by `caPem` with SAN IP:`ip`. */
  ldapsUrl: string;
  /** `DC=kenneki,DC=test`. */
  baseDn: string;
  /** `KENNEKI.TEST`. */
  realm: string;
  /** NetBIOS domain, `KENNEKI`. */
  domain: string;
  /** `CN=Administrator,CN=Users,DC=kenneki,DC=test`. */
  adminDn: string;
  adminPassword: string;
  /** Full DN of the service account Kenneki binds as for lookups. */
  serviceDn: string;
  /** `kenneki-svc@kenneki.test` (AD accepts the UPN as a simple-bind name too). */
  servicePrincipal: string;
  servicePassword: string;
  users: Record<SambaUserName, SambaUser>;
  /** DN of a group created here (or a built-in one under CN=Users, e.g. `Domain Users`). */
  groupDn(name: string): string;
  /** DN of a computer account by its name without the `$`, e.g. `LAPTOP-01`. */
  computerDn(name: string): string;
  /** PEM of the CA that signed the DC's LDAPS/StartTLS certificate. */
  caPem: string;
  /** PEM of an unrelated CA: trusting only this one must make TLS to the DC fail. */
  wrongCaPem: string;
  /** The temp dir holding everything (smb.conf at etc/smb.conf, samba's log under log/). */
  dir: string;
  /** How long each phase took (ms): provisioning (with the certificates), start to ready, content. */
  timings: { provisionMs: number; startMs: number; populateMs: number };
  /** Everything samba printed so far (for failure messages). */
  output(): string;
  /** Applies LDIF with `ldapmodify` bound as Administrator over plain LDAP; rejects with its stderr. */
  ldapmodify(ldif: string): Promise<void>;
  /** SIGTERM, wait for exit, SIGKILL after a timeout. Idempotent. */
  stop(): Promise<void>;
  /** Removes the temp dir (call after stop()). */
  cleanup(): void;
}

const PASSWORDS = {
  admin: 'Kenneki-Adm1n-Pw',
  service: 'Kenneki-Svc-Pw-42',
  alice: 'Alice-Passw0rd!',
  bob: 'Bob-Passw0rd!',
  carol: 'Carol-Passw0rd!',
  dave: 'Dave-Passw0rd!',
} as const;

/** Group → direct members, in creation order. Members are sAMAccountNames (computers end in `$`). */
const GROUPS: Record<string, string[]> = {
  Developers: ['alice', 'Interns'],
  Interns: ['carol'],
  Engineering: ['Developers'],
  Sales: ['bob'],
  Staff: ['Engineering', 'Sales'],
  KennekiAdmins: ['alice'],
  Contractors: ['dave'],
  Laptops: ['LAPTOP-01$'],
};
const COMPUTERS = ['LAPTOP-01', 'LAPTOP-02'];

// ---------------------------------------------------------------------------------------------
// Tools

interface Tools {
  sambaTool: string;
  samba: string;
  ldapsearch: string;
  ldapmodify: string;
  openssl: string;
}

/** samba lives in /usr/sbin, which is not on every PATH. */
function findBin(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Fails (never skips) when a tool is missing, naming the Debian packages that provide it. */
export function requireSambaAd(): Tools {
  const want: [keyof Tools, string, string][] = [
    ['sambaTool', 'samba-tool', 'samba samba-ad-dc samba-dsdb-modules samba-ad-provision'],
    ['samba', 'samba', 'samba samba-ad-dc samba-dsdb-modules samba-ad-provision'],
    ['ldapsearch', 'ldapsearch', 'ldap-utils'],
    ['ldapmodify', 'ldapmodify', 'ldap-utils'],
    ['openssl', 'openssl', 'openssl'],
  ];
  const found: Partial<Tools> = {};
  const missing: string[] = [];
  for (const [key, bin, pkgs] of want) {
    const p = findBin(bin);
    if (p) found[key] = p;
    else missing.push(`${bin} (Debian: apt-get install ${pkgs})`);
  }
  if (missing.length > 0) {
    throw new Error(`Samba AD DC test peer: missing ${missing.join(', ')}. samba-ad-provision must be named explicitly.`);
  }
  return found as Tools;
}


// ---------------------------------------------------------------------------------------------
// Addresses and readiness

function tcpOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** A random 127.77.A.B nobody listens on yet (a collision with a parallel instance is also caught later, by domain SID). */
async function pickIp(): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const ip = `127.77.${randomInt(0, 256)}.${randomInt(1, 255)}`;
    if (!(await tcpOpen(ip, 389)) && !(await tcpOpen(ip, 636))) return ip;
  }
  throw new Error('no free 127.77.x.y address for a Samba AD DC');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Certificates

/**
 * A test CA, a server certificate with SAN IP:ip (Samba's self-generated one has none, so
 * hostname-verifying clients reject it), and a second unrelated CA. EC keys: fast to make.
 * Samba refuses a key file that is not mode 0600.
 */
async function makeCerts(openssl: string, dir: string, ip: string): Promise<{ key: string; cert: string; ca: string; wrongCa: string }> {
  mkdirSync(dir, { recursive: true });
  const p = (f: string) => join(dir, f);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const caExt = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];
  await Promise.all([
    mustRun(openssl, ['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '7', '-subj', '/CN=Kenneki Test AD CA', ...caExt]),
    mustRun(openssl, ['req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', `/CN=${ip}`]),
    mustRun(openssl, ['req', '-x509', ...ec, '-keyout', p('wrong-ca.key'), '-out', p('wrong-ca.pem'), '-days', '7', '-subj', '/CN=Kenneki Unrelated CA', ...caExt]),
  ]);
  writeFileSync(
    p('server.ext'),
    [
      `subjectAltName = IP:${ip}, DNS:${DC_HOST}.${DNS_DOMAIN}, DNS:${DNS_DOMAIN}`,
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature, keyAgreement',
      'extendedKeyUsage = serverAuth',
      '',
    ].join('\n'),
  );
  await mustRun(openssl, ['x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.pem'), '-days', '7', '-extfile', p('server.ext')]);
  chmodSync(p('server.key'), 0o600);
  return { key: p('server.key'), cert: p('server.pem'), ca: p('ca.pem'), wrongCa: p('wrong-ca.pem') };
}

// ---------------------------------------------------------------------------------------------

/** objectSid (binary, base64 from ldapsearch) → S-1-5-21-… */
function sidToString(b64: string): string {
  const b = Buffer.from(b64, 'base64');
  const count = b[1]!;
  const authority = b.readUIntBE(2, 6);
  const subs: number[] = [];
  for (let i = 0; i < count; i++) subs.push(b.readUInt32LE(8 + 4 * i));
  return `S-${b[0]}-${authority}${subs.map((s) => `-${s}`).join('')}`;
}

/** Values of one attribute in unwrapped (-o ldif-wrap=no) LDIF; base64 values stay base64. */
function ldifValues(ldif: string, attr: string): string[] {
  const re = new RegExp(`^${attr}::? (.*)$`, 'gim');
  return [...ldif.matchAll(re)].map((m) => m[1]!);
}

/**
 * Provisions a fresh domain (~4 s), starts samba (~0.3 s), fills in the fixed content (~3 s:
 * 23 samba-tool runs of ~0.3 s CPU each); ~7.7 s in all on 2 CPUs, far more when several
 * instances start at once. Call stop() and cleanup() when done (afterAll).
 */
export async function startSambaAd(): Promise<SambaAd> {
  const tools = requireSambaAd();
  const dir = mkdtempSync(join(tmpdir(), 'kenneki-samba-'));
  let child: ChildProcess | undefined;
  let out = '';
  let exited: Promise<void> = Promise.resolve();
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (!child || stopped) return exited;
    stopped = true;
    const c = child;
    if (c.exitCode === null && c.signalCode === null) {
      c.kill('SIGTERM');
      const killer = setTimeout(() => c.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
  };
  const cleanup = () => rmSync(dir, { recursive: true, force: true });

  try {
    const ip = await pickIp();
    const smbConf = join(dir, 'etc', 'smb.conf');
    mkdirSync(join(dir, 'etc'));
    // Empty seed: provision reads -s before writing it, and with the default (/etc/samba/smb.conf)
    // the host's [homes]/[printers] and global settings would leak into ours.
    writeFileSync(smbConf, '');
    // Samba-side tools never touch a real Kerberos ticket cache or the host's krb5.conf.
    const env = { KRB5CCNAME: `FILE:${join(dir, 'krb5cc')}`, KRB5_CONFIG: join(dir, 'private', 'krb5.conf') };

    const paths: Record<string, string> = {
      'log file': join(dir, 'log', 'samba.log'),
      'pid directory': join(dir, 'pid'),
      'lock directory': dir, // what --targetdir sets anyway
      'state directory': join(dir, 'state'),
      'cache directory': join(dir, 'cache'),
      'private dir': join(dir, 'private'),
      'binddns dir': join(dir, 'bind-dns'),
      'ncalrpc dir': join(dir, 'ncalrpc'),
      'winbindd socket directory': join(dir, 'winbindd'),
      'ntp signd socket directory': join(dir, 'ntp_signd'),
    };
    const options = {
      interfaces: `${ip}/8`,
      'bind interfaces only': 'yes',
      'server services': 'ldap',
      ...paths,
    };
    const provisionArgs = [
      'domain', 'provision',
      '-s', smbConf,
      `--targetdir=${dir}`,
      `--realm=${SAMBA_REALM}`,
      `--domain=${SAMBA_DOMAIN}`,
      `--host-name=${DC_HOST}`,
      '--server-role=dc',
      '--dns-backend=NONE',
      '--use-rfc2307',
      `--host-ip=${ip}`,
      `--adminpass=${PASSWORDS.admin}`,
      ...Object.entries(options).map(([k, v]) => `--option=${k}=${v}`),
    ];
    let t = Date.now();
    const [prov, certs] = await Promise.all([
      mustRun(tools.sambaTool, provisionArgs, { env, timeoutMs: 120_000 }),
      makeCerts(tools.openssl, join(dir, 'certs'), ip),
    ]);
    const provisionMs = Date.now() - t;
    const domainSid = /DOMAIN SID:\s+(S-[0-9-]+)/.exec(prov.stdout + prov.stderr)?.[1];
    if (!domainSid) throw new Error(`samba-tool domain provision printed no DOMAIN SID:\n${prov.stdout}${prov.stderr}`);

    // Our own settings go into [global] (appending at the end would land them in [netlogon]).
    const extra = [
      // Simple binds over plain LDAP (tests of Kenneki's own TLS choices need them).
      'ldap server require strong auth = no',
      'tls enabled = yes',
      `tls keyfile = ${certs.key}`,
      `tls certfile = ${certs.cert}`,
      `tls cafile = ${certs.ca}`,
    ];
    const conf = readFileSync(smbConf, 'utf8');
    if (!/^\[global\]$/m.test(conf)) throw new Error(`no [global] section in provisioned ${smbConf}:\n${conf}`);
    writeFileSync(smbConf, conf.replace(/^\[global\]$/m, `[global]\n${extra.map((l) => `\t${l}`).join('\n')}`));
    mkdirSync(join(dir, 'log'), { recursive: true });

    t = Date.now();
    // stdin is a pipe: `samba -i` exits when it reads EOF, i.e. also when this process dies.
    const c = spawn(tools.samba, ['-i', '-M', 'single', '-s', smbConf], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    child = c;
    c.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    c.stderr!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    // 'error' without 'exit' (spawn failure) must not leave stop() waiting forever.
    exited = new Promise((resolve) => {
      c.once('exit', () => resolve());
      c.once('error', (e) => {
        out += `\nspawn error: ${e.message}`;
        resolve();
      });
    });

    const adminDn = `CN=Administrator,CN=Users,${SAMBA_BASE_DN}`;
    const ldapUrl = `ldap://${ip}`;
    const ldapsUrl = `ldaps://${ip}`;
    const search = (args: string[]) =>
      mustRun(tools.ldapsearch, ['-LLL', '-o', 'ldif-wrap=no', '-x', '-H', ldapUrl, '-D', adminDn, '-w', PASSWORDS.admin, ...args], { timeoutMs: 10_000 });

    // Ready = both ports accept and an authenticated search answers. It must also be OUR DC:
    // the domain SID guards against another instance having taken the same IP meanwhile.
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`samba exited (${c.exitCode ?? c.signalCode}) before it was ready:\n${out}`);
      if (Date.now() > deadline) throw new Error(`samba on ${ip} not ready after 30 s:\n${out}`);
      if ((await tcpOpen(ip, 389, 200)) && (await tcpOpen(ip, 636, 200))) {
        const r = await search(['-b', SAMBA_BASE_DN, '-s', 'base', 'objectSid']).catch(() => undefined);
        if (r) {
          const sid = ldifValues(r.stdout, 'objectSid')[0];
          if (sid && sidToString(sid) === domainSid) break;
          throw new Error(`${ip} answers with another domain (SID ${sid ? sidToString(sid) : '?'}, ours ${domainSid})`);
        }
      }
      await sleep(50);
    }

    const startMs = Date.now() - t;
    t = Date.now();

    const toolAuth = ['-H', ldapUrl, '-s', smbConf, `-U`, `Administrator%${PASSWORDS.admin}`, '--use-kerberos=off'];
    const tool = (args: string[]) => mustRun(tools.sambaTool, [...args, ...toolAuth], { env });
    const ldapmodify = async (ldif: string): Promise<void> => {
      await mustRun(tools.ldapmodify, ['-x', '-H', ldapUrl, '-D', adminDn, '-w', PASSWORDS.admin], { input: ldif, timeoutMs: 10_000 });
    };

    const userNames: SambaUserName[] = ['alice', 'bob', 'carol', 'dave'];
    await Promise.all([
      ...userNames.map((u) => tool(['user', 'create', u, PASSWORDS[u]])),
      tool(['user', 'create', 'kenneki-svc', PASSWORDS.service, '--description=Kenneki lookup account']),
      ...Object.keys(GROUPS).map((g) => tool(['group', 'add', g])),
      ...COMPUTERS.map((name) => tool(['computer', 'create', name])),
    ]);
    await Promise.all(Object.entries(GROUPS).map(([g, members]) => tool(['group', 'addmembers', g, members.join(',')])));

    const groupDn = (name: string) => `CN=${name},CN=Users,${SAMBA_BASE_DN}`;
    const computerDn = (name: string) => `CN=${name.replace(/\$$/, '')},CN=Computers,${SAMBA_BASE_DN}`;
    const userDn = (name: string) => `CN=${name},CN=Users,${SAMBA_BASE_DN}`;

    // dave's primary group: AD requires him to be a member first, then drops the member link,
    // so Contractors shows up only via primaryGroupID (and tokenGroups), never in memberOf.
    const contractors = await search(['-b', groupDn('Contractors'), '-s', 'base', 'objectSid']);
    const contractorsSid = ldifValues(contractors.stdout, 'objectSid')[0];
    if (!contractorsSid) throw new Error(`no objectSid for Contractors:\n${contractors.stdout}`);
    const rid = sidToString(contractorsSid).split('-').pop()!;
    await ldapmodify(
      [
        `dn: ${userDn('dave')}`,
        'changetype: modify',
        'replace: primaryGroupID',
        `primaryGroupID: ${rid}`,
        '',
        `dn: ${computerDn('LAPTOP-01')}`,
        'changetype: modify',
        'replace: dNSHostName',
        `dNSHostName: laptop-01.${DNS_DOMAIN}`,
        '',
      ].join('\n'),
    );

    const populateMs = Date.now() - t;

    const users = Object.fromEntries(
      userNames.map((u) => [u, { sam: u, upn: `${u}@${DNS_DOMAIN}`, dn: userDn(u), password: PASSWORDS[u] }]),
    ) as Record<SambaUserName, SambaUser>;

    return {
      ip,
      ldapUrl,
      ldapsUrl,
      baseDn: SAMBA_BASE_DN,
      realm: SAMBA_REALM,
      domain: SAMBA_DOMAIN,
      adminDn,
      adminPassword: PASSWORDS.admin,
      serviceDn: userDn('kenneki-svc'),
      servicePrincipal: `kenneki-svc@${DNS_DOMAIN}`,
      servicePassword: PASSWORDS.service,
      users,
      groupDn,
      computerDn,
      caPem: readFileSync(certs.ca, 'utf8'),
      wrongCaPem: readFileSync(certs.wrongCa, 'utf8'),
      dir,
      timings: { provisionMs, startMs, populateMs },
      output: () => out,
      ldapmodify,
      stop,
      cleanup,
    };
  } catch (e) {
    await stop();
    cleanup();
    throw e;
  }
}

