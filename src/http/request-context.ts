/**
 * A request id and a logger for every request, and one log line when it ends. The id comes from the
 * caller's `X-Request-Id` when it is a sane token (a load balancer or a carrier correlating calls), else
 * it is generated; it goes back in the response header and into every log line of the request, so an
 * operator can follow a 500 from the caller's report to the stack trace. Bodies are never logged: they
 * carry PINs, card PINs and API keys.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../lib/index.js';

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** How Node names it in `req.headers` (lower case), read there without express's `req.get`. */
const REQUEST_ID_KEY = REQUEST_ID_HEADER.toLowerCase();

/** What a caller may choose as a request id: short, printable, nothing that could forge a log line. */
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id and its logger (a child bound to the id). */
export interface RequestContext {
  id: string;
  log: Logger;
}

/** The context `requestContext` middleware attached; a fallback for a request that never passed it. */
export function requestContextOf(res: Response, fallback: Logger): RequestContext {
  const ctx = res.locals.requestContext as RequestContext | undefined;
  return ctx ?? { id: 'unknown', log: fallback };
}

/** Called once a request has been answered: its status, with how long it took in seconds. */
export type RequestEnd = (req: Request, res: Response, seconds: number) => void;

/**
 * Assigns the request id, binds a logger to it, and logs method, path, status and duration at the end,
 * where it also calls `onEnd` (the HTTP metrics): one `finish` listener for both, since every request
 * pays for it.
 */
export function requestContext(log: Logger, onEnd?: RequestEnd) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const offered = req.headers[REQUEST_ID_KEY];
    const id = typeof offered === 'string' && ACCEPTABLE_ID.test(offered) ? offered : randomUUID();
    // The child logger is made when first used: at the usual `warn` level most requests never log, and
    // a child per request is a measurable share of a USSD or IVR step.
    let child: Logger | undefined;
    const ctx: RequestContext = {
      id,
      get log() {
        child ??= log.child({ reqId: id });
        return child;
      },
    };
    res.locals.requestContext = ctx;
    res.setHeader(REQUEST_ID_HEADER, id);
    const started = performance.now();
    res.on('finish', () => {
      const ms = performance.now() - started;
      onEnd?.(req, res, ms / 1000);
      const level = res.statusCode >= 500 ? 'warn' : 'info';
      if (!log.isLevelEnabled(level)) return;
      // The path only: query strings may one day carry something that should not sit in logs.
      const path = req.originalUrl.split('?')[0];
      const line = { method: req.method, path, status: res.statusCode, ms: Math.round(ms * 1000) / 1000 };
      ctx.log[level](line, 'request');
    });
    next();
  };
}
