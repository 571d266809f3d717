/**
 * What every server-rendered part of the gateway (the WAP pages, the merchant portal) does the same way
 * with a browser: a cookie holding a random 256-bit token, the session kept in Redis under the token's
 * SHA-256 (a dump of Redis holds no usable cookie) and sealed under PIN_KEY like every session record,
 * renewed on each read; CSRF tokens compared in constant time; and the same strict response headers
 * (helmet, no caching). Each part keeps its own fields in the session and its own cookie name and path.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Router } from 'express';
import helmet from 'helmet';
import type { Keyring } from './keyring.js';
import type { Redis } from './redis.js';

/** Cookie tokens and CSRF tokens are 32 random bytes, base64url. */
export const TOKEN = /^[A-Za-z0-9_-]{43}$/;
export const newToken = () => randomBytes(32).toString('base64url');

/** The token's digest: the Redis key part and a session's name in logs, never the cookie's secret itself. */
export const tokenDigest = (token: string) => createHash('sha256').update(token).digest('base64url');

/** Two tokens equal, compared in constant time (a CSRF token against its session's). */
export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Sessions of one part (`kind`: `wap`, `portal`) whose data is `T`; never a PIN or a password in `T`. */
export interface CookieSessions<T> {
  /** A new session holding `data`; answers its token (the cookie's value). */
  open(data: T): Promise<string>;
  /** The data of this token's session, its lifetime renewed; null when unknown, malformed or expired. */
  read(token: string | undefined): Promise<T | null>;
  save(token: string, data: T): Promise<void>;
  end(token: string): Promise<void>;
  /** A Redis key beside the session's, for what a part keeps with it (a form's outcome): gone with its TTL. */
  keyBeside(token: string, what: string): string;
}

export function createCookieSessions<T>(options: {
  redis: Redis;
  keys: Keyring;
  prefix: string;
  kind: string;
  ttlSeconds: number;
}): CookieSessions<T> {
  const { redis, keys, prefix, kind, ttlSeconds } = options;
  const sessionKey = (token: string) => `${prefix}:${kind}:session:${tokenDigest(token)}`;
  const save = async (token: string, data: T) => {
    await redis.set(sessionKey(token), keys.seal(JSON.stringify(data)), 'EX', ttlSeconds);
  };
  return {
    async open(data) {
      const token = newToken();
      await save(token, data);
      return token;
    },
    async read(token) {
      if (!token || !TOKEN.test(token)) return null;
      const stored = await redis.getex(sessionKey(token), 'EX', ttlSeconds);
      return stored ? (JSON.parse(keys.unseal(stored)) as T) : null;
    },
    save,
    async end(token) {
      await redis.del(sessionKey(token));
    },
    keyBeside: (token, what) => `${prefix}:${kind}:${what}:${tokenDigest(token)}`,
  };
}

/**
 * The headers of a server-rendered part: a content security policy allowing only this origin's
 * stylesheets and images and forms posted to itself, no framing, HSTS when served over HTTPS, and no
 * caching (every page is one user's).
 */
export function pageHeaders(secure: boolean): RequestHandler[] {
  return [
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
        },
      },
      frameguard: { action: 'deny' },
      strictTransportSecurity: secure,
    }),
    (_req, res, next) => {
      res.setHeader('Cache-Control', 'no-store');
      next();
    },
  ];
}

/**
 * Mounts what every page under `base` gets: the headers above, and the part's one stylesheet at
 * `<base>/style.css` (the same for everyone, so cached a day).
 */
export function mountPages(router: Router, base: string, stylesheet: string, secure: boolean): void {
  router.use(base, ...pageHeaders(secure));
  router.get(`${base}/style.css`, (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=86400');
    res.type('text/css').send(stylesheet);
  });
}
