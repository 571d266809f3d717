/**
 * The close of a business day (China time): at 00:30 Asia/Shanghai a BullMQ job scheduler (one schedule
 * however many workers run) settles the day just ended: each merchant whose account moved that day gets
 * a `settlement` command under the key `settlement:<merchant>:<day>`, which moves its net of the day to
 * the settlement clearing account as one transfer. The keys make the close idempotent per day: a second
 * run, or two workers running it at once, moves nothing more.
 */
import { Queue, Worker } from 'bullmq';
import { businessDay, type Db, logger, type Redis } from '../lib/index.js';
import type { CommandResult } from '../commands/index.js';
import { merchantsMovedOn } from '../ledger/index.js';
import type { CommandBus } from './command-bus.js';
import { DAY_CLOSE_QUEUE } from './names.js';
import { upsertScheduler } from './schedulers.js';

/** When the day closes: 00:30, China time (the half hour lets the day's last batches commit). */
export const DAY_CLOSE_PATTERN = '30 0 * * *';
export const DAY_CLOSE_TZ = 'Asia/Shanghai';

/** The business day before the one `now` falls in: the day a close at 00:30 settles. */
export function previousBusinessDay(now: Date): string {
  return businessDay(new Date(now.getTime() - 24 * 3_600_000));
}

/**
 * Settles every merchant that moved on `day`; returns each merchant's outcome. A day that is not over at
 * `now` is refused here, before any command: its settlement keys stay free for the real close.
 */
export async function closeDay(
  db: Db,
  bus: CommandBus,
  day: string,
  now: Date = new Date(),
  timeoutMs = 60_000,
): Promise<{ merchant: string; result: CommandResult }[]> {
  if (day >= businessDay(now)) throw new Error(`business day ${day} is not over yet`);
  const merchants = await merchantsMovedOn(db, day);
  return Promise.all(
    merchants.map(async (merchant) => ({
      merchant,
      result: await bus.execute(
        { key: `settlement:${merchant}:${day}`, type: 'settlement', input: { merchant, day } },
        timeoutMs,
      ),
    })),
  );
}

export async function startDayClose(opts: {
  db: Db;
  bus: CommandBus;
  connection: () => Redis;
  prefix: string;
  clock?: () => Date;
}): Promise<{ queue: Queue; close(): Promise<void> }> {
  const clock = opts.clock ?? (() => new Date());
  const queue = new Queue(DAY_CLOSE_QUEUE, { connection: opts.connection(), prefix: opts.prefix });
  await upsertScheduler(
    queue,
    opts.connection,
    'day-close',
    { pattern: DAY_CLOSE_PATTERN, tz: DAY_CLOSE_TZ },
    { name: 'day-close', opts: { attempts: 10, backoff: { type: 'exponential', delay: 60_000 } } },
  );
  const worker = new Worker(
    DAY_CLOSE_QUEUE,
    async () => {
      const day = previousBusinessDay(clock());
      const outcomes = await closeDay(opts.db, opts.bus, day, clock());
      const unsettled = outcomes.filter((o) => !o.result.ok && o.result.error.code === 'pending');
      logger.info({ day, merchants: outcomes.length, unsettled: unsettled.length }, 'business day closed');
      // A settlement still running is retried by the job; the ones done answer from their stored results.
      if (unsettled.length) throw new Error(`${unsettled.length} settlements of ${day} not finished yet`);
      return { day, settled: outcomes.length };
    },
    { connection: opts.connection(), prefix: opts.prefix, concurrency: 1 },
  );
  worker.on('error', (err) => logger.error({ err }, 'day close worker error'));
  return {
    queue,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
