/**
 * Who an operator is, and the login that lets a browser in. The token is shared by the operators, so a
 * caller names themself: the login page asks for a name beside the token, and a script sends
 * `X-Operator: <name>` with its bearer token (or Basic: the user name is the name). A name that does not
 * fit `OPERATOR_NAME` is not taken. The name goes in
 * the audit log with every action; without one it is `token`.
 *
 * A login opens a session in Redis (8 hours after the last request) behind an HttpOnly SameSite=Strict
 * cookie holding a random 256-bit token; Redis keeps it under the token's SHA-256, so a dump of Redis
 * holds no usable cookie. The login form carries a CSRF token that must equal the one in a short-lived
 * cookie set with the form (double submit: a site that cannot read our cookies cannot post the form);
 * the logout form carries the session's own CSRF token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { parseCookie } from 'cookie';
import type { Request, RequestHandler, Response } from 'express';
import { unauthorized } from '../lib/index.js';
import type { Redis } from '../lib/index.js';
import { credentialOf, tokenMatches } from './auth.js';

export const SESSION_COOKIE = 'fen_ops';
export const LOGIN_CSRF_COOKIE = 'fen_ops_csrf';
export const LOGIN_PATH = '/ops/login';
const SESSION_TTL_SECONDS = 8 * 3600;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** An operator's name: short and printable, nothing that could forge a log line. */
export const OPERATOR_NAME = /^[\p{L}\p{N}._@ -]{1,64}$/u;

export interface OperatorSession {
  token: string;
  operator: string;
  csrf: string;
}

export const newToken = () => randomBytes(32).toString('base64url');

export interface OperatorSessions {
  open(operator: string): Promise<OperatorSession>;
  read(token: string | undefined): Promise<OperatorSession | null>;
  end(token: string): Promise<void>;
}

export function createOperatorSessions(redis: Redis, prefix: string): OperatorSessions {
  const key = (token: string) =>
    `${prefix}:ops:session:${createHash('sha256').update(token).digest('base64url')}`;
  return {
    async open(operator) {
      const session = { token: newToken(), operator, csrf: newToken() };
      await redis.set(
        key(session.token),
        JSON.stringify({ operator, csrf: session.csrf }),
        'EX',
        SESSION_TTL_SECONDS,
      );
      return session;
    },
    async read(token) {
      if (!token || !TOKEN.test(token)) return null;
      const stored = await redis.getex(key(token), 'EX', SESSION_TTL_SECONDS);
      if (!stored) return null;
      const { operator, csrf } = JSON.parse(stored) as { operator: string; csrf: string };
      return { token, operator, csrf };
    },
    async end(token) {
      await redis.del(key(token));
    },
  };
}

export const cookiesOf = (req: Request) => parseCookie(req.get('cookie') ?? '');

/** A header's value, percent-decoded (HTTP headers carry Latin-1 only: `王芳` comes as `%E7%8E%8B%E8%8A%B3`). */
function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch (err) {
    if (err instanceof URIError) return value;
    throw err;
  }
}

/** The name a token caller gave: `X-Operator` (percent-encoded UTF-8 allowed), else the Basic user name, else `token`. */
function nameOfTokenCaller(req: Request): string {
  const header = decoded(req.get('x-operator') ?? '').trim();
  if (header && OPERATOR_NAME.test(header)) return header;
  const basic = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(req.get('authorization') ?? '');
  if (basic) {
    const user = Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0];
    if (OPERATOR_NAME.test(user)) return user;
  }
  return 'token';
}

/** The operator a request was let in as (set by `requireOperator`). */
export function operatorOf(res: Response): { name: string; session: OperatorSession | null } {
  const found = res.locals.operator as { name: string; session: OperatorSession | null } | undefined;
  if (!found) throw new Error('operatorOf: the request did not pass requireOperator');
  return found;
}

/** The request id `requestContext` gave the request (the audit log ties actions to the logs with it). */
export const requestIdOf = (res: Response): string | null => res.locals.requestContext?.id ?? null;

export interface RequireOperatorOptions {
  token: string;
  sessions: OperatorSessions;
  /** Accept Basic (the token as password) and ask for it. */
  basic?: boolean;
  /** Send a browser asking for a page to the login page instead of answering 401. */
  loginRedirect?: boolean;
}

/**
 * Lets a request pass with the token (bearer, or Basic where allowed) or an operator session's cookie;
 * otherwise 401 (a browser asking for a page: a redirect to the login page).
 */
export function requireOperator(options: RequireOperatorOptions): RequestHandler {
  const challenge = options.basic ? 'Basic realm="fen ops", charset="UTF-8"' : 'Bearer realm="fen ops"';
  return (req, res, next) => {
    const offered = credentialOf(req.get('authorization'), options.basic ?? false);
    if (offered !== null && tokenMatches(offered, options.token)) {
      res.locals.operator = { name: nameOfTokenCaller(req), session: null };
      return next();
    }
    options.sessions.read(cookiesOf(req)[SESSION_COOKIE]).then((session) => {
      if (session) {
        res.locals.operator = { name: session.operator, session };
        return next();
      }
      if (options.loginRedirect && req.method === 'GET' && req.accepts(['json', 'html']) === 'html') {
        const back = encodeURIComponent(req.originalUrl);
        return res.redirect(303, `${LOGIN_PATH}?next=${back}`);
      }
      res.setHeader('WWW-Authenticate', challenge);
      next(unauthorized());
    }, next);
  };
}
