/**
 * The RFC 5176 Dynamic Authorization client: tells a NAS to drop or re-evaluate a session when a
 * verdict changes. A NAS profile gives the chain of requests its vendor understands (a Cisco
 * "reauthenticate" CoA, a port bounce, a plain Disconnect); the client walks it until one is
 * ACKed, moving on after a NAK or a timeout, and reports every step it tried.
 *
 * One socket per address family, created on first use and bound to port 0 (a NAS answers to the
 * request's source). Requests are signed the RFC 5176 way (Message-Authenticator first, computed
 * over the zeroed authenticator) and retransmitted as the very same bytes (RFC 5080 §2.2.1), so a
 * NAS that already acted on the first copy answers from its duplicate cache instead of acting twice.
 *
 * send() never rejects for anything the network or a NAS does: those are results. It rejects only
 * on invalid options, a bug in the caller.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ipBytes } from '../../../policy/util/cidr.js';
import { RADIUS_AUTHENTICATOR_BYTES, encodeRequest } from '../codec/index.js';
import { IdentifierPool } from './identifiers.js';
import { REQUEST_CODE, requestAttributes } from './request.js';
import { judge, peek, type InFlightRequest } from './response.js';
import type {
  DynamicAuthDropReason, DynamicAuthObserver, DynamicAuthResult, DynamicAuthStep, DynamicAuthTarget, SendOptions, SessionIdentity, StepResult,
} from './types.js';

export type {
  DynamicAuthDropReason, DynamicAuthObserver, DynamicAuthResult, DynamicAuthStep, DynamicAuthTarget, SendOptions, SessionIdentity, StepResult,
} from './types.js';
export { DYNAMIC_AUTH_DROP_REASONS } from './types.js';

export interface DynamicAuthClientOptions {
  /** Source address for requests to targets of its family (a NAS may accept only one DAS client address). */
  localAddress?: string;
  observer?: DynamicAuthObserver;
  /** Requests allowed to wait per NAS once all 256 Identifiers are in flight; beyond, a step ends in 'error'. Default 4096. */
  maxQueuedPerTarget?: number;
}

const DEFAULT_TIMEOUT_MS = 1000;
const DEFAULT_RETRIES = 2;
const DEFAULT_MAX_QUEUED = 4096;

type Family = 4 | 6;

interface Exchange extends InFlightRequest {
  answer(v: { result: 'ack' | 'nak'; errorCause?: number; errorCauseName?: string }): void;
  abort(detail: string): void;
}

const OUTCOME: Readonly<Record<StepResult['result'], DynamicAuthResult['outcome']>> = { ack: 'acked', nak: 'naked', timeout: 'timeout', error: 'error' };

