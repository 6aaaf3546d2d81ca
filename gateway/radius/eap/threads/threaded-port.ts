/**
 * EAP on several threads (`radius.eap.threads`): each thread holds its own conversations and does
 * their TLS, so a burst of 802.1X logins (a floor of laptops at 9 am, a switch stack rebooting)
 * uses every core instead of queueing behind one event loop. RADIUS itself (the gate, placement,
 * sessions, CoA) stays on the main thread, which is where the admission index and store live.
 *
 * Routing: every State a thread hands out starts with the thread's index, so each round trip of a
 * conversation reaches the thread that holds it. A new conversation goes to the thread its
 * Calling-Station-Id hashes to (a device's TLS session is then resumable on that thread), or in
 * turn when there is none.
 *
 * Failure: a thread that dies is restarted after a second; the requests it had are discarded (the
 * NAS retransmits, and the supplicant starts over once its State is unknown). Nothing is answered
 * on its behalf, so a crash can never turn into an Access-Accept. A thread whose event loop is
 * stuck (a loop that never yields) would hold its share of the logins for ever instead: a watchdog
 * pings every thread, and one that has not answered by the next ping is terminated, and so
 * restarted.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { compiledSibling } from '../../../../policy/util/package-root.js';
import { relayLogLines } from '../../log-relay.js';
import type { EapAnswer, EapRequest } from '../../server/eap-port.js';
import type { EapCredentials } from '../credentials.js';
import { answerCredential } from '../credentials-proxy.js';
import type { EapPortHandle } from '../index.js';
import type { EapStats } from '../port.js';
import type { RevocationList } from '../revocation.js';
import { bytes, fromWire, statsOf, type CredentialRequest, type EapThreadData, type EapThreadSettings, type FromThread, type HandleMessage, type ToThread } from './protocol.js';

export interface ThreadedEapOptions {
  threads: number;
  settings: EapThreadSettings;
  credentials: EapCredentials;
  log: Logger;
  /** How long a thread may take to start before the server refuses to (ms). */
  startTimeoutMs?: number;
  /** Delay before a dead thread is started again (ms). */
  restartDelayMs?: number;
  /** Interval of the watchdog's pings; a thread silent for one interval is stuck (ms, default 5000). */
  watchdogMs?: number;
  /** The thread's entry script (tests); default eap-thread.js next to this file. */
  script?: string;
}

const EMPTY_STATS: EapStats = { conversations: 0, started: 0, succeeded: 0, failed: 0, discarded: 0, fullHandshakes: 0, resumedHandshakes: 0 };

class EapThread {
  worker: Worker | undefined;
  ready = false;
  /** The watchdog's ping this thread has not answered yet. */
  pinged = false;
  stats: EapStats = EMPTY_STATS;
  /** Stats of the thread's earlier lives: counters must not go back when it is restarted. */
  private retired: EapStats = EMPTY_STATS;
  readonly pending = new Map<number, (a: EapAnswer) => void>();

  constructor(readonly tag: number) {}

  retire(): void {
    this.retired = sum([this.retired, { ...this.stats, conversations: 0 }]);
    this.stats = EMPTY_STATS;
  }

  total(): EapStats {
    return sum([this.retired, this.stats]);
  }
}

export class ThreadedEapPort implements EapPortHandle {
  private readonly threads: EapThread[];
  private nextId = 0;
  private turn = 0;
  private closed = false;
  private readonly watchdog: NodeJS.Timeout;
  /** What a (re)started thread is built from: the options, with the CRLs in force now. */
  private settings: EapThreadSettings;

  private constructor(private readonly o: ThreadedEapOptions) {
    this.settings = o.settings;
    this.threads = Array.from({ length: o.threads }, (_, i) => new EapThread(i));
    this.watchdog = setInterval(() => this.watch(), o.watchdogMs ?? 5000);
    this.watchdog.unref();
  }

  /** Starts every thread; rejects (and leaves none running) if one fails to start. */
  static async start(o: ThreadedEapOptions): Promise<ThreadedEapPort> {
    if (!Number.isInteger(o.threads) || o.threads < 1 || o.threads > 255) throw new Error(`EAP threads must be 1–255, not ${o.threads}`);
    const p = new ThreadedEapPort(o);
    try {
      await Promise.all(p.threads.map((t) => p.spawn(t)));
    } catch (err) {
      p.close();
      throw err;
    }
    return p;
  }

  handle(req: EapRequest): Promise<EapAnswer> {
    const t = this.route(req);
    if (!t) return Promise.resolve({ kind: 'discard', reason: 'unknown-state' });
    if (!t.worker || !t.ready) return Promise.resolve({ kind: 'discard', reason: 'eap-thread-down' });
    const id = this.nextId++;
    const m: HandleMessage = [id, req.client.name, req.client.tenantId, bytes(req.eap), req.state ? bytes(req.state) : null];
    return new Promise((resolve) => {
      t.pending.set(id, resolve);
      t.worker!.postMessage(m);
    });
  }

  stats(): EapStats {
    return sum(this.threads.map((t) => t.total()));
  }

