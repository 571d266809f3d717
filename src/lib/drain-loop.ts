/**
 * The loop of an outbox relay: drain what waits, in batches, on a timer and whenever `kick` says new
 * rows may be there (a command completed). One drain runs at a time; a kick during a drain runs one
 * more after it, so nothing written meanwhile waits for the next tick. A failed drain is logged and
 * tried again on the next tick or kick. A relay extends it with its `relayOnce`, and may give a cheaper
 * `anyWaiting` that a tick asks first: most ticks find nothing, and claiming is a transaction where
 * looking is one indexed read (an idle gateway's polls were most of its idle CPU). A kick claims at once.
 */
import { logger } from './logger.js';

export abstract class DrainLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  // A kick works before `start` (a relay driven by kicks alone, in tests); `stop` ends both.
  private stopped = false;

  /**
   * @param batchSize the size of a full batch: a drain goes on while `relayOnce` takes full ones.
   * @param pollMs the timer's period.
   * @param what what the log calls it.
   */
  constructor(
    protected readonly batchSize: number,
    private readonly pollMs: number,
    private readonly what: string,
  ) {}

  /** Moves one batch on; returns how many rows it took. */
  abstract relayOnce(): Promise<number>;

  /** Whether anything may be waiting (a tick drains only then); by default, always. */
  protected anyWaiting(): Promise<boolean> {
    return Promise.resolve(true);
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Drain now (called when commands complete), without waiting for the next tick. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Stops the timer and waits for a drain in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while ((await this.relayOnce()) === this.batchSize) {
        /* keep going while full batches come */
      }
    } catch (err) {
      logger.error({ err }, `${this.what} failed; will retry`);
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      // During a drain, one more after it (as a kick); otherwise a drain only when something waits.
      if (this.running) this.kick();
      else
        this.anyWaiting().then(
          (waiting) => waiting && this.kick(),
          (err) => logger.error({ err }, `${this.what} failed; will retry`),
        );
      this.schedule();
    }, this.pollMs);
  }
}
