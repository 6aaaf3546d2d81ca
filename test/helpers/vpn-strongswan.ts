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
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { issueServerCertificate, type Ca } from '../../policy/tnc/ca/index.js';
import { CLIENT_PLUGINS, GATEWAY_PLUGINS, q, requireStrongSwanVpn, startCharon, tunOf } from './vpn-charon.js';

export { requireStrongSwanVpn, type StrongSwanVpnPaths } from './vpn-charon.js';
export { createVpnNamespaces, type VpnNamespaces, type VpnRole } from './vpn-namespaces.js';

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
