/**
 * Group commit: callers submit one item each and await its own result; the batcher hands what has
 * arrived to `flush` as one batch (up to `max` items, or after `waitMs` once the first arrives). With
 * BullMQ's worker concurrency N, N job handlers meet here and share one database transaction.
 * `maxInFlight` batches may run at once (the database serializes those that touch the same rows).
 *
 * `waitMs: 0` waits only for the current turn of the event loop: at low load an item is flushed at once,
 * under load the items that arrive while a batch runs form the next one (natural batching, no timer).
 */
export interface BatcherOptions {
  max: number;
  waitMs: number;
  maxInFlight: number;
  /**
   * When a batch fails as a whole, try each of its items alone, so one item that cannot be handled (a
   * value the database refuses) fails only itself and never the batch-mates it happened to meet.
   */
  isolateFailures?: boolean;
}

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export class Batcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private inFlight = 0;
  /** Batch sizes seen, for metrics and the benchmark's report. */
  readonly sizes: number[] = [];

  constructor(
    /** Returns one outcome per item, in order; an `Error` rejects only its own item. */
    private readonly flush: (items: I[]) => Promise<(O | Error)[]>,
    private readonly options: BatcherOptions,
  ) {
    if (options.max < 1 || options.maxInFlight < 1)
      throw new RangeError('a batcher needs max and maxInFlight of at least 1');
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.options.max) this.drain();
      else if (!this.timer)
        this.timer =
          this.options.waitMs > 0
            ? setTimeout(() => this.drain(), this.options.waitMs)
            : setImmediate(() => this.drain());
    });
  }

  private drain(): void {
    if (this.timer) {
      if (this.options.waitMs > 0) clearTimeout(this.timer as NodeJS.Timeout);
      else clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = null;
    }
    while (this.queue.length && this.inFlight < this.options.maxInFlight) {
      const batch = this.queue.splice(0, this.options.max);
      this.inFlight++;
      this.run(batch).finally(() => {
        this.inFlight--;
        if (this.queue.length) this.drain();
      });
    }
  }

  private async run(batch: Pending<I, O>[]): Promise<void> {
    if (this.sizes.length < 100_000) this.sizes.push(batch.length);
    try {
      const results = await this.flush(batch.map((p) => p.item));
      batch.forEach((p, i) => {
        const outcome = results[i];
        if (outcome instanceof Error) p.reject(outcome);
        else p.resolve(outcome);
      });
    } catch (err) {
      if (!this.options.isolateFailures || batch.length === 1) {
        for (const p of batch) p.reject(err);
        return;
      }
      await Promise.all(batch.map((p) => this.run([p])));
    }
  }
}
