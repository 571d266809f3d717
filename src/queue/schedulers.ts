/**
 * Registering a BullMQ job scheduler (the day close, the maintenance sweep) at start, mending what a
 * half-deleted one leaves behind. If the scheduler's `repeat` entry or the `delayed` set loses it (keys
 * deleted by hand, or evicted by a Redis not set to `noeviction`) while the job of its next iteration
 * stays, `upsertJobScheduler` refuses to create that iteration again ("job ID already exists") and the
 * process would not start. The stale iteration is removed then, and the scheduler registered again.
 */
import type { Queue } from 'bullmq';
import { logger, type Redis } from '../lib/index.js';

type Upsert = Parameters<Queue['upsertJobScheduler']>;

const STALE_ITERATION = /job ID already exists/;

/** The ids of the jobs `schedulerId` left in `queue` (`repeat:<scheduler>:<when, ms>`), whatever set they are in. */
async function iterationsOf(client: Redis, queue: Queue, schedulerId: string): Promise<string[]> {
  const base = queue.toKey(`repeat:${schedulerId}:`);
  const ids: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${base}*`, 'COUNT', 1000);
    cursor = next;
    // A job's own hash only (`…:<ms>`), not its `:logs` or `:lock` beside it.
    for (const key of keys) {
      const when = key.slice(base.length);
      if (/^\d+$/.test(when)) ids.push(`repeat:${schedulerId}:${when}`);
    }
  } while (cursor !== '0');
  return ids;
}

/**
 * `queue.upsertJobScheduler`, mending a half-deleted scheduler when it must (`connect`: a Redis client
 * for the look at its leftovers, closed after).
 */
export async function upsertScheduler(
  queue: Queue,
  connect: () => Redis,
  ...[schedulerId, repeat, template]: Upsert
): Promise<void> {
  try {
    await queue.upsertJobScheduler(schedulerId, repeat, template);
    return;
  } catch (err) {
    if (!STALE_ITERATION.test(String((err as Error)?.message))) throw err;
  }
  const client = connect();
  let stale: string[];
  try {
    stale = await iterationsOf(client, queue, String(schedulerId));
  } finally {
    client.disconnect();
  }
  // What is left of the scheduler first: while it stands, BullMQ refuses to remove its iterations. An
  // iteration running now is locked: removing it fails, and so does the start, saying why.
  await queue.removeJobScheduler(String(schedulerId));
  for (const id of stale) await queue.remove(id);
  logger.warn(
    { queue: queue.name, scheduler: schedulerId, removed: stale },
    'job scheduler was half deleted: its stale iteration removed, the scheduler registered again',
  );
  await queue.upsertJobScheduler(schedulerId, repeat, template);
}
