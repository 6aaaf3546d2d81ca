/**
 * A remote gateway's end of the allow-list stream (policy/http/routes/gateway-stream.ts): one long
 * HTTPS request with the gateway credential, read line by line. A snapshot replaces everything;
 * changes follow. No line within three ping intervals, a closed connection or a line that makes no
 * sense means the server is gone: the client says so (the gateway keeps what it enforces, so
 * nothing new is let in) and reconnects with backoff; the next snapshot re-syncs it.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Logger } from 'pino';
import { GATEWAY_DRIFT_PATH } from '../../policy/http/routes/gateway-drift.js';
import { GATEWAY_PING_MS, GATEWAY_STREAM_PATH } from '../../policy/http/routes/gateway-stream.js';
import { ACCESS_CLASSES, type AccessClass, type AllowlistEntry, type GatewayPolicy, type GatewayService, type TenantEntry } from './contract.js';
import { isRecord } from '../../policy/util/is-record.js';

export interface StreamChange {
  tenantId: string;
  ip: string;
  entry?: AllowlistEntry;
}

export interface StreamClientOptions {
  /** https://host:port of the policy server (http:// only to a loopback address). */
  serverUrl: string;
  credential: string;
  /** PEM the server's certificate must chain to; absent: the system's trust store. */
  ca?: string;
  log: Logger;
  onSnapshot(policy: GatewayPolicy, entries: TenantEntry[], gateway: string): Promise<void>;
  onChanges(changes: StreamChange[]): void;
  onDisconnected(reason: string): void;
  pingTimeoutMs?: number;
  maxBackoffMs?: number;
}

/** A snapshot of a very large tenant is one line; anything beyond this is not a server of ours. */
const MAX_LINE_BYTES = 256 * 1024 * 1024;

export class StreamProtocolError extends Error {}

export function checkServerUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--server: "${url}" is not a URL (https://policy-server:8443)`);
  }
  const loopback = u.hostname === 'localhost' || u.hostname.startsWith('127.') || u.hostname === '[::1]';
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
    throw new Error(`--server: ${u.protocol}// is refused: verdicts travel over TLS (https://), except to a loopback address`);
  }
  return u;
}

const isAccess = (v: unknown): v is AccessClass => typeof v === 'string' && (ACCESS_CLASSES as readonly string[]).includes(v);

function entryOf(v: unknown): AllowlistEntry {
  if (!isRecord(v) || typeof v.ip !== 'string' || !isAccess(v.access) || (v.mac !== undefined && typeof v.mac !== 'string')) throw new StreamProtocolError('malformed entry');
  return { ip: v.ip, ...(typeof v.mac === 'string' ? { mac: v.mac } : {}), access: v.access };
}

function policyOf(v: unknown): GatewayPolicy {
  if (!isRecord(v) || !Array.isArray(v.remediation) || !Array.isArray(v.services)) throw new StreamProtocolError('malformed policy');
  const services = v.services.map((s): GatewayService => {
    if (!isRecord(s) || typeof s.ip !== 'string' || (s.proto !== 'tcp' && s.proto !== 'udp') || typeof s.port !== 'number') throw new StreamProtocolError('malformed service');
    return { ip: s.ip, proto: s.proto, port: s.port };
  });
  if (!v.remediation.every((r) => typeof r === 'string')) throw new StreamProtocolError('malformed remediation list');
  return { remediation: v.remediation as string[], services, ...(typeof v.portalUrl === 'string' ? { portalUrl: v.portalUrl } : {}) };
}

export class StreamClient {
  private req: ClientRequest | undefined;
  private stopped = false;
  private backoffMs = 1000;
  private watchdog: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private live = false;
  private readonly url: URL;

  constructor(private readonly o: StreamClientOptions) {
    this.url = checkServerUrl(o.serverUrl);
  }

  /** True between a snapshot and the next disconnection. */
  get connected(): boolean {
    return this.live;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    clearTimeout(this.watchdog);
    this.req?.destroy();
    this.req = undefined;
  }

