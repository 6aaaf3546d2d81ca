/**
 * A real IKEv2 remote-access VPN for integration tests: strongSwan's charon as the gateway (NAS)
 * authenticating clients through `eap-radius` against the RADIUS server under test, and charon
 * as the client with EAP-TLS and a virtual IP (`vips = 0.0.0.0`), each in a network namespace
 * of the test's own, joined by a veth pair (the "internet" link).
 *
 * - The kernel here has no ESP, so both charons load kernel-libipsec before kernel-netlink:
 *   userspace ESP, always UDP-encapsulated (`encap = yes`, port 4500), through a TUN device.
 *   The client's virtual IP lives on its TUN device, and the routes to the gateway's networks
 *   (routing table 220) go through it.
 * - Every charon writes /var/run/charon.pid (/var/run is /run), so each runs in a mount namespace
 *   of its own with a private folder bind-mounted on /run. The vici socket sits in that folder at
 *   its real path, so swanctl runs from the test's own namespaces with `--uri`.
 * - strongswan.conf comes from STRONGSWAN_CONF (never /etc/strongswan.conf), with
 *   `load_modular = no` and an explicit plugin list (kdf included); swanctl reads the same file.
 *   One key per line in both files.
 * - The gateway's accounting (`eap-radius { accounting = yes }`) sends Accounting-Start with
 *   Framed-IP-Address = the virtual IP, and Accounting-Stop when the IKE_SA goes.
 *
 * Needs root and the Debian packages strongswan-charon, strongswan-swanctl,
 * libcharon-extra-plugins (eap-radius, eap-tls, kernel-libipsec), libstrongswan,
 * libstrongswan-standard-plugins (openssl), strongswan-libcharon (socket-default), iproute2,
 * util-linux and mount; a missing one FAILS the caller with the package name (never skips).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueServerCertificate, type Ca } from '../../policy/tnc/ca/index.js';
import { spawnPeer, type PeerProcess } from './dhcp-peers.js';

// ---------------------------------------------------------------------------------------------
// Binaries and plugins

export interface StrongSwanVpnPaths {
  charon: string;
  swanctl: string;
  /** Folder of the libstrongswan-<name>.so plugins. */
  pluginDir: string;
  ip: string;
  unshare: string;
  mount: string;
  setpriv: string;
  sh: string;
}

/** Each plugin either charon loads, and the Debian package that ships it. */
const PLUGIN_PACKAGES: Record<string, string> = {
  random: 'libstrongswan',
  nonce: 'libstrongswan',
  pem: 'libstrongswan',
  pkcs1: 'libstrongswan',
  pkcs8: 'libstrongswan',
  x509: 'libstrongswan',
  pubkey: 'libstrongswan',
  constraints: 'libstrongswan',
  kdf: 'libstrongswan',
  sha1: 'libstrongswan',
  sha2: 'libstrongswan',
  hmac: 'libstrongswan',
  aes: 'libstrongswan',
  'kernel-netlink': 'libstrongswan',
  openssl: 'libstrongswan-standard-plugins',
  gcm: 'libstrongswan-standard-plugins',
  'socket-default': 'strongswan-libcharon',
  vici: 'strongswan-swanctl',
  'kernel-libipsec': 'libcharon-extra-plugins',
  'eap-radius': 'libcharon-extra-plugins',
  'eap-tls': 'libcharon-extra-plugins',
};

// Order matters: kernel-libipsec must come before kernel-netlink (userspace ESP, no kernel ESP).
const COMMON_PLUGINS = ['random', 'nonce', 'openssl', 'pem', 'pkcs1', 'pkcs8', 'x509', 'pubkey', 'constraints', 'kdf', 'sha1', 'sha2', 'hmac', 'aes', 'gcm', 'kernel-libipsec', 'kernel-netlink', 'socket-default', 'vici'];
const GATEWAY_PLUGINS = [...COMMON_PLUGINS, 'eap-radius'];
const CLIENT_PLUGINS = [...COMMON_PLUGINS, 'eap-tls'];
/** What swanctl itself needs to parse certificates and keys (it loads them before sending them to charon). */
const SWANCTL_PLUGINS = ['random', 'nonce', 'openssl', 'pem', 'pkcs1', 'pkcs8', 'x509', 'pubkey', 'sha1', 'sha2'];

