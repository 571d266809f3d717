/**
 * `/ops`: the operators' wall screen, its login and logout, its live feed and its assets.
 * - `GET /ops/login`, `POST /ops/login`: name and token; opens an operator session (HttpOnly cookie).
 * - `GET /ops`: the wall (token or session); `GET /ops/events`: server-sent `snapshot` events, one at
 *   once and then one every `pushIntervalMs` while anyone watches (one read for all watchers).
 * - `/ops/assets/*`: uPlot (from `node_modules`), the wall's script and stylesheet.
 * These pages have their own Content-Security-Policy: scripts, styles and connections to this origin
 * only, nothing inline (the WAP pages keep theirs, which allows no script at all).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response, Router } from 'express';
import type { Db } from '../../lib/index.js';
import { audit } from '../audit.js';
import { tokenMatches } from '../auth.js';
import { pagePolicy } from '../page-policy.js';
import {
  cookiesOf,
  LOGIN_CSRF_COOKIE,
  LOGIN_PATH,
  newToken,
  OPERATOR_NAME,
  type OperatorSessions,
  operatorOf,
  type RequireOperatorOptions,
  requireOperator,
  SESSION_COOKIE,
} from '../operator-session.js';
import { loginPage, type WallLocale, wallPage } from './wall.page.js';
import { type WallSnapshot, type WallSources, wallSnapshot } from './wall.snapshot.js';

export interface WallOptions extends WallSources {
  opsToken: string;
  sessions: OperatorSessions;
  /** How often the feed pushes a snapshot. Default 5000 ms. */
  pushIntervalMs?: number;
  log: { warn(obj: object, msg: string): void };
}

const here = dirname(fileURLToPath(import.meta.url));
const uplotDist = dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));

function localeOf(req: Request): WallLocale {
  const asked = typeof req.query.lang === 'string' ? req.query.lang : '';
  if (asked === 'en' || asked === 'zh-CN') return asked;
  return req.acceptsLanguages('zh', 'en') === 'en' ? 'en' : 'zh-CN';
}

/** Where to go after the login: a path of the operator pages, never another site. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/ops(?:[/?]|$)/.test(next) && !next.includes('//') ? next : '/ops';
}

const sameToken = (a: unknown, b: string | undefined) =>
  typeof a === 'string' && typeof b === 'string' && tokenMatches(a, b);

export function wallRoutes(db: Db, options: WallOptions): Router {
  const router = Router();
  const guard = (extra: Partial<RequireOperatorOptions> = {}) =>
    requireOperator({ token: options.opsToken, sessions: options.sessions, basic: true, ...extra });
  const csp = pagePolicy({ secure: false, dataImages: true });
  const cookie = (req: Request, maxAgeMs: number) => ({
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: req.secure,
    path: '/ops',
    maxAge: maxAgeMs,
  });

  router.use(['/ops/login', '/ops/logout', '/ops/assets', '/ops/wall.css'], csp);
  // The login page's stylesheet is the one file served before a login; the scripts need the operator.
  router.get('/ops/wall.css', (_req, res) => res.sendFile(join(here, 'assets', 'wall.css')));
  router.use('/ops/assets', guard(), express.static(uplotDist, { index: false, fallthrough: true }));
  router.use('/ops/assets', express.static(join(here, 'assets'), { index: false }));

  const showLogin = (req: Request, res: Response, status: number, problem: 'wrong' | 'csrf' | null) => {
    const csrf = newToken();
    res.cookie(LOGIN_CSRF_COOKIE, csrf, cookie(req, 15 * 60_000));
    const name = typeof req.body?.name === 'string' && OPERATOR_NAME.test(req.body.name) ? req.body.name : '';
    res
      .status(status)
      .type('html')
      .send(loginPage(localeOf(req), csrf, safeNext(req.query.next ?? req.body?.next), problem, name));
  };

  router.get(LOGIN_PATH, (req, res) => showLogin(req, res, 200, null));

  router.post(LOGIN_PATH, async (req, res) => {
    const body = req.body ?? {};
    if (!sameToken(body.csrf, cookiesOf(req)[LOGIN_CSRF_COOKIE])) return showLogin(req, res, 403, 'csrf');
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    const ok =
      OPERATOR_NAME.test(name) &&
      typeof body.token === 'string' &&
      tokenMatches(body.token, options.opsToken);
    res.locals.operator = { name: OPERATOR_NAME.test(name) ? name : 'unknown', session: null };
    await audit(db, res, { action: 'ops.login', outcome: ok ? 'ok' : 'wrong_token' });
    if (!ok) return showLogin(req, res, 401, 'wrong');
    const session = await options.sessions.open(name);
    res.clearCookie(LOGIN_CSRF_COOKIE, { path: '/ops' });
    res.cookie(SESSION_COOKIE, session.token, cookie(req, 8 * 3600_000));
    res.redirect(303, safeNext(body.next));
  });

  router.post('/ops/logout', guard(), async (req, res) => {
    const { session } = operatorOf(res);
    if (!session || !sameToken(req.body?.csrf, session.csrf)) return showLogin(req, res, 403, 'csrf');
    await options.sessions.end(session.token);
    await audit(db, res, { action: 'ops.logout', outcome: 'ok' });
    res.clearCookie(SESSION_COOKIE, { path: '/ops' });
    res.redirect(303, LOGIN_PATH);
  });

  router.get('/ops', csp, guard({ loginRedirect: true }), (req, res) => {
    const { name, session } = operatorOf(res);
    res.type('html').send(wallPage(localeOf(req), name, session?.csrf ?? null));
  });

  const feed = createFeed(options);
  router.get('/ops/events', guard(), (req, res) => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write('retry: 3000\n\n');
    feed.add(res);
    req.on('close', () => feed.remove(res));
  });
  return router;
}

/** The watchers of the feed and the one timer that reads for all of them. */
function createFeed(options: WallOptions) {
  const watchers = new Set<Response>();
  let timer: NodeJS.Timeout | undefined;
  const send = (to: Iterable<Response>, snapshot: WallSnapshot) => {
    const frame = `event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`;
    for (const res of to) res.write(frame);
  };
  const push = async (to: Iterable<Response>) => {
    try {
      send(to, await wallSnapshot(options));
    } catch (err) {
      // A database or Redis hiccup skips one push; the next tick tries again.
      options.log.warn({ err }, 'wall: cannot read a snapshot');
    }
  };
  return {
    add(res: Response) {
      watchers.add(res);
      void push([res]);
      timer ??= setInterval(() => void push(watchers), options.pushIntervalMs ?? 5000);
    },
    remove(res: Response) {
      watchers.delete(res);
      if (!watchers.size && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    },
  };
}
