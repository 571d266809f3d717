/**
 * Operator authentication: `Authorization: Bearer $OPS_TOKEN`, compared in constant time (both sides
 * hashed first, so not even the token's length leaks). The queue dashboard also takes HTTP Basic with
 * the token as password: a browser cannot add a bearer header to the dashboard's own API calls, but it
 * prompts for Basic credentials once and then sends them with every request of the page.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { unauthorized } from '../lib/index.js';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** True when `offered` is the token; time does not depend on where they differ, nor on their lengths. */
export function tokenMatches(offered: string, token: string): boolean {
  return timingSafeEqual(digest(offered), digest(token));
}

/** The credential in an Authorization header: the bearer token, or (when allowed) the Basic password. */
export function credentialOf(header: string | undefined, allowBasic: boolean): string | null {
  if (!header) return null;
  const bearer = /^Bearer +(\S+) *$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = allowBasic ? /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header) : null;
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : null;
  }
  return null;
}

export interface OpsAuthOptions {
  /** Also accept HTTP Basic (any user name, the token as password) and ask browsers for it. Default false. */
  basic?: boolean;
}

/** Middleware that lets a request pass only with the operator token; otherwise a 401 JSON error. */
export function requireOpsToken(token: string, options: OpsAuthOptions = {}): RequestHandler {
  if (!token) throw new Error('an operator token is required');
  const challenge = options.basic ? 'Basic realm="fen ops", charset="UTF-8"' : 'Bearer realm="fen ops"';
  return (req, res, next) => {
    const offered = credentialOf(req.get('authorization'), options.basic ?? false);
    if (offered !== null && tokenMatches(offered, token)) return next();
    res.setHeader('WWW-Authenticate', challenge);
    next(unauthorized());
  };
}
