/**
 * `GET /ops/queues`: the Bull Board dashboard over the command partitions and the outbound SMS queue,
 * behind the operator token (bearer, or Basic with the token as password) or an operator session (the
 * login page's cookie; a browser without one is sent to the login page), as is everything else under
 * `/ops`. Every change made from the dashboard (a job retried or removed, a queue cleaned or paused) is
 * written to the audit log ahead of it (no row, no change: 500), its outcome set before the answer goes.
 *
 * The dashboard never makes or rewrites a job: adding one (or duplicating one, which is an add), editing
 * a job's data, or running or rewriting a job scheduler is refused with 403 and recorded as refused. A
 * command forged in a command queue would move money past the API, the PIN and the audit trail. The
 * writes let through are a list (`BOARD_WRITES`), so a route a later Bull Board adds is refused until
 * someone looks at it. Bull Board 9.10 has no option to hide only those buttons (`readOnlyMode` hides
 * retry and remove too, `allowRetries` only retry), so they show, and the answer says why they fail.
 *
 * Job data is shown redacted: command jobs carry payment PINs and card PINs, and an outbound SMS may
 * carry a new user's initial passwords (its job does not say which), so SMS texts are not shown at all.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import helmet from 'helmet';
import type { Db, Logger } from '../lib/index.js';
import { OUTBOUND_SMS_QUEUE } from '../queue/index.js';
import { audit, auditAhead, settleAudit } from './audit.js';
import { type OperatorSessions, requireOperator } from './operator-session.js';

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

/**
 * What a dashboard call changed: `job.retry` on `<queue>/<job>`, `queue.pause` on `<queue>`, …
 * `req.path` is relative to the dashboard's `/api` (`/queues/<queue>/<job>/retry`).
 */
export function boardAction(req: Request): { action: string; target: string | null } {
  const parts = req.path
    .replace(/^\/queues\/?/i, '')
    .split('/')
    .filter(Boolean)
    .map(decodeURIComponent);
  // Bull Board's routes match in any case (express's default): the verbs are read in lower case, the
  // queue names and job ids as they are.
  const [queue, second, third, fourth] = parts;
  const verbAt = (word: string | undefined) => word?.toLowerCase();
  const JOB_VERBS = [
    'retry',
    'clean',
    'promote',
    'update-data',
    'delay',
    'priority',
    'remove-unprocessed-children',
  ];
  const jobVerb = verbAt(third);
  if (parts.length === 3 && jobVerb && JOB_VERBS.includes(jobVerb)) {
    const verb = jobVerb === 'clean' ? 'remove' : jobVerb;
    return { action: `job.${verb}`, target: `${queue}/${second}` };
  }
  // An add (or a duplicate, the same call) makes a job of the queue; a scheduler is named by its id.
  if (parts.length === 2 && verbAt(second) === 'add') return { action: 'job.add', target: queue };
  if (verbAt(second) === 'job-schedulers' && parts.length >= 3)
    return { action: `scheduler.${verbAt(fourth) ?? 'update'}`, target: `${queue}/${third}` };
  if (parts.length === 1) return { action: `queues.${verbAt(queue)}`, target: null };
  return { action: `queue.${parts.slice(1).map(verbAt).join('.')}`, target: queue ?? null };
}

/**
 * The dashboard calls that change something and are let through (paths under its `/api`, as Bull Board
 * routes them): retrying, removing, promoting, cleaning, pausing, limits. Each makes no job and changes
 * no job's data. Anything else that is not a read is refused.
 */
export const BOARD_WRITES: ReadonlyArray<readonly ['put' | 'patch', string]> = [
  ['put', '/queues/pause'],
  ['put', '/queues/resume'],
  ['put', '/queues/:queueName/retry/:queueStatus'],
  ['put', '/queues/:queueName/promote'],
  ['put', '/queues/:queueName/clean/:queueStatus'],
  ['put', '/queues/:queueName/pause'],
  ['put', '/queues/:queueName/resume'],
  ['put', '/queues/:queueName/concurrency'],
  ['put', '/queues/:queueName/rate-limit'],
  ['put', '/queues/:queueName/rate-limit/release'],
  ['put', '/queues/:queueName/empty'],
  ['put', '/queues/:queueName/obliterate'],
  ['put', '/queues/:queueName/job-schedulers/:schedulerId/remove'],
  ['put', '/queues/:queueName/:jobId/retry'],
  ['put', '/queues/:queueName/:jobId/clean'],
  ['put', '/queues/:queueName/:jobId/promote'],
  ['put', '/queues/:queueName/:jobId/remove-unprocessed-children'],
  ['patch', '/queues/:queueName/:jobId/delay'],
  ['patch', '/queues/:queueName/:jobId/priority'],
];