const SEARCH_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];
const find = (name: string): string | undefined => SEARCH_DIRS.map((d) => join(d, name)).find((p) => existsSync(p));

let checked: StrongSwanVpnPaths | undefined;

/**
 * The paths of everything the VPN peers need; throws (never skips) naming the Debian packages to
 * install when something is missing. `override` replaces a default path (the harness's own test
 * points one at a file that does not exist).
 */
export function requireStrongSwanVpn(override: Partial<StrongSwanVpnPaths> = {}): StrongSwanVpnPaths {
  if (checked && Object.keys(override).length === 0) return checked;
  const missing: { what: string; pkg: string }[] = [];
  const bin = (key: keyof StrongSwanVpnPaths, name: string, pkg: string, fallback?: string): string => {
    const p = override[key] ?? find(name) ?? fallback;
    if (p === undefined || !existsSync(p)) missing.push({ what: p ?? name, pkg });
    return p ?? name;
  };
  const paths: StrongSwanVpnPaths = {
    charon: override.charon ?? '/usr/lib/ipsec/charon',
    swanctl: bin('swanctl', 'swanctl', 'strongswan-swanctl'),
    pluginDir: override.pluginDir ?? '/usr/lib/ipsec/plugins',
    ip: bin('ip', 'ip', 'iproute2'),
    unshare: bin('unshare', 'unshare', 'util-linux'),
    mount: bin('mount', 'mount', 'mount'),
    setpriv: bin('setpriv', 'setpriv', 'util-linux'),
    sh: bin('sh', 'sh', 'dash'),
  };
  if (!existsSync(paths.charon)) missing.push({ what: paths.charon, pkg: 'strongswan-charon' });
  for (const [plugin, pkg] of Object.entries(PLUGIN_PACKAGES)) {
    const file = join(paths.pluginDir, `libstrongswan-${plugin}.so`);
    if (!existsSync(file)) missing.push({ what: file, pkg });
  }
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((m) => m.pkg))];
    throw new Error(
      `strongSwan VPN peers: missing ${missing.map((m) => `${m.what} (Debian package ${m.pkg})`).join(', ')}. ` +
        `Install the Debian packages: apt-get install ${pkgs.join(' ')}`,
    );
  }
  if (Object.keys(override).length === 0) checked = paths;
  return paths;
}

// ---------------------------------------------------------------------------------------------
// Namespaces

export type VpnRole = 'gateway' | 'client';

export interface VpnNamespaces {
  /** Namespace names (they carry the pid). */
  namespaces: Record<VpnRole, string>;
  /** The veth ends, each inside its own namespace. */
  interfaces: Record<VpnRole, string>;
  /** The "internet" link's /30, e.g. 198.18.12.20/30; the gateway is the first host, the client the second. */
  link: string;
  gatewayAddress: string;
  clientAddress: string;
  /** argv running inside that namespace (`ip netns exec`). */
  wrap(role: VpnRole, argv: readonly string[]): string[];
  /** Runs synchronously inside the namespace; throws with stderr on a non-zero exit. */
  exec(role: VpnRole, argv: readonly string[]): string;
  /** Async variant of exec: resolves with code and output, never rejects on a non-zero exit. */
  run(role: VpnRole, argv: readonly string[], timeoutMs?: number): Promise<{ code: number; output: string }>;
  /** Adds an address (CIDR) in the namespace, on `dev` (default lo: an "inside" address of the gateway). */
  addAddress(role: VpnRole, cidr: string, dev?: string): void;
  /** Deletes both namespaces (and so the veth pair). Idempotent. */
  remove(): void;
}

const liveNamespaces = new Set<VpnNamespaces>();
let exitHook = false;
function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  // A test that throws before afterAll's remove() must not leave namespaces (daemons: spawnPeer's own hook).
  process.on('exit', () => {
    for (const n of liveNamespaces) n.remove();
  });
}

/**
 * Creates `kkv<tag>g<pid>` (gateway) and `kkv<tag>c<pid>` (client), lo up in both, joined by a veth
 * pair on a /30 of 198.18.0.0/16 chosen by pid, so parallel test files (one process each) never
 * share names or addresses. Leftovers of a killed run with the same pid go first.
 */
