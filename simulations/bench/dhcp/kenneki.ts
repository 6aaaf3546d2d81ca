/**
 * Kenneki's side of the DHCP benchmark: a store with perfdhcp's clients registered (filled once
 * through the admin API by a `kenneki serve` in the root namespace with DHCP off, then copied for
 * each run so every run starts from the same endpoints and no leases), and the real
 * `kenneki serve` with DHCP on inside the server namespace.
 *
 * Mix, by the client's index i (perfdhcp's MAC i, see perfdhcp.ts): i % 10 < 8 registered with a
 * healthy posture report (verdict allow → production pool), i % 10 = 8 registered with the
 * firewall off (isolate → quarantine pool), i % 10 = 9 never registered (unknown MAC →
 * `unknown_mac: quarantine`). Every DISCOVER and REQUEST thus takes a steering decision from the
 * admission cache or the store, and every ACK writes its lease to SQLite first (the default store).
 */
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../../policy/util/package-root.js';
import { firewallOffFacts, healthyReport, okFact } from '../../posture-report.js';
import { HttpClient, login, spawnServer, writeConfig } from '../server-process.js';
import { macFor } from './perfdhcp.js';
import { NET, type BenchNetns, type NsProcess } from './netns.js';

export type Mix = 'allow' | 'isolate-report' | 'unknown';

export const mixOf = (i: number): Mix => (i % 10 < 8 ? 'allow' : i % 10 === 8 ? 'isolate-report' : 'unknown');

/** Both pools in the reference subnet, production on the lower half, quarantine on the upper. */
export const KENNEKI_POOLS = { production: '10.200.0.10-10.200.127.255', quarantine: '10.200.128.0-10.200.255.250' } as const;


/** The `dhcp:` block: one relayed scope matching perfdhcp's giaddr, lease time as Kea's. */
export function dhcpYaml(leaseSeconds: number): string {
  const pool = (range: string) => `{ subnet: ${NET.clientSubnet}, range: ${range}, routers: [${NET.giaddr}], lease_seconds: ${leaseSeconds} }`;
  return [
    'dhcp:',
    '  enabled: true',
    `  server_id: ${NET.server}`,
    '  unknown_mac: quarantine',
    '  scopes:',
    '    - name: bench',
    '      pools:',
    `        production: ${pool(KENNEKI_POOLS.production)}`,
    `        quarantine: ${pool(KENNEKI_POOLS.quarantine)}`,
  ].join('\n');
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

const API_CONNECTIONS = 16;

/**
 * Registers clients 0..n-1 by the mix in a fresh store in `dataDir` (kenneki serve in the root
 * namespace, DHCP off); returns the verdict counts.
 */
export async function populateStore(dataDir: string, n: number): Promise<{ seconds: number; verdicts: Record<string, number> }> {
  const server = await spawnServer(writeConfig(dataDir, { file: 'populate.yaml' }));
  const client = new HttpClient(server.url, API_CONNECTIONS);
  const t0 = Date.now();
  try {
    const token = await login(client);
    const verdicts: Record<string, number> = {};
    const now = new Date();
    const registered = Array.from({ length: n }, (_, i) => i).filter((i) => mixOf(i) !== 'unknown');
    await pool(registered, API_CONNECTIONS, async (i) => {
      const mix = mixOf(i);
      const mac = macFor(i);
      const reg = await client.json('POST', '/api/v1/endpoints', { token, body: { mac, hostname: `dhcp-${i}` }, expect: 201 });
      const report = healthyReport(now, { deviceId: okFact(`bench-dhcp-${String(i).padStart(8, '0')}`, now), ...(mix === 'allow' ? {} : firewallOffFacts(now)) });
      const res = await client.request('POST', '/api/v1/posture', { token: reg.deviceCredential as string, body: JSON.stringify(report) });
      if (res.status !== 200) throw new Error(`posture for ${mac}: ${res.status} ${res.body.slice(0, 300)}`);
      const verdict = (JSON.parse(res.body) as { verdict: string }).verdict;
      const want = mix === 'allow' ? 'allow' : 'isolate';
      if (verdict !== want) throw new Error(`${mac} (${mix}): verdict ${verdict}, expected ${want}`);
      verdicts[`${mix}:${verdict}`] = (verdicts[`${mix}:${verdict}`] ?? 0) + 1;
    });
    verdicts['unknown:none'] = n - registered.length;
    return { seconds: (Date.now() - t0) / 1000, verdicts };
  } finally {
    client.close();
    await server.stop();
  }
}

export interface KennekiRun {
  process: NsProcess;
  dataDir: string;
  /** Its HTTP API as seen from inside the server namespace. */
  url: string;
  /** Sums a counter family from /metrics by one label, over the series whose labels match `where` (fetched from inside the namespace). */
  counters(name: string, label: string, where?: Record<string, string>): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

const FETCH = `fetch(process.argv[1]).then((r) => r.text()).then((t) => process.stdout.write(t), (e) => { console.error(String(e)); process.exit(1); });`;

/**
 * `kenneki serve` (log level warn, DHCP on) inside the server namespace on a copy of the
 * populated store in `template`; resolves once its HTTP API listens (DHCP starts before it).
 */
export async function startKenneki(netns: BenchNetns, template: string, dataDir: string, leaseSeconds: number): Promise<KennekiRun> {
  cpSync(template, dataDir, { recursive: true });
  const configFile = writeConfig(dataDir, { file: 'serve.yaml', logLevel: 'warn', extraYaml: dhcpYaml(leaseSeconds) });
  const nodeArgs = (process.env['BENCH_SERVER_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const proc = netns.spawn('server', 'kenneki serve', [process.execPath, ...nodeArgs, join(packageRoot(), 'dist/policy/cli.js'), 'serve', '--config', configFile]);
  // Printed on stdout whatever the log level, once everything (the DHCP adapter included) has started.
  await proc.waitFor(/listening on http:\/\/\S+/, 60_000);
  const url = /listening on (http:\/\/\S+)/.exec(proc.output())![1]!;
  return {
    process: proc,
    dataDir,
    url,
    async counters(name, label, where = {}) {
      const [file, ...args] = netns.wrap('server', [process.execPath, '-e', FETCH, `${url}/metrics`]) as [string, ...string[]];
      const text = execFileSync(file, args, { encoding: 'utf8', timeout: 30_000 });
      const out: Record<string, number> = {};
      for (const line of text.split('\n')) {
        if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
        if (Object.entries(where).some(([k, v]) => !line.includes(`${k}="${v}"`))) continue;
        const key = new RegExp(`${label}="([^"]*)"`).exec(line)?.[1] ?? '';
        out[key] = (out[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
      }
      return out;
    },
    async stop() {
      await proc.stop('SIGTERM', 10_000);
    },
  };
}
