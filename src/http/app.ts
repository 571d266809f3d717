/**
 * The express app factory. Order: request id and log line, body parsers (JSON and form, both capped at
 * `MAX_BODY_BYTES`), the routers the caller passes (channels: USSD, IVR, STK, WAP; the merchant API;
 * each answers only its own paths), the operator routes, then the JSON 404 and the error middleware,
 * which must come last; that is why extra routers are passed in rather than added to the returned app.
 */
import type { Queue } from 'bullmq';
import express, { type RequestHandler, type Router } from 'express';
import type { Registry } from 'prom-client';
import { type Logger, logger } from '../lib/index.js';
import { type OpsDeps, opsRoutes, type Readiness } from '../ops/index.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { HttpMetrics } from './http-metrics.js';
import { jsonBody } from './json-body.js';
import { requestContext } from './request-context.js';

/**
 * A router to mount: at the root; under `path` (express's mount: its routes are relative to it); or
 * entered only for paths at or under `within` (a channel's: its routes keep their full paths).
 */
export type Mount = Router | { path: string; router: Router } | { within: string; router: Router };

export interface AppOptions {
  /** Bearer token of `/ops/*` and the operator routes under `/api`. */
  opsToken: string;
  /** The checks behind `GET /readyz` (see `contextReadiness` in `src/ops`). */
  readiness: Readiness;
  /**
   * More routers, mounted in order after the operator routes and before the 404 and error handlers.
   * Default none.
   */
  routers?: Mount[];
  /** How long an HTTP call that runs a command waits for it before answering 202. Default 10000 ms. */
  commandTimeoutMs?: number;
  /** More queues for the metrics gauge and the dashboard (the SMS channel's). Default none. */
  extraQueues?: () => readonly Queue[];
  /** Registers more metrics (the SMPP link's) on the app's registry. */
  registerMetrics?: (registry: Registry) => void;
  /** How often the wall screen (`/ops`) pushes a snapshot. Default 5000 ms. */
  wallPushMs?: number;
  /** Where request lines and errors go. Default: the gateway logger at `LOG_LEVEL` (`ctx.config.logLevel`). */
  logger?: Logger;
}

/**
 * The JSON reader (`jsonBody`) and express's form parser, each run only for a body that can be its
 * type: every webhook otherwise pays for the other parser's content-type check too. The test, on the
 * media type (not its parameters), is a superset of theirs (a type they parse names `json` or
 * `urlencoded`), so they still decide.
 */
function bodyParsers(limit: number): RequestHandler {
  const json = jsonBody(limit);
  const form = express.urlencoded({ extended: false, limit });
  return (req, res, next) => {
    const media = (req.headers['content-type'] ?? '').split(';', 1)[0];
    if (/json/i.test(media)) json(req, res, next);
    else if (/urlencoded/i.test(media)) form(req, res, next);
    else next();
  };
}

/**
 * `router`, entered only for a path at or under `prefix` (one path segment, `/stk`, matched without
 * regard to case as express's routes are); every other request goes straight on. A request then walks
 * its own channel's router alone, where with every channel's router at the root an STK event was
 * matched against the USSD and IVR routers' routes first, and an operator call against every channel's.
 */
function within(prefix: string, router: Router): RequestHandler {
  if (!/^\/[A-Za-z0-9_-]+$/.test(prefix))
    throw new Error(`a channel's routes must lie under one path segment, not ${JSON.stringify(prefix)}`);
  const under = new RegExp(`^${prefix}(?:/|$)`, 'i');
  return (req, res, next) => {
    if (under.test(req.path)) router(req, res, next);
    else next();
  };
}

/** The app over the process's parts (main's `Context`): the operator side needs no more than `OpsDeps`. */
export function createApp(ctx: OpsDeps, options: AppOptions): express.Express {
  const log = (options.logger ?? logger).child(
    { component: 'http' },
    options.logger ? {} : { level: ctx.config.logLevel },
  );
  const app = express();
  app.disable('x-powered-by');
  // Every answer here is made for its request (a USSD page, TwiML, an account): an ETag would be a hash
  // of each body for nothing, since no client revalidates them.
  app.set('etag', false);
  // Behind a load balancer `req.ip` should be the client's; the proxy's headers are trusted from loopback only.
  app.set('trust proxy', 'loopback');
  const http = new HttpMetrics();
  app.use(requestContext(log, http.observe));
  app.use(bodyParsers(ctx.config.maxBodyBytes));
  for (const mount of options.routers ?? []) {
    // A router (or a sub-app) is a function; the pairs are plain objects.
    if (typeof mount === 'function') app.use(mount);
    else if ('within' in mount) app.use(within(mount.within, mount.router));
    else app.use(mount.path, mount.router);
  }
  // After the channels: a USSD or IVR step, the hot path, matches before the operator routes are tried.
  const registerMetrics = (registry: Registry) => {
    http.register(registry);
    options.registerMetrics?.(registry);
  };
  app.use(opsRoutes(ctx, { ...options, log, registerMetrics }));
  app.use(notFoundHandler);
  app.use(errorHandler(log));
  return app;
}
