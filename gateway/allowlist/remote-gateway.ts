/**
 * `kenneki gateway --server URL`: a gateway on another host (a branch router, the VPN
 * concentrator) enforcing the allow-list the policy server streams to it.
 *
 * - At start the table goes in empty: until the server has been reached, every address in the
 *   client networks is quarantined and reaches nothing but what the table lets through.
 * - A snapshot (first connection, every reconnection) re-syncs everything, then checks the table
 *   for drift; changes follow as they happen.
 * - While the server is unreachable the table keeps what it had: hosts already allowed stay
 *   allowed, and nothing new is let in (an address the gateway was never told about stays
 *   quarantined). Stopping the process leaves the table in force too.
 */
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { GatewayLocal } from './contract.js';
import { GatewayEnforcer } from './gateway-enforcer.js';
import { checkServerUrl, StreamClient } from './stream-client.js';

export interface RemoteGatewayOptions {
  serverUrl: string;
  credential: string;
  ca?: string;
  local: GatewayLocal;
  nft?: string;
  reconcileSeconds: number;
  log: Logger;
  /** host:port for /metrics; absent: none. */
  metricsListen?: { host: string; port: number };
}

export interface RunningGateway {
  portalRedirect?: number;
  metricsPort?: number;
  connected(): boolean;
  stop(): Promise<void>;
}

export async function startRemoteGateway(o: RemoteGatewayOptions): Promise<RunningGateway> {
  // Every setting is checked before the table is touched: the URL here, the rest by the enforcer.
  checkServerUrl(o.serverUrl);
  const registry = new Registry();
  // The server audits drift this gateway repairs. (Drift is only found after start, by when the client exists.)
  const enforcer = new GatewayEnforcer({ local: o.local, ...(o.nft !== undefined ? { nft: o.nft } : {}), reconcileSeconds: o.reconcileSeconds, log: o.log, registry, onDrift: (d) => void client.reportDrift(o.local.table, d) });
  const client = new StreamClient({
    serverUrl: o.serverUrl,
    credential: o.credential,
    ...(o.ca !== undefined ? { ca: o.ca } : {}),
    log: o.log,
    onSnapshot: async (policy, entries, name) => {
      await enforcer.resync(policy, entries);
      o.log.info({ evt: 'GATEWAY_RESYNCED', gateway: name, entries: entries.length }, `re-synced with the policy server: ${entries.length} entries in force`);
    },
    onChanges: (changes) => {
      enforcer
        .changes(changes)
        .catch((err: unknown) => o.log.error({ evt: 'ALLOWLIST_APPLY_FAILED', err, count: changes.length }, 'allow-list changes are not in force yet; nft is retried'));
    },
    onDisconnected: () => {},
  });
  // Fail closed from the first packet: nothing is allowed until the server says so.
  const { portalRedirect } = await enforcer.start({ remediation: [], services: [] }, []);
  o.log.info({ evt: 'GATEWAY_TABLE_IN_FORCE', table: o.local.table }, `nft table inet ${o.local.table} in force; every client address is quarantined until the policy server is reached`);
  client.start();
  let metrics: Server | undefined;
  let metricsPort: number | undefined;
  if (o.metricsListen) {
    metrics = createServer((req, res) => {
      if (req.url !== '/metrics') return void res.writeHead(404).end();
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    });
    const m = metrics;
    metricsPort = await new Promise<number>((resolve, reject) => {
      m.once('error', reject);
      m.listen(o.metricsListen!.port, o.metricsListen!.host, () => resolve((m.address() as { port: number }).port));
    });
  }
  return {
    ...(portalRedirect !== undefined ? { portalRedirect } : {}),
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    connected: () => client.connected,
    async stop() {
      client.stop();
      metrics?.close();
      await enforcer.stop();
    },
  };
}
