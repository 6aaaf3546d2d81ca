/**
 * Reachability probes from inside a network namespace, judged by real packets: a TCP connect, one
 * ping, one plain HTTP GET; and small HTTP servers to probe. `wrap` runs an argv inside the
 * namespace (e.g. `ip netns exec NS ...`).
 *
 * Needs iputils-ping and util-linux (setpriv); a missing binary fails with the package name.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { requireDhcpPeer } from './dhcp-peers.js';

export type Wrap = (argv: readonly string[]) => string[];

export const PING_BIN = ['/usr/bin/ping', '/bin/ping'].find((p) => existsSync(p));

function inNs(wrap: Wrap, argv: readonly string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  const [file, ...args] = wrap(argv) as [string, ...string[]];
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

const CONNECT = `
const [host, port, from, ms] = process.argv.slice(1);
const s = require('net').connect({ host, port: Number(port), ...(from ? { localAddress: from } : {}) });
const t = setTimeout(() => { console.log('timeout'); process.exit(2); }, Number(ms));
s.on('connect', () => { console.log('connected'); clearTimeout(t); s.destroy(); process.exit(0); });
s.on('error', (e) => { console.log(e.code || String(e)); clearTimeout(t); process.exit(1); });`;

/**
 * A real TCP connect from inside the namespace: true when the handshake completes within
 * `timeoutMs`. A refused, reset or unanswered connect is false (the outcome says which).
 */
export async function tcpConnects(wrap: Wrap, host: string, port: number, opts: { from?: string; timeoutMs?: number } = {}): Promise<boolean> {
  const ms = opts.timeoutMs ?? 1500;
  const r = await inNs(wrap, [process.execPath, '-e', CONNECT, host, String(port), opts.from ?? '', String(ms)], ms + 5_000);
  return r.code === 0;
}

/** One echo request from inside the namespace, answered within `timeoutMs`. */
export async function pings(wrap: Wrap, host: string, timeoutMs = 1000): Promise<boolean> {
  if (PING_BIN === undefined) throw new Error('`ping` not found: install the Debian package iputils-ping');
  const r = await inNs(wrap, [PING_BIN, '-n', '-q', '-c', '1', '-W', String(timeoutMs / 1000), host], timeoutMs + 5_000);
  return r.code === 0;
}

const GET = `
const [url, from] = process.argv.slice(1);
const u = new URL(url);
const req = require('http').get({ host: u.hostname, port: u.port || 80, path: u.pathname, ...(from ? { localAddress: from } : {}), timeout: 2000 }, (res) => {
  let body = ''; res.setEncoding('utf8'); res.on('data', (d) => (body += d));
  res.on('end', () => { console.log(JSON.stringify({ status: res.statusCode, location: res.headers.location ?? null, body })); process.exit(0); });
});
req.on('timeout', () => { console.log(JSON.stringify({ error: 'timeout' })); process.exit(0); });
req.on('error', (e) => { console.log(JSON.stringify({ error: e.code || String(e) })); process.exit(0); });`;

/** One plain HTTP GET from inside the namespace; redirects are not followed. */
export async function httpGet(wrap: Wrap, url: string, from?: string): Promise<{ status?: number; location?: string | null; body?: string; error?: string }> {
  const r = await inNs(wrap, [process.execPath, '-e', GET, url, from ?? ''], 10_000);
  return JSON.parse(r.stdout.trim() || '{"error":"no output"}') as { status?: number; location?: string | null; body?: string; error?: string };
}

const SERVE = `
const [text, ...ports] = process.argv.slice(1);
const http = require('http');
let n = 0;
for (const p of ports) http.createServer((req, res) => res.end(text)).listen(Number(p), '0.0.0.0', () => { if (++n === ports.length) console.log('listening'); });`;

/** HTTP servers answering `text` on `ports` inside the namespace; resolves once they listen. */
export async function serveText(wrap: Wrap, text: string, ports: readonly number[]): Promise<ChildProcess> {
  const [file, ...args] = wrap([requireDhcpPeer('setpriv'), '--pdeathsig', 'KILL', '--', process.execPath, '-e', SERVE, text, ...ports.map(String)]) as [string, ...string[]];
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`servers on ${ports.join(',')} did not start: ${out}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`servers exited ${code}: ${out}`)));
  });
  return child;
}
