/**
 * `GET /ops/queues`: the Bull Board dashboard over the command partitions and the outbound SMS queue,
 * behind the operator token (bearer, or Basic with the token as password so a browser can use it), as
 * is everything else under `/ops`.
 *
 * Job data is shown redacted: command jobs carry payment PINs and card PINs, and an outbound SMS may
 * carry a new user's initial passwords (its job does not say which), so SMS texts are not shown at all.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Router } from 'express';
import { OUTBOUND_SMS_QUEUE } from '../queue/index.js';
import { requireOpsToken } from './auth.js';

export const QUEUES_BOARD_PATH = '/ops/queues';

const SECRET_KEY = /pin|password|secret|token|apikey/i;

/** A copy of job data with every secret-looking field replaced (and, for SMS, the text). */
export function redactJobData(value: unknown, hideText = false): unknown {
  if (Array.isArray(value)) return value.map((v) => redactJobData(v, hideText));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => {
      if (SECRET_KEY.test(k) || (hideText && k === 'text')) return [k, '[redacted]'];
      return [k, redactJobData(v, hideText)];
    }),
  );
}

export function queuesBoardRoutes(queues: readonly Queue[], opsToken: string): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUES_BOARD_PATH);
  const adapters = queues.map((q) => {
    const adapter = new BullMQAdapter(q);
    const hideText = q.name === OUTBOUND_SMS_QUEUE;
    adapter.setFormatter('data', (data) => redactJobData(data, hideText));
    return adapter;
  });
  createBullBoard({ queues: adapters, serverAdapter });
  const router = Router();
  // The token guards all of `/ops` (INTERFACES §1), not only the dashboard: an unknown `/ops` path is 401
  // without it and 404 with it.
  router.use('/ops', requireOpsToken(opsToken, { basic: true }));
  router.use(QUEUES_BOARD_PATH, serverAdapter.getRouter());
  return router;
}
