/** What the operator side needs of the process it runs in; main's `Context` is one. */
import type { Queue } from 'bullmq';
import type { Registry } from 'prom-client';
import type { Config } from '../config/index.js';
import type { Db, Redis } from '../lib/index.js';
import type { CommandBus } from '../queue/index.js';

/** The process's parts the operator routes, readiness checks and dashboards use. */
export interface OpsDeps {
  config: Config;
  /** Reads for the operator routes, and the readiness probe. */
  db: Db;
  /** The readiness probe's PING. */
  redis: Redis;
  /** Runs the operator's commands; its queues go on the dashboard and the metrics. */
  bus: CommandBus;
  /** The outbox relay: its outbound queue goes on the dashboard and the metrics. */
  relay: { readonly queue: Queue };
  /** The merchant callback relay: its queue goes on the dashboard and the metrics. */
  callbacks: { readonly queue: Queue };
  /** The core's metrics (sessions, flows, commands: `CoreMetrics`), put on the app's `/metrics`. */
  metrics?: { register(registry: Registry): void };
}
