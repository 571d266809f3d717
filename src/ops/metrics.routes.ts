/**
 * `GET /metrics`: Prometheus text. Default process metrics (CPU, memory, event-loop lag, GC) and, read
 * from Redis at each scrape, `fen_queue_jobs{queue, state}`: the jobs waiting, active, delayed and
 * failed in every command partition and in the outbound SMS queue. Open, without a token: Prometheus
 * scrapers usually send none, and the numbers say nothing about any user; restrict it at the network
 * edge if that matters where you run.
 *
 * Each app has a registry of its own (tests and several apps in one process must not collide in the
 * global one).
 */
import type { Queue } from 'bullmq';
import { Router } from 'express';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Logger } from '../lib/index.js';

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
export function createMetricsRegistry(queues: () => readonly Queue[], log: Logger): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
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
