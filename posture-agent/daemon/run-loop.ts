/**
 * `kenneki-agent run`: reassess every interval, at once on a network change, and whenever the
 * server asks (SRETRY on the session the agent keeps open between assessments); back off while
 * the server is unreachable. The loop never ends on an error: each failure is reported, and the
 * agent tries again later. The host firewall keeps its last state meanwhile (fail closed: an
 * unreachable server never lifts a quarantine).
 */
import type { OpenAssessment } from '../assess.js';
import type { AssessmentOutcome } from '../outcome.js';
import { Backoff } from './backoff.js';

export type Trigger = 'start' | 'interval' | 'network-change' | 'server-retry' | 'retry-after-failure';

export interface RunLoopDeps {
  assessOnce: () => Promise<OpenAssessment>;
  onOutcome: (o: AssessmentOutcome, trigger: Trigger) => Promise<void>;
  onFailure: (err: Error, retryInMs: number) => Promise<void>;
  intervalMs: number;
  backoff?: Backoff;
}

/** A wake-up call: resolves `wait()` early when fired; a firing with nobody waiting is kept for the next wait. */
class Wake {
  private waiter: ((t: Trigger) => void) | undefined;
  private pending: Trigger | undefined;

  fire(reason: Trigger): void {
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      w(reason);
    } else this.pending = reason;
  }

  /** Resolves with the reason it was woken, or 'interval' when `ms` passed. `cancel` withdraws it. */
  wait(ms: number): { promise: Promise<Trigger>; cancel(): void } {
    if (this.pending !== undefined) {
      const r = this.pending;
      this.pending = undefined;
      return { promise: Promise.resolve(r), cancel: () => {} };
    }
    let timer: NodeJS.Timeout | undefined;
    let self: ((t: Trigger) => void) | undefined;
    const promise = new Promise<Trigger>((resolve) => {
      self = (t) => {
        clearTimeout(timer);
        resolve(t);
      };
      this.waiter = self;
      timer = setTimeout(() => {
        if (this.waiter === self) this.waiter = undefined;
        resolve('interval');
      }, Math.max(0, ms));
    });
    return {
      promise,
      cancel: () => {
        clearTimeout(timer);
        if (this.waiter === self) this.waiter = undefined;
      },
    };
  }
}

export class RunLoop {
  private stopped = false;
  private readonly wake = new Wake();
  private readonly backoff: Backoff;
  private current: OpenAssessment | undefined;
  /** Settles when the loop has ended after stop(). */
  done: Promise<void> = Promise.resolve();

  constructor(private readonly deps: RunLoopDeps) {
    this.backoff = deps.backoff ?? new Backoff();
  }

  start(): void {
    this.done = this.loop();
  }

  /** A network change: reassess now (closing any held session). */
  networkChanged(): void {
    this.wake.fire('network-change');
    this.current?.transport.close();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake.fire('interval');
    this.current?.transport.close();
    await this.done;
  }

  private async loop(): Promise<void> {
    let trigger: Trigger = 'start';
    while (!this.stopped) {
      const started = Date.now();
      try {
        const open = await this.deps.assessOnce();
        this.current = open;
        this.backoff.reset();
        await this.deps.onOutcome(open.outcome, trigger);
        trigger = await this.holdSession(open, started);
      } catch (e) {
        this.current?.transport.close();
        this.current = undefined;
        if (this.stopped) break;
        const delay = this.backoff.next();
        await this.deps.onFailure(e instanceof Error ? e : new Error(String(e)), delay).catch(() => {});
        const woken = await this.wake.wait(delay).promise;
        trigger = woken === 'interval' ? 'retry-after-failure' : woken;
      }
    }
    this.current?.transport.close();
  }

  /**
   * Keeps the assessed session open until the interval is up, answering server retries on it.
   * When the server closes it (its idle timeout), waits out the interval without it. Returns what
   * ended the wait.
   */
  private async holdSession(open: OpenAssessment, started: number): Promise<Trigger> {
    const deadline = started + this.deps.intervalMs;
    try {
      for (;;) {
        const left = deadline - Date.now();
        if (this.stopped || left <= 0) return 'interval';
        const retry = open.tncc.awaitServerRetry(left).then(
          (o) => ({ kind: 'retry' as const, o }),
          () => ({ kind: 'closed' as const }),
        );
        const wake = this.wake.wait(left);
        const r = await Promise.race([retry, wake.promise.then((t) => ({ kind: 'wake' as const, t }))]);
        wake.cancel();
        if (r.kind === 'wake') return r.t;
        if (r.kind === 'closed') {
          open.transport.close();
          this.current = undefined;
          if (this.stopped) return 'interval';
          return await this.wake.wait(deadline - Date.now()).promise;
        }
        await this.deps.onOutcome(r.o, 'server-retry');
      }
    } finally {
      await open.tncc.close().catch(() => {});
      this.current = undefined;
    }
  }
}
