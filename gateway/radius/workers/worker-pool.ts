/**
 * The main process's side of the RADIUS workers: forks them, passes them the bound sockets,
 * answers their admission lookups, applies their session records, serves the EAP requests they
 * hand over, pushes admission changes to them, and restarts one that dies or hangs. While a worker
 * is down the main process reads its socket, so no share of a port goes unread.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { RemoteInfo, Socket } from 'node:dgram';
import type { Logger } from 'pino';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { KennekiConfig } from '../../../policy/config/schema.js';
import type { AdmissionIndex } from '../../../policy/service/admission.js';
import { compiledSibling } from '../../../policy/util/package-root.js';
import type { SessionTable } from '../../sessions/session-table.js';
import { relayLogLines } from '../log-relay.js';
import type { RadiusServer } from '../server/radius-server.js';
import type { Admission } from '../../../policy/service/admission.js';
import { answerCredential } from '../eap/credentials-proxy.js';
import type { EapShare } from '../eap/index.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { bytes } from '../eap/threads/protocol.js';

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

export interface RadiusWorkerPoolOptions {
  count: number;
  radius: KennekiConfig['radius'];
  server: RadiusServer;
  admission: AdmissionIndex;
  sessions: SessionTable;
  log: Logger;
  readyTimeoutMs?: number;
  restartDelayMs?: number;
  /** Interval of the watchdog's pings; a worker silent for one interval is stuck (ms, default 5000). */
  watchdogMs?: number;
  /** The main process's EAP port's share: with it, and an auth port steered by State, workers hold EAP. */
  eap?: EapShare;
  /** The endpoint a Kenneki device certificate names, for a worker's EAP-TLS. */
  admissionByDeviceId?: (tenantId: string, deviceId: string) => Promise<Admission | undefined>;
}

interface Worker {
  index: number;
  child: ChildProcess;
  /** Set from its 'ready' until its exit. */
  ready: boolean;
  /** Settles the start of this worker (spawn's promise). */
  started?: () => void;
  metrics: Map<number, (m: MetricsJson | undefined) => void>;
  /** Its metrics as last scraped: kept when it dies, so that /metrics sums never go back. */
  lastMetrics?: MetricsJson;
  /** The watchdog's ping it has not answered yet. */
  pinged: boolean;
}

/**
 * Turns this process's reading of a socket on or off. While a worker serves a socket the main
 * process stops reading it: every process polling a socket is woken for each datagram and all but
 * one find nothing (~7 µs of CPU per request per extra reader under MAB load); it still sends EAP
 * answers through it. Node has no public API for this: it is the socket handle's
 * recvStop/recvStart. Where that is missing, the main process simply keeps reading, which is
 * correct, only slower.
 */
function setReading(socket: Socket, on: boolean): boolean {
  const state = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  const handle = state ? (socket as unknown as Record<symbol, { handle?: { recvStart?: () => number; recvStop?: () => number } } | undefined>)[state]?.handle : undefined;
  const toggle = on ? handle?.recvStart : handle?.recvStop;
  return typeof toggle === 'function' && toggle.call(handle) === 0;
}

/**
 * The socket of a port that worker `index` reads: its own in a port group (one socket per worker),
 * the one shared socket otherwise.
 */
const socketFor = (port: Socket[], index: number): Socket => port[index % port.length]!;

export class RadiusWorkerPool {
  private readonly workers: (Worker | undefined)[] = [];
  private stopping = false;
  private unwatch: (() => void) | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private nextMetricsId = 1;
  private retired: MetricsJson | undefined;
  private retiring: Promise<void> = Promise.resolve();
  /** The sockets the main process does not read now, because a ready worker does. */
  private readonly leftToWorkers = new Set<Socket>();
  private unwatchCrls: (() => void) | undefined;

  constructor(private readonly o: RadiusWorkerPoolOptions) {}

