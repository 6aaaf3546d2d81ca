/**
 * The real `kenneki serve` with a `dhcp` section, inside a DHCP topology's server namespace
 * (dhcp-peers.ts): writes the config, starts it, waits for DHCP_LISTENING and SERVER_LISTENING,
 * and stops it with SIGTERM (SIGKILL after a grace period) or kills it outright. The HTTP API is
 * reached from inside the namespace (ns-api.ts); /metrics is text, so it has its own fetch here.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DhcpTopology } from './dhcp-peers.js';
import { requireDhcpPeer } from './dhcp-peers.js';
import { nsApi, type NsApi } from './ns-api.js';
import { KENNEKI_BIN, spawnBin, type Spawned } from './process.js';

export interface KennekiDhcpConfig {
  /** Folder for the config file; the store goes to `dataDir` (default `<dir>/data`). */
  dir: string;
  dataDir?: string;
  logLevel?: 'debug' | 'info' | 'warn';
  /** Default 127.0.0.1: only reachable from inside the server namespace. */
  httpHost?: string;
  httpPort?: number;
  password: string;
  /** The lines of the `dhcp:` section, each indented by two spaces already. */
  dhcp: readonly string[];
  /** The `pt_tls:` value (default `{ port: 0 }`). */
  ptTls?: string;
  /** More top-level sections, as YAML lines (e.g. `allowlist:` and its lines). */
  extra?: readonly string[];
}

export interface KennekiDhcp {
  proc: Spawned;
  /** The API as seen from inside the server namespace (`http://127.0.0.1:<port>`). */
  base: string;
  configFile: string;
  output(): string;
  /** GET /metrics (no auth) from inside the server namespace: the exposition text. */
  metricsText(): Promise<string>;
  /** An API client bound to this server (token from `token()` unless one is passed). */
  api(token: () => string | undefined): NsApi;
  alive(): boolean;
  /** SIGTERM, SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
}

export function kennekiDhcpYaml(c: KennekiDhcpConfig): string {
  return [
    `data_dir: ${c.dataDir ?? join(c.dir, 'data')}`,
    `log: { level: ${c.logLevel ?? 'info'} }`,
    `http: { host: ${c.httpHost ?? '127.0.0.1'}, port: ${c.httpPort ?? 18080} }`,
    `pt_tls: ${c.ptTls ?? '{ port: 0 }'}`,
    `admin: { bootstrap_password: "${c.password}" }`,
    'dhcp:',
    ...c.dhcp,
    ...(c.extra ?? []),
    '',
  ].join('\n');
}

const FETCH_TEXT = `
fetch(process.argv[1]).then(async (r) => { process.stdout.write(JSON.stringify({ status: r.status, text: await r.text() })); })
  .catch((e) => { console.error(String(e)); process.exit(1); });`;

/** Starts `kenneki serve` in `topo`'s server namespace; resolves once DHCP and HTTP listen. */
export async function startKennekiDhcp(topo: DhcpTopology, c: KennekiDhcpConfig, timeoutMs = 30_000): Promise<KennekiDhcp> {
  mkdirSync(c.dir, { recursive: true });
  const configFile = join(c.dir, 'kenneki.yaml');
  writeFileSync(configFile, kennekiDhcpYaml(c));
  const base = `http://127.0.0.1:${c.httpPort ?? 18080}`;
  // Parent-death signal: a killed test worker takes the server along (ip netns exec execs, so it survives).
  const proc = spawnBin(KENNEKI_BIN, ['serve', '--config', configFile], { wrap: [requireDhcpPeer('setpriv'), '--pdeathsig', 'KILL', '--', ...topo.wrap('server', [])] });
  const gone = () => proc.child.exitCode !== null || proc.child.signalCode !== null;
  const server: KennekiDhcp = {
    proc,
    base,
    configFile,
    output: () => proc.output(),
    alive: () => !gone(),
    metricsText() {
      const [file, ...args] = topo.wrap('server', [process.execPath, '-e', FETCH_TEXT, `${base}/metrics`]) as [string, ...string[]];
      return new Promise((resolve, reject) => {
        execFile(file, args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
          if (err) return reject(new Error(`GET /metrics failed: ${stderr || String(err)}`));
          const { status, text } = JSON.parse(stdout) as { status: number; text: string };
          if (status !== 200) return reject(new Error(`GET /metrics: HTTP ${status}: ${text}`));
          resolve(text);
        });
      });
    },
    api: (token) => nsApi((argv) => topo.wrap('server', argv), base, token),
    async stop(graceMs = 5_000) {
      if (gone()) return;
      proc.child.kill('SIGTERM');
      const stopped = await Promise.race([proc.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), graceMs))]);
      if (!stopped) {
        proc.child.kill('SIGKILL');
        await proc.exited;
      }
    },
    async kill() {
      if (gone()) return;
      proc.child.kill('SIGKILL');
      await proc.exited;
    },
  };
  try {
    await proc.waitFor(/"evt":"DHCP_LISTENING"/, timeoutMs);
    await proc.waitFor(/"evt":"SERVER_LISTENING"/, timeoutMs);
  } catch (e) {
    await server.kill();
    throw e;
  }
  return server;
}

/** One sample of a Prometheus exposition: metric name, labels, value. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseMetrics(text: string): MetricSample[] {
  const out: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of `name`'s samples whose labels include `where`. */
export function metricSum(samples: readonly MetricSample[], name: string, where: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);
}
