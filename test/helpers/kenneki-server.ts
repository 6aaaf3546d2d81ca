/**
 * Starts a real Kenneki server (real store on disk, real HTTP on 127.0.0.1 port 0) for a test, with
 * a bootstrap admin token per tenant. Tests talk to it over fetch, like any admin script would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../policy/config/load.js';
import type { KennekiConfig } from '../../policy/config/schema.js';
import { createLogger } from '../../policy/log.js';
import { startServer, type RunningServer } from '../../policy/server.js';
import { startEnforcement } from '../../gateway/start.js';
import type { Clock } from '../../policy/service/clock.js';
import type { Role } from '../../policy/store/repository.js';

export interface TestServer {
  server: RunningServer;
  url: string;
  /** Where the PT-TLS listener listens (any free port); absent when pt_tls is disabled. */
  ptTlsPort?: number;
  dataDir: string;
  /** Admin token of each configured tenant. */
  adminToken: Record<string, string>;
  /** Issue a token with a role in a tenant (creates the account on first use). */
  token(tenantId: string, role: Role): Promise<string>;
  api(token: string | undefined, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

export async function startTestServer(
  opts: {
    tenants?: string[];
    clock?: Clock;
    sweeper?: boolean;
    yaml?: string;
    /** Overrides http.body_limit_bytes. */
    bodyLimit?: number;
    /** Start the enforcement adapters the config enables (RADIUS, ...), as `kenneki serve` does. */
    enforcement?: boolean;
  } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kenneki-test-'));
  const tenants = opts.tenants ?? ['default'];
  const file = join(dataDir, 'kenneki.yaml');
  const yaml = [
    `data_dir: ${dataDir}`,
    'log: { level: silent }',
    'http: { host: 127.0.0.1, port: 0 }',
    'tenants:',
    ...tenants.map((t) => `  - { id: ${t}, name: Tenant ${t} }`),
    `admin: { bootstrap_password: "test-bootstrap-password-0123456789" }`,
    // Tests never need (or may bind) the real PT-TLS port 271.
    ...(opts.yaml?.includes('pt_tls') ? [] : ['pt_tls: { port: 0 }']),
    opts.yaml ?? '',
  ].join('\n');
  (await import('node:fs')).writeFileSync(file, yaml);
  const cfg: KennekiConfig = loadConfig({ file });
  if (opts.bodyLimit !== undefined) cfg.http.body_limit_bytes = opts.bodyLimit;
  const server = await startServer(cfg, {
    log: createLogger(process.env['KENNEKI_TEST_LOG'] ?? 'silent'),
    ...(opts.clock ? { clock: opts.clock } : {}),
    startSweeper: opts.sweeper ?? false,
    ...(opts.enforcement ? { enforcement: startEnforcement } : {}),
  });
  const url = server.url;
  const { accounts, store } = server.ctx;
  const roleTokens = new Map<string, string>();

  const token = async (tenantId: string, role: Role): Promise<string> => {
    const key = `${tenantId}/${role}`;
    const cached = roleTokens.get(key);
    if (cached) return cached;
    await store.tenants.ensure({ id: tenantId, name: tenantId });
    const username = `${role}-user`;
    const account =
      (await store.accounts.findForLogin(tenantId, username)) ??
      (await accounts.createAdmin(tenantId, { username, role, password: 'a-long-test-password-123' }, { actor: 'test', actorKind: 'system', action: '', targetType: '' })).account;
    const { token: t } = await accounts.issueToken(account, { name: 'test' }, { actor: 'test', actorKind: 'system', action: '', targetType: '' });
    roleTokens.set(key, t);
    return t;
  };

  const adminToken: Record<string, string> = {};
  for (const t of tenants) adminToken[t] = await token(t, 'admin');

  return {
    server,
    url,
    ...(server.ptTlsPort !== undefined ? { ptTlsPort: server.ptTlsPort } : {}),
    dataDir,
    adminToken,
    token,
    async api(tok, method, path, body) {
      const res = await fetch(url + path, {
        method,
        headers: { ...(tok ? { authorization: `Bearer ${tok}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A posture report for a healthy Debian 12 laptop (shared with the benchmarks). */
export { healthyReport } from '../../simulations/posture-report.js';

/** Registers an endpoint through the API and reports posture for it; returns id and credential. */
export async function enrollEndpoint(s: TestServer, tenantToken: string, body: Record<string, unknown>): Promise<{ id: string; credential: string }> {
  const r = await s.api(tenantToken, 'POST', '/api/v1/endpoints', body);
  if (r.status !== 201) throw new Error(`enroll failed: ${r.status} ${JSON.stringify(r.json)}`);
  return { id: r.json.endpoint.id, credential: r.json.deviceCredential };
}

export async function report(s: TestServer, credential: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${s.url}/api/v1/posture`, { method: 'POST', headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}
