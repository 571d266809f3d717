/**
 * `GET /metrics`: Prometheus text. Default process metrics (CPU, memory, event-loop lag, GC) and, read
 * from Redis at each scrape, `fen_queue_jobs{queue, state}`: the jobs waiting, active, delayed and
 * failed in every command partition and in the outbound SMS queue. Open, without a token: Prometheus
 * scrapers usually send none, and the numbers say nothing about any user; restrict it at the network
 * edge if that matters where you run.
 *
 * With a database, also the business day's ledger figures, read at each scrape (one query over the
 * day's transfers): `fen_day_transfers{kind, channel}` and `fen_day_transfer_fen{kind, channel}`
 * (posted transfers and their fen, by the channel their command came from), `fen_day_new_wallets`,
 * `fen_day_active_users`. Counts only: no label holds a number or a name.
 *
 * Each app has a registry of its own (tests and several apps in one process must not collide in the
 * global one).
 */
import type { Queue } from 'bullmq';
import { Router } from 'express';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { dayStats } from '../ledger/index.js';
import { businessDay, type Db, type Logger } from '../lib/index.js';

export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/** How long a scrape waits for one queue's counts (ioredis queues commands while Redis is away). */
const COUNT_TIMEOUT_MS = 2_000;

function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** The registry of one app: default metrics plus the queue gauge over `queues()` (read at each scrape). */
export function createMetricsRegistry(queues: () => readonly Queue[], log: Logger, db?: Db): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  if (db) dayGauges(registry, db, log);
  new Gauge({
    name: 'fen_queue_jobs',
    help: 'Jobs in a BullMQ queue by state (waiting, active, delayed, failed), read at scrape time',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        queues().map(async (queue) => {
          try {
            const counts = await within(queue.getJobCounts(...QUEUE_STATES), COUNT_TIMEOUT_MS);
            for (const state of QUEUE_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
          } catch (err) {
            // A queue that cannot be read is left out of this scrape rather than reported as empty.
            log.warn({ err, queue: queue.name }, 'metrics: cannot read queue counts');
          }
        }),
      );
    },
  });
  return registry;
}

export function metricsRoutes(registry: Registry): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const text = await registry.metrics();
    res.setHeader('Content-Type', registry.contentType);
    res.send(text);
  });
  return router;
}

/** The business day's figures, one read per scrape shared by the four gauges. */
function dayGauges(registry: Registry, db: Db, log: Logger): void {
  let reading: Promise<Awaited<ReturnType<typeof dayStats>> | null> | null = null;
  // The four collects of one scrape run together: they share one read, forgotten once it is done.
  const read = () => {
    reading ??= dayStats(db, businessDay())
      .catch((err) => {
        log.warn({ err }, 'metrics: cannot read the day figures');
        return null;
      })
      .finally(() => {
        setImmediate(() => {
          reading = null;
        });
      });
    return reading;
  };
  const labelled = (name: string, help: string, value: (t: { count: number; amount: bigint }) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['kind', 'channel'],
      registers: [registry],
      async collect() {
        this.reset();
        const stats = await read();
        for (const t of stats?.transfers ?? []) this.set({ kind: t.kind, channel: t.channel }, value(t));
      },
    });
  labelled(
    'fen_day_transfers',
    'Posted transfers this business day (China time), by kind and channel',
    (t) => t.count,
  );
  labelled(
    'fen_day_transfer_fen',
    'Fen moved by posted transfers this business day, by kind and channel',
    (t) => Number(t.amount),
  );
  const single = (
    name: string,
    help: string,
    value: (s: { newWallets: number; activeUsers: number }) => number,
  ) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const stats = await read();
        if (stats) this.set(value(stats));
      },
    });
  single('fen_day_new_wallets', 'Wallets opened this business day', (s) => s.newWallets);
  single('fen_day_active_users', 'Wallets that moved money this business day', (s) => s.activeUsers);
}