export function createVpnNamespaces(opts: { tag?: string } = {}): VpnNamespaces {
  const { ip } = requireStrongSwanVpn();
  const tag = opts.tag ?? '';
  const namespaces: Record<VpnRole, string> = { gateway: `kkv${tag}g${process.pid}`, client: `kkv${tag}c${process.pid}` };
  const interfaces: Record<VpnRole, string> = { gateway: 'kvg0', client: 'kvc0' };
  const base = (process.pid % 16_384) * 4;
  const net = `198.18.${Math.floor(base / 256)}`;
  const last = base % 256;
  const gatewayAddress = `${net}.${last + 1}`;
  const clientAddress = `${net}.${last + 2}`;
  const ipRun = (args: string[]) => {
    try {
      execFileSync(ip, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      throw new Error(`ip ${args.join(' ')}: ${(e as { stderr?: Buffer }).stderr?.toString().trim() || String(e)}`);
    }
  };
  const del = () => {
    for (const ns of Object.values(namespaces)) {
      try {
        execFileSync(ip, ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        /* not there */
      }
    }
  };
  const wrap = (role: VpnRole, argv: readonly string[]) => [ip, 'netns', 'exec', namespaces[role], ...argv];
  const topo: VpnNamespaces = {
    namespaces,
    interfaces,
    link: `${net}.${last}/30`,
    gatewayAddress,
    clientAddress,
    wrap,
    exec(role, argv) {
      const [file, ...args] = wrap(role, argv) as [string, ...string[]];
      try {
        return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e) {
        const err = e as { stderr?: string; stdout?: string; status?: number };
        throw new Error(`${argv.join(' ')} in ${namespaces[role]} exited ${String(err.status)}: ${err.stderr ?? ''}${err.stdout ?? ''}`);
      }
    },
    run(role, argv, timeoutMs = 30_000) {
      const [file, ...args] = wrap(role, argv) as [string, ...string[]];
      return new Promise((resolve) => {
        execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
          resolve({ code, output: `${stdout}${stderr}` });
        });
      });
    },
    addAddress(role, cidr, dev = 'lo') {
      ipRun(['-n', namespaces[role], 'addr', 'add', cidr, 'dev', dev]);
    },
    remove() {
      del();
      liveNamespaces.delete(topo);
    },
  };
  del();
  installExitHook();
  liveNamespaces.add(topo);
  try {
    for (const ns of Object.values(namespaces)) {
      ipRun(['netns', 'add', ns]);
      ipRun(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    // Created straight between the two namespaces: the root namespace never sees the pair.
    ipRun(['link', 'add', interfaces.gateway, 'netns', namespaces.gateway, 'type', 'veth', 'peer', 'name', interfaces.client, 'netns', namespaces.client]);
    ipRun(['-n', namespaces.gateway, 'addr', 'add', `${gatewayAddress}/30`, 'dev', interfaces.gateway]);
    ipRun(['-n', namespaces.client, 'addr', 'add', `${clientAddress}/30`, 'dev', interfaces.client]);
    ipRun(['-n', namespaces.gateway, 'link', 'set', interfaces.gateway, 'up']);
    ipRun(['-n', namespaces.client, 'link', 'set', interfaces.client, 'up']);
  } catch (e) {
    topo.remove();
    throw e;
  }
  return topo;
}

// ---------------------------------------------------------------------------------------------
// charon

interface Charon {
  proc: PeerProcess;
  uri: string;
  env: NodeJS.ProcessEnv;
  /** Runs swanctl against this charon; resolves with code and output (never rejects on exit codes). */
  swanctl(args: string[], timeoutMs?: number): Promise<{ code: number; output: string }>;
  stop(): Promise<void>;
  /** What swanctl --load-all said. */
  loadOutput: string;
}

/** strongswan.conf for one charon (and the swanctl that talks to it). One key per line. */
function strongswanConf(plugins: readonly string[], vici: string, extra: readonly string[]): string {
  return [
    'charon {',
    '  load_modular = no',
    `  load = ${plugins.join(' ')}`,
    '  install_virtual_ip = yes',
    // A refused or unreachable peer fails in seconds, not minutes.
    '  retransmit_tries = 3',
    '  retransmit_timeout = 1.0',
    '  filelog {',
    '    stderr {',
    '      time_format = %H:%M:%S',
    '      flush_line = yes',
    '      default = 1',
    '      ike = 2',
    '      cfg = 2',
    '      knl = 1',
    '      tls = 2',
    '    }',
    '  }',
    '  plugins {',
    '    vici {',
    `      socket = ${vici}`,
    '    }',
    ...extra.map((l) => `    ${l}`),
    '  }',
    '}',
    'swanctl {',
    `  load = ${SWANCTL_PLUGINS.join(' ')}`,
    '}',
    '',
  ].join('\n');
}

/**
 * Starts charon in namespace `ns`, in a mount namespace of its own with `dir/run` on /run, and
 * loads `dir/swanctl/swanctl.conf` (and the credentials in its folders) once the vici socket answers.
 */
async function startCharon(o: {
  name: string;
  ns: string;
  dir: string;
  plugins: readonly string[];
  pluginConf: readonly string[];
  swanctlConf: string;
  /** Credentials by path relative to the swanctl folder: x509/<f> (own certificate), x509ca/<f> (trusted CAs), private/<f> (keys). */
  files: Record<string, string>;
  timeoutMs?: number;
}): Promise<Charon> {
  const paths = requireStrongSwanVpn();
  const runDir = join(o.dir, 'run');
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const socketPath = join(runDir, 'charon.vici');
  const uri = `unix://${socketPath}`;
  const confFile = join(o.dir, 'strongswan.conf');
  // swanctl loads certificates and keys from the folders next to swanctl.conf (private keys
  // only from there: the secrets section holds passphrases, not key files).
  const swanctlDir = join(o.dir, 'swanctl');
  const swanctlFile = join(swanctlDir, 'swanctl.conf');
  for (const sub of ['x509', 'x509ca', 'private']) mkdirSync(join(swanctlDir, sub), { recursive: true });
  for (const [rel, content] of Object.entries(o.files)) writeFileSync(join(swanctlDir, rel), content, { mode: rel.startsWith('private/') ? 0o600 : 0o644 });
  writeFileSync(confFile, strongswanConf(o.plugins, uri, o.pluginConf));
  writeFileSync(swanctlFile, o.swanctlConf);
  const env: NodeJS.ProcessEnv = { ...process.env, STRONGSWAN_CONF: confFile };
  // ip netns exec -> unshare -m -> sh: bind the private folder on /run, then exec charon (same pid all along).
  const argv = [
    paths.ip, 'netns', 'exec', o.ns,
    paths.unshare, '-m', '--propagation', 'private',
    paths.sh, '-c', '"$1" --bind "$2" /run && exec "$3"', 'sh', paths.mount, runDir, paths.charon,
  ];
  const proc = spawnPeer(o.name, argv, env);
  const swanctl = (args: string[], timeoutMs = 30_000) =>
    new Promise<{ code: number; output: string }>((resolve) => {
      execFile(paths.swanctl, [...args, '--uri', uri], { env, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      });
    });
  const stop = async () => {
    await proc.stop('SIGTERM', 5_000);
  };
  let loaded = { code: -1, output: '' };
  try {
    const deadline = Date.now() + (o.timeoutMs ?? 15_000);
    for (;;) {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`${o.name}: charon exited at start; output:\n${proc.output()}`);
      // Another charon in this namespace holds UDP 500/4500: this one would never send a thing.
      if (/could not create any sockets/.test(proc.output())) throw new Error(`${o.name}: charon could not bind its IKE sockets (another charon in ${o.ns}?); output:\n${proc.output()}`);
      if (existsSync(socketPath)) {
        const r = await swanctl(['--stats'], 5_000);
        if (r.code === 0) break;
      }
      if (Date.now() > deadline) throw new Error(`${o.name}: charon's vici socket ${socketPath} did not answer; output:\n${proc.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    loaded = await swanctl(['--load-all', '--noprompt', '--file', swanctlFile], 15_000);
    // Without --file's sibling folders (x509/, private/, ...) swanctl says "opening directory ... failed": harmless.
    const problems = loaded.output.split('\n').filter((l) => /failed|error/i.test(l) && !/^opening directory /.test(l));
    // A credential swanctl skipped (wrong folder, unparsable) would only show later as "no private key found".
    for (const rel of Object.keys(o.files)) if (!loaded.output.includes(join(swanctlDir, rel))) problems.push(`${rel} was not loaded`);
    if (loaded.code !== 0 || problems.length > 0) {
      throw new Error(`${o.name}: swanctl --load-all failed (exit ${loaded.code}):\n${loaded.output}\ncharon:\n${proc.output()}`);
    }
  } catch (e) {
    await proc.stop('SIGKILL');
    throw e;
  }
  return { proc, uri, env, swanctl, stop, loadOutput: loaded.output };
}

/** One quoted swanctl.conf value (identities such as "CN=dev-1" contain '='). */
const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The TUN device kernel-libipsec created, from charon's log. */
const tunOf = (log: string) => /created TUN device:? (\S+)/.exec(log)?.[1];

// ---------------------------------------------------------------------------------------------
// Gateway

export interface VpnGatewayOptions {
  /** Namespace the gateway runs in. */
  ns: string;
  /** The gateway's outside IPv4 in `ns` (where clients connect). */
  address: string;
  /** CIDR the virtual IPs come from, e.g. 10.216.9.0/24. */
  pool: string;
  /** Networks reachable through the tunnel (the CHILD_SA's local traffic selectors). */
  localTs: string[];
  radius: { address: string; authPort: number; acctPort: number; secret: string; nasIdentifier?: string };
  /** Where its certificate, key and config go (created). */
  certDir: string;
  /** Issues the gateway's IKE certificate (serverAuth, SAN = `id` and `address`), unless `certificate` is given. */
  ca?: Ca;
  /** The gateway's IKE certificate and key (PEM) as they are; its SAN must include `id`. */
  certificate?: { certPem: string; keyPem: string };
  /** The gateway's IKE identity and certificate DNS name. Default vpn.kenneki.test. */
  id?: string;
  /** Name of the connection in swanctl.conf. Default rw. */
  connection?: string;
}

export interface VpnGateway {
  /** The IKE identity clients must expect (`remote.id`). */
  id: string;
  /** Its IKE certificate (PEM): issued by `ca`, or the one given. */
  certPem: string;
  stop(): Promise<void>;
  /** Everything charon logged so far. */
  log(): string;
  /** Its kernel-libipsec TUN device (in `ns`), once charon created it. */
  readonly tunIf: string | undefined;
}

/**
 * charon in `o.ns` as an IKEv2 responder: pubkey (certificate) authentication of its own,
 * clients authenticated by EAP through `eap-radius` (the EAP identity is the client's IKE
 * identity), virtual IPs from `o.pool`, and RADIUS accounting on.
 */
export async function startVpnGateway(o: VpnGatewayOptions): Promise<VpnGateway> {
  requireStrongSwanVpn();
  mkdirSync(o.certDir, { recursive: true });
  const id = o.id ?? 'vpn.kenneki.test';
  if (!o.certificate && !o.ca) throw new Error('startVpnGateway: give `ca` (to issue its certificate) or `certificate`');
  const issued = o.certificate ?? (await issueServerCertificate(o.ca!, { dnsNames: [id], ipAddresses: [o.address] }));
  const conn = o.connection ?? 'rw';
  const swanctlConf = [
    'connections {',
    `  ${conn} {`,
    '    version = 2',
    `    local_addrs = ${o.address}`,
    '    pools = kenneki-vpn',
    // kernel-libipsec only does ESP in UDP: force encapsulation even without a NAT.
    '    encap = yes',
    // A RADIUS Session-Timeout (Kenneki sends 300 s with quarantine placements) becomes the
    // AUTH_LIFETIME minus over_time; with the default over_time (10 % of 4 h = 1440 s) that is 0 and
    // the client re-authenticates at once, forever. 10 s: it re-authenticates 10 s before the timeout.
    '    over_time = 10s',
    '    local {',
    '      auth = pubkey',
    '      certs = gateway.crt',
    `      id = ${q(id)}`,
    '    }',
    '    remote {',
    '      auth = eap-radius',
    '      id = %any',
    '    }',
    '    children {',
    '      net {',
    `        local_ts = ${o.localTs.join(',')}`,
    '      }',
    '    }',
    '  }',
    '}',
    'pools {',
    '  kenneki-vpn {',
    `    addrs = ${o.pool}`,
    '  }',
    '}',
    '',
  ].join('\n');
  const radius = o.radius;
  const charon = await startCharon({
    name: `vpn-gateway(${o.ns})`,
    ns: o.ns,
    dir: o.certDir,
    plugins: GATEWAY_PLUGINS,
    pluginConf: [
      'eap-radius {',
      '  accounting = yes',
      `  nas_identifier = ${q(radius.nasIdentifier ?? 'kenneki-vpn-gateway')}`,
      '  retransmit_tries = 3',
      '  servers {',
      '    kenneki {',
      `      address = ${radius.address}`,
      `      secret = ${q(radius.secret)}`,
      `      auth_port = ${radius.authPort}`,
      `      acct_port = ${radius.acctPort}`,
      '    }',
      '  }',
      '}',
    ],
    swanctlConf,
    files: { 'x509/gateway.crt': issued.certPem, 'private/gateway.key': issued.keyPem },
  });
  return {
    id,
    certPem: issued.certPem,
    stop: () => charon.stop(),
    log: () => `${charon.proc.output()}\n--- swanctl --load-all ---\n${charon.loadOutput}`,
    get tunIf() {
      return tunOf(charon.proc.output());
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Client

export interface VpnClientOptions {
  /** Namespace the client runs in (one client charon per namespace: they all bind UDP 500/4500). */
  ns: string;
  /** The gateway's outside address. */
  gateway: string;
  /** The gateway's IKE identity (VpnGateway.id). Default vpn.kenneki.test. */
  gatewayId?: string;
  /**
   * The IKE identity, which is also the EAP identity (RADIUS User-Name) and must name the
   * certificate: its subject DN (e.g. `CN=dev-0001`) or one of its SANs.
   */
  identity: string;
  /** The EAP-TLS client certificate and its private key (PEM; PKCS#8 or PKCS#1/SEC1). */
  certPem: string;
  keyPem: string;
  /** The CA(s) the client trusts: for the gateway's IKE certificate and the RADIUS server's EAP-TLS one. */
  caPem: string;
  /**
   * The identity the RADIUS server's EAP-TLS certificate must prove (`local.aaa_id`), e.g. the
   * DNS name Kenneki's EAP certificate carries. Default: the gateway's IKE identity.
   */
  aaaId?: string;
  /** What to ask for through the tunnel (the gateway narrows it to its local_ts). Default 0.0.0.0/0. */
  remoteTs?: string[];
  /** Where its certificate, key and config go (created). */
  dir: string;
  /** Connection name in swanctl.conf. Default vpn. */
  connection?: string;
}

export interface VpnClient {
  /**
   * Initiates with swanctl; resolves once the CHILD_SA is installed and the virtual IP is on the
   * TUN device (traffic can flow). Rejects with swanctl's and charon's output when it fails.
   */
  up(timeoutMs?: number): Promise<{ virtualIp: string }>;
  /** Terminates the IKE_SA (DELETE to the gateway, which then sends Accounting-Stop). */
  down(): Promise<void>;
  stop(): Promise<void>;
  /** Everything charon (and the swanctl calls) printed so far. */
  log(): string;
  /** Its kernel-libipsec TUN device (in `ns`), once charon created it. */
  readonly tunIf: string | undefined;
}

/** charon in `o.ns` as an IKEv2 initiator: EAP-TLS with `o.certPem`, a virtual IP, kernel-libipsec. */
export async function startVpnClient(o: VpnClientOptions): Promise<VpnClient> {
  const paths = requireStrongSwanVpn();
  mkdirSync(o.dir, { recursive: true });
  const conn = o.connection ?? 'vpn';
  const gatewayId = o.gatewayId ?? 'vpn.kenneki.test';
  const swanctlConf = [
    'connections {',
    `  ${conn} {`,
    '    version = 2',
    `    remote_addrs = ${o.gateway}`,
    '    vips = 0.0.0.0',
    '    encap = yes',
    // The gateway's AUTH_LIFETIME minus this is when the client re-authenticates: with the
    // default (1440 s) a RADIUS Session-Timeout of 300 s means "now", in a loop.
    '    over_time = 10s',
    '    local {',
    '      auth = eap-tls',
    '      certs = client.crt',
    `      id = ${q(o.identity)}`,
    `      aaa_id = ${q(o.aaaId ?? gatewayId)}`,
    '    }',
    '    remote {',
    '      auth = pubkey',
    `      id = ${q(gatewayId)}`,
    // Pinned for the IKE peer; as a file in x509ca/ it is also trusted for the EAP-TLS server certificate.
    '      cacerts = ca.crt',
    '    }',
    '    children {',
    '      net {',
    `        remote_ts = ${(o.remoteTs ?? ['0.0.0.0/0']).join(',')}`,
    '      }',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
  const charon = await startCharon({ name: `vpn-client(${o.ns})`, ns: o.ns, dir: o.dir, plugins: CLIENT_PLUGINS, pluginConf: [], swanctlConf, files: { 'x509/client.crt': o.certPem, 'x509ca/ca.crt': o.caPem, 'private/client.key': o.keyPem } });
  let swanctlLog = '';
  const ip = paths.ip;
  const vipsOnTun = (): string[] => {
    const tun = tunOf(charon.proc.output());
    if (tun === undefined) return [];
    try {
      const out = execFileSync(ip, ['-n', o.ns, '-4', '-o', 'addr', 'show', 'dev', tun], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      return [...out.matchAll(/inet (\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]!);
    } catch {
      return [];
    }
  };
  // charon's routes to the remote traffic selectors: table 220 (kernel-netlink's), via the TUN device.
  const routedViaTun = (): boolean => {
    const tun = tunOf(charon.proc.output());
    if (tun === undefined) return false;
    try {
      const out = execFileSync(ip, ['-n', o.ns, '-4', 'route', 'show', 'table', '220'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      return out.split('\n').some((l) => l.includes(`dev ${tun}`));
    } catch {
      return false;
    }
  };
  return {
    async up(timeoutMs = 20_000) {
      const started = Date.now();
      const r = await charon.swanctl(['--initiate', '--child', 'net', '--ike', conn], timeoutMs);
      swanctlLog += `$ swanctl --initiate --child net --ike ${conn}\n${r.output}\n`;
      if (r.code !== 0) throw new Error(`VPN client: swanctl --initiate failed (exit ${r.code}):\n${r.output}\ncharon:\n${charon.proc.output()}`);
      // The IKE_SA names the assigned virtual IP; wait until it sits on the TUN device.
      const sas = await charon.swanctl(['--list-sas', '--ike', conn], 10_000);
      swanctlLog += `$ swanctl --list-sas\n${sas.output}\n`;
      const assigned = /local\s+'[^']*'\s+@\s+\S+\s+\[(\d+\.\d+\.\d+\.\d+)\]/.exec(sas.output)?.[1];
      if (assigned === undefined) throw new Error(`VPN client: no virtual IP in swanctl --list-sas:\n${sas.output}`);
      for (;;) {
        if (vipsOnTun().includes(assigned) && routedViaTun()) return { virtualIp: assigned };
        if (Date.now() - started > timeoutMs) throw new Error(`VPN client: virtual IP ${assigned} never appeared on the TUN device with a route through it (table 220); charon:\n${charon.proc.output()}`);
        await new Promise((res) => setTimeout(res, 20));
      }
    },
    async down() {
      const r = await charon.swanctl(['--terminate', '--ike', conn], 15_000);
      swanctlLog += `$ swanctl --terminate --ike ${conn}\n${r.output}\n`;
      if (r.code !== 0) throw new Error(`VPN client: swanctl --terminate failed (exit ${r.code}):\n${r.output}`);
    },
    stop: () => charon.stop(),
    log: () => `${charon.proc.output()}\n--- swanctl ---\n$ swanctl --load-all\n${charon.loadOutput}\n${swanctlLog}`,
    get tunIf() {
      return tunOf(charon.proc.output());
    },
  };
}
