/**
 * The submit window of one bind: at most `size` PDUs outstanding, callers beyond it wait in FIFO order.
 * A freed slot passes straight to the oldest waiter, so the count never exceeds the window and nobody
 * overtakes. `drained()` lets a stop wait for the last response.
 */
interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

export class SubmitWindow {
  private used = 0;
  private readonly waiters: Waiter[] = [];
  private readonly idle: Array<() => void> = [];

  constructor(private readonly size: number) {}

  /** Slots in use: PDUs sent and not answered. */
  get inUse(): number {
    return this.used;
  }

  acquire(): Promise<void> {
    if (this.used < this.size && this.waiters.length === 0) {
      this.used++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) {
      next.resolve();
      return;
    }
    this.used--;
    if (this.used === 0) for (const done of this.idle.splice(0)) done();
  }

  /** Rejects every caller still waiting for a slot (the link went down or is stopping). */
  failWaiters(err: Error): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(err);
  }

  /** Resolves when no slot is in use, or after `timeoutMs`. */
  drained(timeoutMs: number): Promise<void> {
    if (this.used === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.idle.push(done);
    });
  }
}