/**
 * Lets reads and the writes of `BOARD_WRITES` on to the dashboard (matched by express as Bull Board's own
 * router matches them: same patterns, same case and trailing-slash rules); refuses every other call.
 */
function boardWriteGuard(refuse: RequestHandler): Router {
  const guard = Router();
  const pass: RequestHandler = (_req, _res, next) => next('router');
  for (const [method, path] of BOARD_WRITES) guard[method](path, pass);
  guard.use((req, res, next) =>
    req.method === 'GET' || req.method === 'HEAD' ? next('router') : refuse(req, res, next),
  );
  return guard;
}

/**
 * Sets the outcome of a dashboard action's row from its status before the answer is sent (Bull Board
 * answers through `res.json`, which sends through `res.send`), so the answer never runs ahead of the log.
 */
function settleBeforeAnswer(res: Response, settle: (status: number) => Promise<void>): void {
  const send = res.send.bind(res);
  let settled = false;
  res.send = (body?: unknown) => {
    if (settled) return send(body);
    settled = true;
    void settle(res.statusCode).finally(() => send(body));
    return res;
  };
}

/** Bull Board's page links a web font from outside; the wall's rule is that nothing loads from outside. */
const OUTSIDE_FONTS = /<link href="https:\/\/fonts\.googleapis\.com\/[^"]*" rel="stylesheet">\s*/g;

/** Takes the outside font link out of the dashboard's page (it falls back to the system's fonts). */
const withoutOutsideFonts: RequestHandler = (_req, res, next) => {
  const send = res.send.bind(res);
  res.send = (body?: unknown) => send(typeof body === 'string' ? body.replace(OUTSIDE_FONTS, '') : body);
  next();
};

/** The dashboard's own policy: its scripts, styles (some inline), images and calls from this origin only. */
const boardPolicy = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      objectSrc: ["'none'"],
      frameAncestors: ["'none'"],
      baseUri: ["'self'"],
    },
  },
  strictTransportSecurity: false,
});

export interface QueuesBoardOptions {
  opsToken: string;
  sessions: OperatorSessions;
  db: Db;
  log: Logger;
}

export function queuesBoardRoutes(queues: readonly Queue[], options: QueuesBoardOptions): Router {
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
  router.use(
    '/ops',
    requireOperator({
      token: options.opsToken,
      sessions: options.sessions,
      basic: true,
      loginRedirect: true,
    }),
  );
  // Calls that would make a job or rewrite one: refused, and recorded as refused.
  const refuse: RequestHandler = async (req, res, next) => {
    const { action, target } = boardAction(req);
    try {
      await audit(options.db, res, { action, target, outcome: 'refused' });
    } catch (err) {
      return next(err);
    }
    res.status(403).json({
      error: {
        code: 'job_write_refused',
        message:
          'the queue dashboard does not add jobs or change job data: commands come only through the API ' +
          'and the channels, with their PIN checks and audit trail',
      },
    });
  };
  router.use(`${QUEUES_BOARD_PATH}/api`, boardWriteGuard(refuse));
  router.use(`${QUEUES_BOARD_PATH}/api`, async (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const { action, target } = boardAction(req);
    // Written ahead: without its row the action does not run.
    let id: string;
    try {
      id = await auditAhead(options.db, res, { action, target });
    } catch (err) {
      return next(err);
    }
    settleBeforeAnswer(res, (status) =>
      settleAudit(options.db, id, status < 400 ? 'ok' : `http_${status}`).catch((err) =>
        options.log.error(
          { err, action, target },
          'audit: the outcome of a dashboard action was not recorded',
        ),
      ),
    );
    next();
  });
  router.use(QUEUES_BOARD_PATH, boardPolicy, withoutOutsideFonts, serverAdapter.getRouter());
  return router;
}
