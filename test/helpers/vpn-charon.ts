/**
 * strongSwan's charon for the VPN test harness (vpn-strongswan.ts): finding the binaries and
 * plugins (a missing one fails with its Debian package), writing strongswan.conf, and running one
 * charon in a namespace and a mount namespace of its own, with swanctl talking to it over vici.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
export const GATEWAY_PLUGINS = [...COMMON_PLUGINS, 'eap-radius'];
export const CLIENT_PLUGINS = [...COMMON_PLUGINS, 'eap-tls'];
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
// charon

export interface Charon {
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
export async function startCharon(o: {
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
export const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The TUN device kernel-libipsec created, from charon's log. */
export const tunOf = (log: string) => /created TUN device:? (\S+)/.exec(log)?.[1];