  async start(): Promise<void> {
    this.unwatch = this.o.admission.watch((tenantId, mac, admission) => this.broadcast({ kind: 'admission', tenantId, mac, admission: admission ?? null }));
    if (this.eapShare) this.unwatchCrls = this.eapShare.onRevocations((lists) => this.broadcast({ kind: 'revocations', lists: [...lists] }));
    try {
      await Promise.all(Array.from({ length: this.o.count }, (_, i) => this.spawn(i)));
      this.updateReading();
      this.watchdog = setInterval(() => this.watch(), this.o.watchdogMs ?? 5000);
      this.watchdog.unref();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.watchdog);
    this.unwatch?.();
    this.unwatchCrls?.();
    this.updateReading();
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (!w || w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
            const kill = setTimeout(() => w.child.kill('SIGKILL'), 2000);
            w.child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            w.child.kill('SIGTERM');
          }),
      ),
    );
  }

  /** The live workers' process ids. */
  get pids(): number[] {
    return this.workers.flatMap((w) => (w?.child.pid !== undefined && w.child.exitCode === null ? [w.child.pid] : []));
  }

  /** Every live worker's metrics; one that does not answer within a second is left out. */
  async metrics(): Promise<MetricsJson[]> {
    const asked = this.workers.filter((w): w is Worker => w !== undefined && w.child.connected);
    const answers = await Promise.all(
      asked.map(
        (w) =>
          new Promise<MetricsJson | undefined>((resolve) => {
            const requestId = this.nextMetricsId++;
            const timer = setTimeout(() => done(undefined), 1000);
            const done = (m: MetricsJson | undefined) => {
              clearTimeout(timer);
              w.metrics.delete(requestId);
              resolve(m);
            };
            w.metrics.set(requestId, done);
            this.post(w, { kind: 'metrics', requestId });
          }),
      ),
    );
    asked.forEach((w, i) => {
      const m = answers[i];
      if (m !== undefined) w.lastMetrics = m;
    });
    await this.retiring;
    return [...answers.filter((m): m is MetricsJson => m !== undefined), ...(this.retired ? [this.retired] : [])];
  }

  /**
   * A dead worker's counters and histograms, added to those of the workers that died before it.
   * Without them every sum on /metrics would drop when a worker dies, which a rate() reads as a
   * counter reset. What it counted after the last scrape is lost; gauges go with it.
   */
  private retire(w: Worker): void {
    // prom-client's typings call `type` a numeric enum; at run time it is the type's name.
    const last = w.lastMetrics?.filter((m) => ['counter', 'histogram'].includes(m.type as unknown as string));
    w.lastMetrics = undefined;
    if (!last || last.length === 0) return;
    // One at a time: two workers dying together must not both start from the same sum.
    this.retiring = this.retiring.then(async () => {
      this.retired = this.retired ? await AggregatorRegistry.aggregate([this.retired, last]).getMetricsAsJSON() : last;
    });
  }

  private spawn(index: number): Promise<void> {
    if (!this.o.server.sockets) return Promise.reject(new Error('the RADIUS server is not listening'));
    const child = fork(compiledSibling(import.meta.url, 'worker-main.js'), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: (process.env['KENNEKI_RADIUS_WORKER_NODE_ARGS'] ?? '').split(' ').filter(Boolean),
    });
    const w: Worker = { index, child, ready: false, metrics: new Map(), pinged: false };
    this.workers[index] = w;
    this.relayLogs(w);
    child.on('error', (err) => this.o.log.warn({ evt: 'RADIUS_WORKER_UNREACHABLE', worker: index, err }, `RADIUS worker ${index}: ${err.message}`));
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        // A worker stuck while starting may already hold the sockets and read from them: it
        // must not stay, or it would swallow requests. Its exit restarts it (unless stopping).
        child.kill('SIGKILL');
        reject(new Error(`RADIUS worker ${index} did not start within ${this.o.readyTimeoutMs ?? 10_000} ms`));
      }, this.o.readyTimeoutMs ?? 10_000);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`RADIUS worker ${index} exited while starting (${signal ?? `code ${code}`})`));
      });
      w.started = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    child.on('message', (m: FromWorker) => {
      try {
        this.handle(w, m);
      } catch (err) {
        this.o.log.error({ evt: 'RADIUS_WORKER_MESSAGE_FAILED', worker: index, err }, 'a message from a RADIUS worker could not be handled');
      }
    });
    child.on('exit', (code, signal) => {
      w.ready = false;
      for (const done of w.metrics.values()) done(undefined);
      this.retire(w);
      if (this.stopping || this.workers[index] !== w) return;
      this.updateReading();
      this.o.log.warn({ evt: 'RADIUS_WORKER_EXITED', worker: index, code, signal }, `RADIUS worker ${index} exited (${signal ?? `code ${code}`}); restarting it`);
      setTimeout(() => {
        if (this.stopping) return;
        this.spawn(index).then(
          () => {
            this.updateReading();
            this.o.log.info({ evt: 'RADIUS_WORKER_RESTARTED', worker: index }, `RADIUS worker ${index} restarted`);
          },
          (err: unknown) => this.o.log.error({ evt: 'RADIUS_WORKER_RESTART_FAILED', worker: index, err }, `RADIUS worker ${index} could not be restarted`),
        );
      }, this.o.restartDelayMs ?? 1000).unref();
    });
    return ready;
  }

  /** Kills a ready worker that did not answer the last ping; its exit restarts it. */
  private watch(): void {
    for (const w of this.workers) {
      if (!w?.ready) continue;
      if (w.pinged) {
        this.o.log.error({ evt: 'RADIUS_WORKER_STUCK', worker: w.index }, `RADIUS worker ${w.index} did not answer the watchdog; killing it`);
        w.ready = false;
        this.updateReading();
        w.child.kill('SIGKILL');
        continue;
      }
      w.pinged = true;
      this.post(w, { kind: 'ping' });
    }
  }

  private greet(w: Worker): void {
    const sockets = this.o.server.sockets;
    if (!sockets) return;
    const eap = this.eapShare;
    this.post(w, { kind: 'init', index: w.index, logLevel: this.o.log.level, radius: this.o.radius, workers: this.o.count, ...(eap ? { eap: eap.settings } : {}) });
    this.post(w, { kind: 'socket', port: 'auth' }, socketFor(sockets.auth, w.index));
    this.post(w, { kind: 'socket', port: 'acct' }, socketFor(sockets.acct, w.index));
  }

  /**
   * Workers hold EAP conversations themselves when the main process has a shareable EAP port and
   * the auth port is a group that the kernel steers by State (each worker reads its own socket).
   * Otherwise they hand EAP to the main process.
   */
  private get eapShare(): EapShare | undefined {
    const sockets = this.o.server.sockets;
    return this.o.eap && this.o.server.steersByState && sockets !== undefined && sockets.auth.length === this.o.count ? this.o.eap : undefined;
  }

  /** Whether the workers hold EAP conversations themselves (see eapShare). */
  get eapInWorkers(): boolean {
    return this.eapShare !== undefined;
  }

  /**
   * The main process reads a socket exactly while no ready worker reads it: in a port group, the
   * socket of a worker that is down or restarting (its datagrams would wait unread otherwise);
   * with one shared socket, only while no worker at all is ready.
   */
  private updateReading(): void {
    const sockets = this.o.server.sockets;
    if (!sockets) return;
    for (const port of [sockets.auth, sockets.acct]) {
      port.forEach((socket, j) => {
        const served = !this.stopping && this.workers.some((w) => w?.ready === true && socketFor(port, w.index) === socket);
        if (served === this.leftToWorkers.has(socket)) return;
        if (!setReading(socket, !served)) {
          // Unable to switch: keep reading, which is correct, only slower.
          setReading(socket, true);
          this.leftToWorkers.delete(socket);
          return;
        }
        if (served) this.leftToWorkers.add(socket);
        else this.leftToWorkers.delete(socket);
        this.o.log.debug({ evt: 'RADIUS_MAIN_READING', socket: j, reading: !served }, served ? `the RADIUS workers alone read socket ${j}` : `the main process reads socket ${j}`);
      });
    }
  }

  private handle(w: Worker, m: FromWorker): void {
    switch (m.kind) {
      case 'lookup':
        this.o.admission.lookup(m.tenantId, m.mac).then(
          (admission) => {
            this.post(w, { kind: 'admission', tenantId: m.tenantId, mac: m.mac, admission, requestId: m.requestId });
            // The device's next request may reach any worker (a port's requests are spread by
            // their authenticator), so every worker learns it now rather than asking again. What
            // goes out is what the index holds at this moment: a change that overtook the lookup
            // is already in it.
            const now = this.o.admission.peek(m.tenantId, m.mac);
            if (now) for (const other of this.workers) if (other && other !== w) this.post(other, { kind: 'admission', tenantId: m.tenantId, mac: m.mac, admission: now });
          },
          (err: unknown) => this.post(w, { kind: 'lookup-failed', requestId: m.requestId, reason: err instanceof Error ? err.message : String(err) }),
        );
        return;
      case 'sessions':
        for (const t of m.touches) {
          if (t.op === 'authorized') this.o.sessions.authorized(t.touch);
          else this.o.sessions.accounted(t.touch, t.status, t.stopCause);
        }
        return;
      case 'eap': {
        const holder = m.to === undefined ? undefined : this.workers[m.to];
        if (holder?.ready) {
          this.post(holder, { kind: 'eap', datagram: m.datagram, address: m.address, family: m.family, port: m.port, size: m.size });
          return;
        }
        // For the main process's own EAP port; or for a worker that is down, whose conversations
        // are lost: the main process's port knows no such State and discards it.
        const r: RemoteInfo = { address: m.address, family: m.family, port: m.port, size: m.size };
        this.o.server.receive(Buffer.from(m.datagram), r);
        return;
      }
      case 'credential': {
        const eap = this.o.eap;
        if (!eap) return;
        void answerCredential(eap.credentials, m, bytes).then((a) => this.post(w, a));
        return;
      }
      case 'device': {
        const lookup = this.o.admissionByDeviceId;
        const answer = (admission: Admission | null) => this.post(w, { kind: 'device', requestId: m.requestId, admission });
        if (!lookup) return answer(null);
        lookup(m.tenantId, m.deviceId).then(
          (a) => answer(a ?? null),
          (err: unknown) => {
            // Fail closed: the worker places the device as unknown.
            this.o.log.error({ evt: 'RADIUS_ADMISSION_FAILED', worker: w.index, err }, 'device lookup failed; placing as unknown');
            answer(null);
          },
        );
        return;
      }
      case 'metrics':
        w.metrics.get(m.requestId)?.(m.metrics);
        return;
      case 'hello':
        // Only now that the worker listens: a socket handed over earlier would start reading
        // before anything in the worker hears it, and the datagrams it read would be lost.
        this.greet(w);
        return;
      case 'ready':
        w.ready = true;
        w.pinged = false;
        w.started?.();
        return;
      case 'pong':
        w.pinged = false;
        return;
    }
  }

  private broadcast(m: ToWorker): void {
    for (const w of this.workers) if (w) this.post(w, m);
  }

  private post(w: Worker, m: ToWorker, handle?: import('node:dgram').Socket): void {
    if (!w.child.connected) return;
    try {
      if (handle) w.child.send(m, handle);
      else w.child.send(m);
    } catch (err) {
      this.o.log.warn({ evt: 'RADIUS_WORKER_UNREACHABLE', worker: w.index, err }, `RADIUS worker ${w.index} could not be told`);
    }
  }

  /** Worker log lines go where the main process's go; stderr (a crash's stack) is logged as a warning. */
  private relayLogs(w: Worker): void {
    relayLogLines(this.o.log, w.child.stdout, w.child.stderr, (line) => this.o.log.warn({ evt: 'RADIUS_WORKER_STDERR', worker: w.index, line }, line));
  }
}
