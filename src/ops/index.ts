/**
 * The operator side of the HTTP API (INTERFACES §8): health and readiness, Prometheus metrics, the
 * queue dashboard and the `/api` operator routes, as one router the app factory mounts.
 */
import { Router } from 'express';
import type { Logger } from '../lib/logger.js';
import type { Context } from '../main/context.js';
import { healthRoutes } from './health.routes.js';
import { createMetricsRegistry, metricsRoutes } from './metrics.routes.js';
import { operatorRoutes } from './operator.routes.js';
import { queuesBoardRoutes } from './queues.routes.js';
import type { Readiness } from './readiness.js';

export { refusalError, refusalStatus, validate } from './api-errors.js';
export { requireOpsToken, tokenMatches } from './auth.js';
export { QUEUE_STATES } from './metrics.routes.js';
export { MAX_VOUCHER_FEN, OPERATOR_PATHS } from './operator.routes.js';
export { QUEUES_BOARD_PATH } from './queues.routes.js';
export { contextReadiness, type Readiness, type ReadinessProbes, readinessOf } from './readiness.js';

export interface OpsOptions {
  /** The operator bearer token (`OPS_TOKEN`). */
  opsToken: string;
  /** The checks behind `/readyz`; `contextReadiness(ctx)` gives PostgreSQL and Redis. */
  readiness: Readiness;
  /** How long `POST /api/topups` waits for its command before answering 202. Default 10000 ms. */
  commandTimeoutMs?: number;
  log: Logger;
}

/** Every operator route on one router, to mount at the root of the app. */
export function opsRoutes(ctx: Context, options: OpsOptions): Router {
  const queues = () => [...ctx.bus.allQueues, ctx.relay.queue];
  const router = Router();
  router.use(healthRoutes(options.readiness));
  router.use(metricsRoutes(createMetricsRegistry(queues, options.log)));
  router.use(queuesBoardRoutes(queues(), options.opsToken));
  router.use(operatorRoutes(ctx, options));
  return router;
}
