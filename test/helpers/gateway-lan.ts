/**
 * Hosts around a gateway namespace, for allow-list tests: each host is a namespace of the test's
 * own joined to the gateway's namespace by a veth pair, on a /24 of its own with the gateway at .1
 * as its default route (a routed segment, as behind a router port or a VPN). And the probes the
 * tests judge reachability with: real TCP connects, pings and HTTP requests from inside a host.
 *
 * Needs root, iproute2, iputils-ping and util-linux (setpriv); a missing binary fails with the
 * package name.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { requireDhcpPeer } from './dhcp-peers.js';
import { PING_BIN } from './topology.js';

export interface LanHost {
  ns: string;
  /** The host's address; the gateway is `${net}.1`. */
  ip: string;
  gatewayIp: string;
  /** The pair's end inside the gateway namespace. */
  gatewayIf: string;
  wrap(argv: readonly string[]): string[];
  exec(argv: readonly string[]): string;
  remove(): void;
}

function ipCmd(args: string[]): void {
  try {
    execFileSync(requireDhcpPeer('ip'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new Error(`ip ${args.join(' ')}: ${(e as { stderr?: Buffer }).stderr?.toString().trim() ?? String(e)}`);
  }
}

/** `net` is the first three octets, e.g. `10.218.8`; the host gets `${net}.${octet}`. */
export function attachHost(gatewayNs: string, name: string, net: string, octet = 10): LanHost {
  const ip = requireDhcpPeer('ip');
  const ns = `kkgl${name}${process.pid}`;
  const gatewayIf = `gl${name}`.slice(0, 15);
  try {
    ipCmd(['netns', 'del', ns]);
  } catch {
    /* no leftover */
  }
  ipCmd(['netns', 'add', ns]);
  const host: LanHost = {
    ns,
    ip: `${net}.${octet}`,
    gatewayIp: `${net}.1`,
    gatewayIf,
    wrap: (argv) => [ip, 'netns', 'exec', ns, ...argv],
    exec(argv) {
      const [file, ...args] = host.wrap(argv) as [string, ...string[]];
      return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    },
    remove() {
      try {
        ipCmd(['netns', 'del', ns]);
      } catch {
        /* gone */
      }
    },
  };
  try {
    ipCmd(['-n', gatewayNs, 'link', 'add', gatewayIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    ipCmd(['-n', gatewayNs, 'addr', 'add', `${net}.1/24`, 'dev', gatewayIf]);
    ipCmd(['-n', gatewayNs, 'link', 'set', gatewayIf, 'up']);
    ipCmd(['-n', ns, 'addr', 'add', `${host.ip}/24`, 'dev', 'eth0']);
    ipCmd(['-n', ns, 'link', 'set', 'eth0', 'up']);
    ipCmd(['-n', ns, 'link', 'set', 'lo', 'up']);
    ipCmd(['-n', ns, 'route', 'add', 'default', 'via', `${net}.1`]);
  } catch (e) {
    host.remove();
    throw e;
  }
  return host;
}

function inNs(wrap: LanHost['wrap'], argv: readonly string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
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
export async function tcpConnects(wrap: LanHost['wrap'], host: string, port: number, opts: { from?: string; timeoutMs?: number } = {}): Promise<boolean> {
  const r = await inNs(wrap, [process.execPath, '-e', CONNECT, host, String(port), opts.from ?? '', String(opts.timeoutMs ?? 1500)], 10_000);
  return r.code === 0;
}

export async function pings(wrap: LanHost['wrap'], host: string): Promise<boolean> {
  if (PING_BIN === undefined) throw new Error('`ping` not found: install the Debian package iputils-ping');
  const r = await inNs(wrap, [PING_BIN, '-c', '1', '-W', '1', host], 10_000);
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
export async function httpGet(wrap: LanHost['wrap'], url: string, from?: string): Promise<{ status?: number; location?: string | null; body?: string; error?: string }> {
  const r = await inNs(wrap, [process.execPath, '-e', GET, url, from ?? ''], 10_000);
  return JSON.parse(r.stdout.trim() || '{"error":"no output"}') as { status?: number; location?: string | null; body?: string; error?: string };
}

const SERVE = `
const [text, ...ports] = process.argv.slice(1);
const http = require('http');
let n = 0;
for (const p of ports) http.createServer((req, res) => res.end(text)).listen(Number(p), '0.0.0.0', () => { if (++n === ports.length) console.log('listening'); });`;

/** HTTP servers answering `text` on `ports` inside the namespace; resolves once they listen. */
export async function serveText(wrap: LanHost['wrap'], text: string, ports: readonly number[]): Promise<ChildProcess> {
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

/** A bare namespace of the test's own with lo up and IPv4 forwarding on: a router. */
export function createRouterNs(name: string): { ns: string; wrap(argv: readonly string[]): string[]; exec(argv: readonly string[]): string; remove(): void } {
  const ip = requireDhcpPeer('ip');
  const ns = `kkgr${name}${process.pid}`;
  try {
    ipCmd(['netns', 'del', ns]);
  } catch {
    /* no leftover */
  }
  ipCmd(['netns', 'add', ns]);
  ipCmd(['-n', ns, 'link', 'set', 'lo', 'up']);
  const r = {
    ns,
    wrap: (argv: readonly string[]) => [ip, 'netns', 'exec', ns, ...argv],
    exec(argv: readonly string[]) {
      const [file, ...args] = r.wrap(argv) as [string, ...string[]];
      return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    },
    remove() {
      try {
        ipCmd(['netns', 'del', ns]);
      } catch {
        /* gone */
      }
    },
  };
  r.exec(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  return r;
}

/** Polls until `fn` is true (every 100 ms); fails naming `what` after `ms`. Resolves with the time it took. */
export async function until(what: string, fn: () => Promise<boolean> | boolean, ms = 10_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await fn()) return Date.now() - t0;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
