/**
 * `kenneki serve` inside the VPN gateway's namespace (helpers/vpn-namespaces.ts), with the
 * test's own config sections, and its HTTP API logged in as the bootstrap admin. Kenneki's CA is
 * created first in the data dir, where the server loads it: the test signs device certificates
 * with it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadOrCreateCa, type Ca } from '../../policy/tnc/ca/index.js';
import { locateBinary } from './dhcp-peers.js';
import { nsApi, type NsApi } from './ns-api.js';
import { KENNEKI_BIN, spawnBin, type Spawned } from './process.js';
import type { VpnNamespaces } from './vpn-namespaces.js';

export interface GatewayKenneki {
  process: Spawned;
  api: NsApi;
  ca: Ca;
  /** SIGTERM, SIGKILL after 5 s; resolves once it has exited. */
  stop(): Promise<void>;
}

export async function startKennekiInGateway(o: {
  topo: VpnNamespaces;
  dir: string;
  password: string;
  http: { host: string; port: number };
  /** Config sections after data_dir, log, http and admin (pt_tls, radius, allowlist...). */
  sections: string[];
  /** Log events to wait for besides RADIUS_LISTENING and SERVER_LISTENING. */
  alsoWaitFor?: RegExp[];
}): Promise<GatewayKenneki> {
  const setpriv = locateBinary('setpriv', 'util-linux');
  const dataDir = join(o.dir, 'data');
  const ca = await loadOrCreateCa(dataDir);
  const configFile = join(o.dir, 'kenneki.yaml');
  writeFileSync(
    configFile,
    [`data_dir: ${dataDir}`, 'log: { level: info }', `http: { host: ${o.http.host}, port: ${o.http.port} }`, `admin: { bootstrap_password: "${o.password}" }`, ...o.sections, ''].join('\n'),
  );
  const process = spawnBin(KENNEKI_BIN, ['serve', '--config', configFile], { wrap: [setpriv, '--pdeathsig', 'KILL', '--', ...o.topo.wrap('gateway', [])] });
  const stop = async (): Promise<void> => {
    if (process.child.exitCode !== null || process.child.signalCode !== null) return;
    process.child.kill('SIGTERM');
    const timer = setTimeout(() => process.child.kill('SIGKILL'), 5_000);
    await process.exited;
    clearTimeout(timer);
  };
  try {
    for (const evt of [...(o.alsoWaitFor ?? []), /"evt":"RADIUS_LISTENING"/, /"evt":"SERVER_LISTENING"/]) await process.waitFor(evt, 30_000);
    let token: string | undefined;
    const api = nsApi((argv) => o.topo.wrap('gateway', argv), `http://${o.http.host}:${o.http.port}`, () => token);
    const login = await api('POST', '/api/v1/auth/login', { tenant: 'default', username: 'admin', password: o.password });
    expect(login.status, login.text).toBe(200);
    token = login.json.token;
    return { process, api, ca, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
