/**
 * A real `kenneki serve` in a child process, plus a small keep-alive HTTP client. The server runs
 * apart from the load generator so that its CPU time and RSS can be read from /proc honestly;
 * both still share the machine's cores.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../../policy/util/package-root.js';
import { ownChild } from './common.js';

export const BENCH_PASSWORD = 'bench-bootstrap-password-0123456789';

/** PT-TLS on a free port (read it from ServerProcess.ptTlsPort), for the PT-TLS benchmark. */
export interface BenchPtTls {
  serverKey: 'ecdsa-p256' | 'rsa-2048';
  clientAuth: 'sasl-plain' | 'none';
}

/** `extraYaml`: top-level YAML appended as is (e.g. an `identity:` block for the identity benchmark). */
export function writeConfig(dataDir: string, opts: { logLevel?: string; file?: string; ptTls?: BenchPtTls; extraYaml?: string } = {}): string {
  const file = join(dataDir, opts.file ?? 'kenneki.yaml');
  writeFileSync(
    file,
    [
      `data_dir: ${dataDir}`,
      `log: { level: ${opts.logLevel ?? 'silent'} }`,
      'http: { host: 127.0.0.1, port: 0 }',
      // The admin API benchmarks run without PT-TLS; the PT-TLS benchmark turns it on.
      opts.ptTls
        ? `pt_tls: { enabled: true, host: 127.0.0.1, port: 0, server_names: [localhost], server_key: ${opts.ptTls.serverKey}, client_auth: ${opts.ptTls.clientAuth} }`
        : 'pt_tls: { enabled: false }',
      'tenants:',
      '  - { id: default, name: Default }',
      `admin: { bootstrap_password: "${BENCH_PASSWORD}" }`,
      // `serve` always starts the sweeper; its first pass runs at start, the next one a day later.
      'posture: { reevaluate_interval_seconds: 86400 }',
      ...(opts.extraYaml ? [opts.extraYaml.trimEnd()] : []),
      '',
    ].join('\n'),
  );
  return file;
}

export interface ServerProcess {
  pid: number;
  url: string;
  /** From the PT_TLS_LISTENING log line (log level info or lower), logged before the HTTP listener starts. */
  ptTlsPort?: number;
  /** Resolves with the first JSON log line matching `evt` (log level must let it through). */
  waitForLog(evt: string, timeoutMs: number): Promise<Record<string, unknown>>;
  /** SIGTERM (graceful: waits for queued re-evaluation), SIGKILL after 10 s. */
  stop(): Promise<void>;
  /** SIGKILL now, for a server busy with work the benchmark no longer needs. */
  kill(): Promise<void>;
}

/**
 * Starts `node dist/policy/cli.js serve`. Extra node flags for the server come from
 * BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it;
 * BENCH_SERVER_LOG=file keeps a copy of its stdout.
 */
export async function spawnServer(configFile: string): Promise<ServerProcess> {
  const nodeArgs = (process.env['BENCH_SERVER_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, join(packageRoot(), 'dist/policy/cli.js'), 'serve', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { kill, exited, stop } = ownChild(child, 'SIGTERM', 10_000);

  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const waiters: { evt: string; resolve: (v: Record<string, unknown>) => void }[] = [];
  let resolveUrl: (url: string) => void;
  const urlSeen = new Promise<string>((r) => (resolveUrl = r));
  let ptTlsPort: number | undefined;
  // BENCH_SERVER_LOG: a copy of the server's stdout (its log lines, and V8 traces asked for with
  // BENCH_SERVER_NODE_ARGS such as --trace-deopt).
  const copy = process.env['BENCH_SERVER_LOG'] ? createWriteStream(process.env['BENCH_SERVER_LOG'], { flags: 'a' }) : undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    copy?.write(`${line}\n`);
    const m = /listening on (http:\/\/\S+)/.exec(line);
    if (m && !line.startsWith('{')) resolveUrl(m[1]!);
    if (ptTlsPort === undefined && line.includes('"evt":"PT_TLS_LISTENING"')) ptTlsPort = (JSON.parse(line) as { port: number }).port;
    if (!line.startsWith('{') || waiters.length === 0) return;
    try {
      const rec = JSON.parse(line) as Record<string, unknown>;
      for (const w of waiters.filter((x) => x.evt === rec['evt'])) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(rec);
      }
    } catch {
      /* not a log line */
    }
  });

  const url = await Promise.race([
    urlSeen,
    exited.then(() => {
      throw new Error(`kenneki serve exited before listening: ${stderr.trim()}`);
    }),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`kenneki serve did not start in 60 s: ${stderr.trim()}`)), 60_000).unref()),
  ]);
  return {
    pid: child.pid!,
    url,
    ...(ptTlsPort !== undefined ? { ptTlsPort } : {}),
    waitForLog(evt, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${evt} log line within ${timeoutMs / 1000} s`)), timeoutMs);
        waiters.push({ evt, resolve: (v) => (clearTimeout(timer), resolve(v)) });
      });
    },
    stop,
    async kill() {
      kill();
      await stop();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP client: node:http with keep-alive, cheaper per request than fetch, which matters when the
// client shares two cores with the server it measures.

export interface HttpResponse {
  status: number;
  body: string;
}

export class HttpClient {
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string, connections: number) {
    const u = new URL(baseUrl);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  }

  request(method: string, path: string, opts: { token?: string; body?: string } = {}): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {};
      if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
      if (opts.body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(opts.body);
      }
      const req = http.request({ host: this.host, port: this.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(opts.body);
    });
  }

  /** JSON request that must succeed with `expect` status. */
  async json(method: string, path: string, opts: { token?: string; body?: unknown; expect?: number } = {}): Promise<any> {
    const res = await this.request(method, path, { ...(opts.token ? { token: opts.token } : {}), ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
    if (res.status !== (opts.expect ?? 200)) throw new Error(`${method} ${path}: ${res.status} ${res.body.slice(0, 300)}`);
    return res.body ? JSON.parse(res.body) : undefined;
  }

  close(): void {
    this.agent.destroy();
  }
}

export async function login(client: HttpClient): Promise<string> {
  const session = await client.json('POST', '/api/v1/auth/login', { body: { username: 'admin', password: BENCH_PASSWORD } });
  return session.token as string;
}

/** Runs `worker` on `concurrency` loops until `deadline` (ms since epoch); returns completed calls. */
export async function closedLoop(concurrency: number, deadline: number, worker: (slot: number, i: number) => Promise<void>): Promise<number> {
  let done = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, slot) => {
      while (Date.now() < deadline) {
        await worker(slot, next++);
        done++;
      }
    }),
  );
  return done;
}
