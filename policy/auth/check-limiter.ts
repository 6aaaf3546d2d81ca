/**
 * Bounds how many expensive credential checks (scrypt, ~150 ms of CPU and 64 MiB each) run at
 * once, and how many may wait. Without it a flood of wrong passwords on PT-TLS would occupy every
 * libuv thread and all the CPU, and delay every legitimate login behind it; with it the flood
 * costs at most `concurrency` cores and anything past the queue is refused at once (fail closed:
 * a refused check is a failed login).
 */
export class CheckLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private refusedCount = 0;

  constructor(
    private readonly concurrency: number,
    private readonly maxQueue: number,
  ) {}

  /** Runs `fn` when a slot is free; resolves undefined without running it when the queue is full. */
  async run<T>(fn: () => Promise<T>): Promise<T | undefined> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxQueue) {
        this.refusedCount++;
        return undefined;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next waiter, so `running` never dips and lets a newcomer jump the queue.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Checks refused because the queue was full, since start. */
  get refused(): number {
    return this.refusedCount;
  }
}