  /** Tells the server about drift this gateway repaired (audited there); failures are logged, not thrown. */
  reportDrift(table: string, drift: readonly string[]): Promise<void> {
    const target = new URL(GATEWAY_DRIFT_PATH, this.url);
    const body = JSON.stringify({ table, drift: drift.slice(0, 100).map((d) => d.slice(0, 1000)) });
    return new Promise((resolve) => {
      const req = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.o.credential}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: 10_000,
        ...(this.o.ca !== undefined ? { ca: this.o.ca } : {}),
      });
      const fail = (why: string) => {
        this.o.log.warn({ evt: 'GATEWAY_DRIFT_NOT_REPORTED', reason: why }, `the repaired drift could not be reported to the policy server: ${why}`);
        resolve();
      };
      req.on('response', (res) => {
        res.resume();
        if (res.statusCode === 204) resolve();
        else fail(`HTTP ${res.statusCode}`);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => fail(err.message));
      req.end(body);
    });
  }

  private connect(): void {
    if (this.stopped) return;
    const target = new URL(GATEWAY_STREAM_PATH, this.url);
    const opts = { method: 'GET', headers: { authorization: `Bearer ${this.o.credential}`, accept: 'application/x-ndjson' }, ...(this.o.ca !== undefined ? { ca: this.o.ca } : {}) };
    const req = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, opts);
    this.req = req;
    let ended = false;
    const end = (reason: string) => {
      if (ended) return;
      ended = true;
      clearTimeout(this.watchdog);
      req.destroy();
      if (this.req === req) this.req = undefined;
      const wasLive = this.live;
      this.live = false;
      if (this.stopped) return;
      this.o.onDisconnected(reason);
      const wait = this.backoffMs;
      this.backoffMs = wasLive ? 1000 : Math.min(this.backoffMs * 2, this.o.maxBackoffMs ?? 30_000);
      this.o.log.warn({ evt: 'GATEWAY_STREAM_LOST', reason, retryInMs: wait }, `policy server stream lost (${reason}); keeping the current allow-list, retrying in ${wait} ms`);
      this.retry = setTimeout(() => this.connect(), wait);
    };
    const arm = () => {
      clearTimeout(this.watchdog);
      this.watchdog = setTimeout(() => end('no data within the ping timeout'), this.o.pingTimeoutMs ?? 3 * GATEWAY_PING_MS);
    };
    arm();
    req.on('error', (err) => end(err.message));
    req.on('response', (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        res.resume();
        return end(res.statusCode === 401 ? 'the server refused the gateway credential (401)' : `HTTP ${res.statusCode}`);
      }
      let buf = '';
      let work = Promise.resolve();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        arm();
        buf += chunk;
        if (buf.length > MAX_LINE_BYTES) return end('a line longer than the limit');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line === '') continue;
          // Lines are handled in order, a snapshot's nft run before the changes that follow it.
          work = work.then(() => this.handle(line)).catch((err: unknown) => end(err instanceof Error ? err.message : String(err)));
        }
      });
      res.on('end', () => end('the server closed the stream'));
      res.on('error', (err) => end(err.message));
    });
    req.end();
  }

  private async handle(line: string): Promise<void> {
    let m: unknown;
    try {
      m = JSON.parse(line);
    } catch {
      throw new StreamProtocolError('a line that is not JSON');
    }
    if (!isRecord(m)) throw new StreamProtocolError('a line that is not an object');
    if (m.type === 'ping') return;
    if (m.type === 'snapshot') {
      if (!Array.isArray(m.entries)) throw new StreamProtocolError('malformed snapshot');
      const entries = m.entries.map((e) => {
        if (!isRecord(e) || typeof e.tenantId !== 'string') throw new StreamProtocolError('malformed entry');
        return { tenantId: e.tenantId, ...entryOf(e) };
      });
      await this.o.onSnapshot(policyOf(m.policy), entries, typeof m.gateway === 'string' ? m.gateway : '');
      this.live = true;
      this.backoffMs = 1000;
      return;
    }
    if (m.type === 'changes') {
      if (!this.live || !Array.isArray(m.changes)) throw new StreamProtocolError('changes before a snapshot, or malformed');
      this.o.onChanges(
        m.changes.map((c) => {
          if (!isRecord(c) || typeof c.tenantId !== 'string' || typeof c.ip !== 'string') throw new StreamProtocolError('malformed change');
          return { tenantId: c.tenantId, ip: c.ip, ...(c.entry !== undefined ? { entry: entryOf(c.entry) } : {}) };
        }),
      );
      return;
    }
    // Unknown types are skipped: a newer server may send more than this gateway knows.
  }
}
