/**
 * strongSwan's pt-tls-client with its OS IMC: the reference standard NEA client (nea-wire.md),
 * run for real against Kenneki. `.ci/peers/strongswan-nea.sh` builds it from Debian's strongswan
 * source package (Debian's own binary lacks the PB-TNC plugin and the IMCs).
 *
 * What the OS IMC reports comes from the machine (os-release, /proc/sys/net/ipv4/ip_forward,
 * dpkg-query) except where strongswan.conf overrides it: the device id, the factory-default
 * password flag and the OS name/version, which is how a test plays several different machines.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const STRONGSWAN_PREFIX = process.env['KENNEKI_STRONGSWAN_PREFIX'] ?? '/opt/kenneki-peers/strongswan';
const CLIENT = join(STRONGSWAN_PREFIX, 'bin', 'pt-tls-client');
const IMC_OS = join(STRONGSWAN_PREFIX, 'lib', 'ipsec', 'imcvs', 'imc-os.so');

/** Fails (never skips) when the peer is missing, saying how to get it. */
export function requireStrongSwanNea(): void {
  if (!existsSync(CLIENT) || !existsSync(IMC_OS)) {
    throw new Error(
      `strongSwan NEA client not found (${CLIENT}, ${IMC_OS}). Build it with .ci/peers/strongswan-nea.sh ` +
        `(Debian source package strongswan, configured --enable-tnccs-20 --enable-tnc-imc --enable-imc-os; ` +
        `needs build-essential libssl-dev pkg-config autoconf automake libtool dpkg-dev), or set KENNEKI_STRONGSWAN_PREFIX.`,
    );
  }
}

export interface PtTlsClientRun {
  host: string;
  port: number;
  /** PEM files: the CA to trust, and for mutual TLS the device certificate. */
  certFiles: string[];
  keyFile?: { path: string; type: 'ecdsa' | 'rsa' };
  sasl?: { user: string; secret: string };
  deviceId: string;
  defaultPasswordEnabled?: boolean;
  /** Overrides what os-release says (both or neither), e.g. { name: 'Debian', version: '11 x86_64' }. */
  os?: { name: string; version: string };
  language?: string;
  /** Wraps the command, e.g. to run it in a network namespace. */
  wrap?: (argv: string[]) => string[];
  timeoutMs?: number;
}

export interface PtTlsClientResult {
  exitCode: number | null;
  output: string;
  /** As the client printed them: 'Access Allowed', 'Quarantined', 'Access Denied'. */
  recommendation?: string;
  assessment?: string;
  reason?: { text: string; lang: string };
  remediation: { text: string; lang: string }[];
  /**
   * The exchange ran to the PB-TNC CLOSE. (The exit code says nothing: in the client role
   * strongSwan's is_complete() is always false, so pt-tls-client exits 1 even when allowed.)
   */
  completed: boolean;
}

function strongswanConf(r: PtTlsClientRun, tncConfig: string): string {
  const lines = [
    'pt-tls-client {',
    '  load = x509 pem pkcs1 pkcs8 pubkey openssl nonce random sha1 sha2 constraints tnc-imc tnc-tnccs tnccs-20',
    `  plugins { tnc-imc { preferred_language = ${r.language ?? 'en'} } }`,
    '  imcv {',
    '    os_info {',
    `      default_password_enabled = ${r.defaultPasswordEnabled === true ? 'yes' : 'no'}`,
    ...(r.os ? [`      name = ${r.os.name}`, `      version = ${r.os.version}`] : []),
    '    }',
    '  }',
    '}',
    'libtnccs {',
    `  tnc_config = ${tncConfig}`,
    '}',
    'libimcv {',
    '  plugins {',
    '    imc-os {',
    '      push_info = yes',
    `      device_id = ${r.deviceId}`,
    '    }',
    '  }',
    '}',
  ];
  return lines.join('\n') + '\n';
}

/** One pt-tls-client run: connect, assess, close. Resolves with what the client printed. */
export async function runPtTlsClient(r: PtTlsClientRun): Promise<PtTlsClientResult> {
  requireStrongSwanNea();
  const dir = mkdtempSync(join(tmpdir(), 'kenneki-sw-'));
  try {
    const tncConfig = join(dir, 'tnc_config');
    writeFileSync(tncConfig, `IMC "OS" ${IMC_OS}\n`);
    const conf = join(dir, 'strongswan.conf');
    writeFileSync(conf, strongswanConf(r, tncConfig));
    const args = ['--connect', r.host, '--port', String(r.port), '--debug', '2'];
    for (const f of r.certFiles) args.push('--cert', f);
    if (r.keyFile) args.push('--key', r.keyFile.path, '--key-type', r.keyFile.type);
    if (r.sasl) args.push('--client', r.sasl.user, '--secret', r.sasl.secret);
    const argv = (r.wrap ?? ((a) => a))([CLIENT, ...args]);
    const output = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
      const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, STRONGSWAN_CONF: conf }, stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString('utf8')));
      child.stderr.on('data', (d: Buffer) => (text += d.toString('utf8')));
      const timer = setTimeout(() => child.kill('SIGKILL'), r.timeoutMs ?? 30_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, text });
      });
    });
    return parse(output.code, output.text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parse(exitCode: number | null, output: string): PtTlsClientResult {
  const recommendation = /PB-TNC access recommendation is '([^']+)'/.exec(output)?.[1];
  const assessment = /PB-TNC assessment result is '([^']+)'/.exec(output)?.[1];
  const reasonMatch = /reason string is '([\s\S]*?)' \[([a-zA-Z-]+)\]/.exec(output);
  // Each remediation string is printed as "remediation string: [lang]" and then its text.
  const remediation: { text: string; lang: string }[] = [];
  const re = /remediation string: \[([a-zA-Z-]*)\]\n(.*)/g;
  for (let m = re.exec(output); m !== null; m = re.exec(output)) remediation.push({ lang: m[1]!, text: m[2]! });
  return {
    exitCode,
    output,
    ...(recommendation !== undefined ? { recommendation } : {}),
    ...(assessment !== undefined ? { assessment } : {}),
    ...(reasonMatch ? { reason: { text: reasonMatch[1]!, lang: reasonMatch[2]! } } : {}),
    remediation,
    completed: /processing PB-TNC CLOSE batch/.test(output),
  };
}