const familyOf = (address: string): Family | undefined => (isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined);
/** One spelling per address, so a NAS's answer from "::1" finds a request sent to "0:0::1". */
const addressKey = (address: string): string => ipBytes(address)?.toString('hex') ?? address;
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class DynamicAuthClient {
  private readonly sockets = new Map<Family, Promise<Socket>>();
  /** Per NAS address and port: an Identifier names an exchange only together with its peer. */
  private readonly pools = new Map<string, IdentifierPool>();
  private readonly inFlight = new Map<string, Exchange>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: DynamicAuthClientOptions = {}) {}

  async send(target: DynamicAuthTarget, session: SessionIdentity, opts: SendOptions = {}): Promise<DynamicAuthResult> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const retries = opts.retries ?? DEFAULT_RETRIES;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs must be a positive number, got ${timeoutMs}`);
    if (!Number.isInteger(retries) || retries < 0) throw new RangeError(`retries must be a non-negative integer, got ${retries}`);
    const steps: StepResult[] = [];
    for (const step of target.steps) {
      const r = await this.runStep(target, step, session, timeoutMs, retries);
      steps.push(r);
      this.notify((o) => o.finished(step.name, r.result));
      if (r.result === 'ack') return { outcome: 'acked', step: step.name, steps };
      if (this.closing) break;
    }
    const last = steps.at(-1);
    return { outcome: last ? OUTCOME[last.result] : 'error', steps };
  }

  /** Idempotent. Requests in flight or queued end in 'error'; later sends too. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const closed = new Error('client closed');
    for (const pool of this.pools.values()) pool.rejectWaiters(closed);
    for (const ex of [...this.inFlight.values()]) ex.abort(closed.message);
    const bound = await Promise.allSettled(this.sockets.values());
    await Promise.all(bound.map((b) => (b.status === 'fulfilled' ? new Promise<void>((resolve) => b.value.close(resolve)) : undefined)));
  }

  private async runStep(target: DynamicAuthTarget, step: DynamicAuthStep, session: SessionIdentity, timeoutMs: number, retries: number): Promise<StepResult> {
    const fail = (detail: string): StepResult => ({ step: step.name, result: 'error', attempts: 0, detail });
    if (this.closing) return fail('client closed');
    const family = familyOf(target.address);
    if (family === undefined) return fail(`${target.address} is not an IP address`);
    let datagramFor: (identifier: number) => Buffer;
    try {
      // Built once per step, outside the Identifier: a bad profile row costs no Identifier.
      const attributes = requestAttributes(step, session, new Date());
      datagramFor = (identifier) => encodeRequest({ code: REQUEST_CODE[step.request], identifier, attributes }, target.secret);
    } catch (e) {
      return fail(message(e));
    }
    let socket: Socket;
    try {
      socket = await this.socketFor(family);
    } catch (e) {
      return fail(`cannot bind a udp${family} socket: ${message(e)}`);
    }
    const peer = `${addressKey(target.address)}|${target.port}`;
    const pool = this.poolFor(peer);
    let identifier: number;
    try {
      identifier = await pool.acquire();
    } catch (e) {
      if (pool.idle) this.pools.delete(peer);
      return fail(message(e));
    }
    try {
      if (this.closing) return fail('client closed');
      let datagram: Buffer;
      try {
        datagram = datagramFor(identifier);
      } catch (e) {
        return fail(message(e));
      }
      return await this.exchange(socket, target, step, `${peer}|${identifier}`, datagram, timeoutMs, retries);
    } finally {
      pool.release(identifier);
      if (pool.idle) this.pools.delete(peer);
    }
  }

  /** Transmits and retransmits one signed packet until it is answered, times out or is aborted. */
  private exchange(socket: Socket, target: DynamicAuthTarget, step: DynamicAuthStep, key: string, datagram: Buffer, timeoutMs: number, retries: number): Promise<StepResult> {
    return new Promise((resolve) => {
      const started = performance.now();
      let attempts = 0;
      let timer: NodeJS.Timeout | undefined;
      let done = false;
      const finish = (r: Omit<StepResult, 'step' | 'attempts'>): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.inFlight.delete(key);
        resolve({ step: step.name, attempts, ...r });
      };
      const transmit = (): void => {
        attempts++;
        try {
          socket.send(datagram, target.port, target.address, (err) => {
            if (err) finish({ result: 'error', detail: `send failed: ${err.message}` });
          });
        } catch (e) {
          finish({ result: 'error', detail: `send failed: ${message(e)}` });
          return;
        }
        timer = setTimeout(() => (attempts > retries ? finish({ result: 'timeout' }) : transmit()), timeoutMs);
      };
      this.inFlight.set(key, {
        request: step.request,
        authenticator: Buffer.from(datagram.subarray(4, 4 + RADIUS_AUTHENTICATOR_BYTES)),
        secret: target.secret,
        answer: (v) => finish({ ...v, rttMs: performance.now() - started }),
        abort: (detail) => finish({ result: 'error', detail }),
      });
      transmit();
    });
  }

  private poolFor(peer: string): IdentifierPool {
    let pool = this.pools.get(peer);
    if (!pool) {
      pool = new IdentifierPool(this.options.maxQueuedPerTarget ?? DEFAULT_MAX_QUEUED);
      this.pools.set(peer, pool);
    }
    return pool;
  }

  private socketFor(family: Family): Promise<Socket> {
    let socket = this.sockets.get(family);
    if (!socket) {
      socket = this.bind(family);
      this.sockets.set(family, socket);
      // A failed bind (say, a local address that went away) may succeed on a later send.
      socket.catch(() => this.sockets.delete(family));
    }
    return socket;
  }

  private bind(family: Family): Promise<Socket> {
    const local = this.options.localAddress;
    const address = local !== undefined && familyOf(local) === family ? local : undefined;
    return new Promise((resolve, reject) => {
      const socket = createSocket(family === 4 ? 'udp4' : 'udp6');
      socket.on('message', (datagram, rinfo) => this.onMessage(datagram, rinfo));
      socket.once('error', reject);
      socket.bind({ port: 0, ...(address === undefined ? {} : { address }) }, () => {
        socket.off('error', reject);
        // Send failures arrive in send()'s callback; without a listener any other socket error
        // would be thrown as an uncaught 'error' event and take the process down.
        socket.on('error', () => {});
        resolve(socket);
      });
    });
  }

  /** Hostile input ends here as a counted drop, never as an exception out of the event loop. */
  private onMessage(datagram: Buffer, rinfo: RemoteInfo): void {
    try {
      const peeked = peek(datagram);
      if (peeked.kind === 'drop') return this.dropped(peeked.reason);
      const ex = this.inFlight.get(`${addressKey(rinfo.address)}|${rinfo.port}|${peeked.packet.identifier}`);
      if (!ex) return this.dropped('no-request');
      const verdict = judge(datagram, peeked.packet, ex);
      if (verdict.kind === 'drop') return this.dropped(verdict.reason);
      const { result, errorCause, errorCauseName } = verdict;
      ex.answer({ result, ...(errorCause === undefined ? {} : { errorCause }), ...(errorCauseName === undefined ? {} : { errorCauseName }) });
    } catch {
      this.dropped('internal-error');
    }
  }

  private dropped(reason: DynamicAuthDropReason): void {
    this.notify((o) => o.dropped(reason));
  }

  private notify(f: (o: DynamicAuthObserver) => void): void {
    const o = this.options.observer;
    if (!o) return;
    try {
      f(o);
    } catch {
      // A failing metric must not turn an ACKed Disconnect into an error, nor crash the socket.
    }
  }
}