  updateRevocations(lists: readonly RevocationList[]): void {
    this.settings = { ...this.settings, revocations: [...lists] };
    for (const t of this.threads) t.worker?.postMessage({ kind: 'revocations', lists: [...lists] } satisfies ToThread);
  }

  /** Per thread, for tests and troubleshooting: how the load spreads. */
  threadStats(): EapStats[] {
    return this.threads.map((t) => t.total());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.watchdog);
    for (const t of this.threads) {
      const w = t.worker;
      t.worker = undefined;
      t.ready = false;
      this.abandon(t, 'closed');
      void w?.terminate();
    }
  }

  /** Kills one thread as a crash would (tests). */
  async crash(tag: number): Promise<void> {
    await this.threads[tag]?.worker?.terminate();
  }

  private watch(): void {
    for (const t of this.threads) {
      const w = t.worker;
      if (!w || !t.ready) continue;
      if (t.pinged) {
        this.o.log.error({ evt: 'RADIUS_EAP_THREAD_STUCK', thread: t.tag, pending: t.pending.size }, `EAP thread ${t.tag} did not answer the watchdog; terminating it`);
        t.ready = false;
        void w.terminate();
        continue;
      }
      t.pinged = true;
      w.postMessage({ kind: 'ping' } satisfies ToThread);
    }
  }

  private route(req: EapRequest): EapThread | undefined {
    if (req.state && req.state.length > 0) return this.threads[req.state[0]!];
    if (req.mac !== undefined) return this.threads[hash(req.mac) % this.threads.length];
    this.turn = (this.turn + 1) % this.threads.length;
    return this.threads[this.turn];
  }

  private spawn(t: EapThread): Promise<void> {
    const data: EapThreadData = { settings: this.settings, tag: t.tag, logLevel: this.o.log.level };
    // stdout/stderr piped here rather than to the process's: the thread's log lines join ours.
    const worker = new Worker(this.o.script ?? compiledSibling(import.meta.url, 'eap-thread.js'), { workerData: data, stdout: true, stderr: true });
    relayLogLines(this.o.log, worker.stdout, worker.stderr, (line) => this.o.log.warn({ evt: 'RADIUS_EAP_THREAD_STDERR', thread: t.tag, line }, line));
    t.worker = worker;
    t.ready = false;
    t.pinged = false;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`EAP thread ${t.tag} did not start within ${this.o.startTimeoutMs ?? 10_000} ms`));
        void worker.terminate();
      }, this.o.startTimeoutMs ?? 10_000);
      worker.on('message', (m: FromThread) => {
        if (Array.isArray(m)) {
          const [id, answer, stats] = m;
          if (stats) t.stats = statsOf(stats);
          const done = t.pending.get(id);
          t.pending.delete(id);
          done?.(fromWire(answer));
          return;
        }
        if (m.kind === 'pong') {
          t.pinged = false;
          return;
        }
        if (m.kind === 'ready') {
          clearTimeout(timer);
          t.ready = true;
          this.o.log.info({ evt: 'RADIUS_EAP_THREAD_READY', thread: t.tag }, `EAP thread ${t.tag} ready`);
          resolve();
          return;
        }
        void this.credential(worker, m);
      });
      worker.on('error', (err) => {
        this.o.log.error({ evt: 'RADIUS_EAP_THREAD_FAILED', thread: t.tag, err }, `EAP thread ${t.tag} failed`);
      });
      worker.on('exit', (code) => {
        clearTimeout(timer);
        if (t.worker !== worker) return;
        t.worker = undefined;
        t.ready = false;
        t.retire();
        this.abandon(t, 'eap-thread-exited');
        if (this.closed) return;
        reject(new Error(`EAP thread ${t.tag} exited with code ${code} before it was ready`));
        this.o.log.error({ evt: 'RADIUS_EAP_THREAD_EXITED', thread: t.tag, code }, `EAP thread ${t.tag} exited (code ${code}); its conversations are lost, restarting`);
        setTimeout(() => {
          if (this.closed) return;
          this.spawn(t).catch((err: unknown) => this.o.log.error({ evt: 'RADIUS_EAP_THREAD_FAILED', thread: t.tag, err }, `EAP thread ${t.tag} could not be restarted`));
        }, this.o.restartDelayMs ?? 1000).unref();
      });
    });
  }

  /** A thread asks for an inner credential: the store and directories live on this thread. */
  private async credential(worker: Worker, m: CredentialRequest): Promise<void> {
    worker.postMessage((await answerCredential(this.o.credentials, m, bytes)) satisfies ToThread);
  }

  private abandon(t: EapThread, reason: string): void {
    for (const done of t.pending.values()) done({ kind: 'discard', reason });
    t.pending.clear();
  }
}

function sum(all: EapStats[]): EapStats {
  const out = { ...EMPTY_STATS };
  for (const s of all) for (const k of Object.keys(out) as (keyof EapStats)[]) out[k] += s[k];
  return out;
}

/** FNV-1a over the canonical MAC: stable across restarts, cheap, spreads well enough. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
