/**
 * The operator side of the HTTP API (INTERFACES §8): health and readiness, Prometheus metrics, the
 * queue dashboard and the `/api` operator routes, as one router the app factory mounts.
 */
import type { Queue } from 'bullmq';
import { Router } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '../lib/index.js';
import { healthRoutes } from './health.routes.js';
import { createMetricsRegistry, metricsRoutes } from './metrics.routes.js';
import type { OpsDeps } from './ops-deps.js';
import { merchantRoutes } from './merchant.routes.js';
import { operatorRoutes } from './operator.routes.js';
import { createOperatorSessions } from './operator-session.js';
import { portalRoutes, staffRoutes } from './portal/index.js';
import { queuesBoardRoutes } from './queues.routes.js';
import type { Readiness } from './readiness.js';
import { wallRoutes } from './wall/index.js';

export { refusalError, refusalStatus, validate } from './api-errors.js';
export { CoreMetrics } from './core-metrics.js';
export { requireOpsToken, tokenMatches } from './auth.js';
export {
  createOperatorSessions,
  type OperatorSessions,
  operatorOf,
  requireOperator,
  SESSION_COOKIE,
} from './operator-session.js';
export { type WallSnapshot, wallSnapshot } from './wall/index.js';
export { QUEUE_STATES } from './metrics.routes.js';
export type { OpsDeps } from './ops-deps.js';
export { MAX_VOUCHER_FEN, OPERATOR_PATHS } from './operator.routes.js';
export { QUEUES_BOARD_PATH } from './queues.routes.js';
export {
  PhoneSmsc,
  type PhoneSms,
  type PhoneSmsSide,
  SIMULATOR_PATH,
  sessionCookie,
  sessionValid,
  type SimulatorOptions,
  simulatorEnabled,
  simulatorRoutes,
} from './simulator/index.js';
export { contextReadiness, type Readiness, type ReadinessProbes, readinessOf } from './readiness.js';

export interface OpsOptions {
  /** The operator bearer token (`OPS_TOKEN`). */
  opsToken: string;
  /** The checks behind `/readyz`; `contextReadiness(ctx)` gives PostgreSQL and Redis. */
  readiness: Readiness;
  /** How long `POST /api/topups` waits for its command before answering 202. Default 10000 ms. */
  commandTimeoutMs?: number;
  log: Logger;
  /** More queues for the metrics gauge and the dashboard (the SMS channel's). Default none. */
  extraQueues?: () => readonly Queue[];
  /** Registers more metrics (the SMPP link's) on the app's registry. */
  registerMetrics?: (registry: Registry) => void;
  /** How often the wall screen's feed pushes a snapshot. Default 5000 ms. */
  wallPushMs?: number;
}

/** Every operator route on one router, to mount at the root of the app. */
export function opsRoutes(ctx: OpsDeps, options: OpsOptions): Router {
  const queues = () => [
    ...ctx.bus.allQueues,
    ctx.relay.queue,
    ctx.callbacks.queue,
    ...(options.extraQueues?.() ?? []),
  ];
  const router = Router();
  const registry = createMetricsRegistry(queues, options.log, ctx.db);
  ctx.metrics?.register(registry);
  options.registerMetrics?.(registry);
  router.use(healthRoutes(options.readiness));
  router.use(metricsRoutes(registry));
  const sessions = createOperatorSessions(ctx.redis, ctx.config.redisPrefix);
  // The wall and its login come before the dashboard's guard, which covers every other `/ops` path.
  router.use(
    wallRoutes(ctx.db, {
      db: ctx.db,
      redis: ctx.redis,
      prefix: ctx.config.redisPrefix,
      queues,
      registry,
      opsToken: options.opsToken,
      sessions,
      pushIntervalMs: options.wallPushMs,
      log: options.log,
    }),
  );
  router.use(
    queuesBoardRoutes(queues(), { opsToken: options.opsToken, sessions, db: ctx.db, log: options.log }),
  );
  router.use(operatorRoutes(ctx, { ...options, sessions }));
  router.use(merchantRoutes(ctx, options));
  router.use(staffRoutes(ctx, options.opsToken));
  router.use(portalRoutes(ctx));
  return router;
}
