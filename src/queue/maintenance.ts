/**
 * Scheduled work, run every minute by a BullMQ job scheduler (one schedule however many gateways run):
 * wallets whose freeze date has come are unfrozen, and merchant payment requests past their expiry are
 * voided. The sweep only enqueues commands, with keys made from what they act on, so two sweeps that
 * overlap enqueue the same job once and the ledger applies each change once.
 */
import { Queue, Worker } from 'bullmq';
import { type Db, logger, type Redis } from '../lib/index.js';
import type { Command } from '../commands/index.js';
import { dueFreezes, expiredHolds, msisdnOfWallet } from '../ledger/index.js';
import type { CommandBus } from './command-bus.js';
import { MAINTENANCE_QUEUE } from './names.js';
import { upsertScheduler } from './schedulers.js';

/** Finds what is due and enqueues the commands that act on it; returns them (for tests and logs). */
export async function sweep(db: Db, bus: CommandBus, now = new Date()): Promise<Command[]> {
  const frozen = await dueFreezes(db, now);
  const expired = await expiredHolds(db, now);
  const commands: Command[] = [
    ...frozen.map(
      (a): Command<'account.unfreeze'> => ({
        key: `auto-unfreeze:${a.code}:${a.frozen_until.toISOString()}`,
        type: 'account.unfreeze',
        input: { msisdn: msisdnOfWallet(a.code)!, ifFrozenUntil: a.frozen_until.toISOString() },
      }),
    ),
    ...expired.map(
      (h): Command<'payment.decline'> => ({
        key: `hold-expiry:${h.id}`,
        type: 'payment.decline',
        input: { msisdn: msisdnOfWallet(h.code)!, holdId: h.id.toString() },
      }),
    ),
  ];
  if (commands.length) await bus.sendMany(commands);
  return commands;
}

export async function startMaintenance(opts: {
  db: Db;
  bus: CommandBus;
  connection: () => Redis;
  prefix: string;
  everyMs?: number;
}): Promise<{ close(): Promise<void> }> {
  const queue = new Queue(MAINTENANCE_QUEUE, { connection: opts.connection(), prefix: opts.prefix });
  await upsertScheduler(
    queue,
    opts.connection,
    'sweep',
    { every: opts.everyMs ?? 60_000 },
    { name: 'sweep' },
  );
  const worker = new Worker(
    MAINTENANCE_QUEUE,
    async () => {
      const commands = await sweep(opts.db, opts.bus);
      if (commands.length) logger.info({ count: commands.length }, 'maintenance enqueued due commands');
      return { enqueued: commands.length };
    },
    { connection: opts.connection(), prefix: opts.prefix, concurrency: 1 },
  );
  worker.on('error', (err) => logger.error({ err }, 'maintenance worker error'));
  return {
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
