/**
 * The simulator's operator session. The operator token is offered once (the login form, or `?token=`
 * from a link the gateway prints) and exchanged for a cookie, so it never stays in the address bar, the
 * history or a Referer. The cookie is stateless: an expiry and an HMAC of it keyed by the operator token,
 * so it proves the token was known, holds nothing secret, and dies with the token when the token changes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { parseCookie } from 'cookie';

export const SIMULATOR_COOKIE = 'sim_session';
export const SIMULATOR_PATH = '/simulator';
/** A working day: a developer logs in once a morning. */
const SESSION_SECONDS = 12 * 60 * 60;

const mac = (opsToken: string, expires: number) =>
  createHmac('sha256', opsToken).update(`simulator-session:${expires}`).digest('base64url');

/** The cookie value of a session ending `SESSION_SECONDS` after `nowMs`. */
export function sessionCookie(opsToken: string, nowMs = Date.now()): string {
  const expires = Math.floor(nowMs / 1000) + SESSION_SECONDS;
  return `${expires}.${mac(opsToken, expires)}`;
}

/** True when `value` is a cookie `sessionCookie` made under this token and it has not expired. */
export function sessionValid(value: string | undefined, opsToken: string, nowMs = Date.now()): boolean {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
  if (!match) return false;
  const expires = Number(match[1]);
  if (expires * 1000 <= nowMs) return false;
  return timingSafeEqual(Buffer.from(match[2]), Buffer.from(mac(opsToken, expires)));
}

export function hasSession(req: Request, opsToken: string): boolean {
  return sessionValid(parseCookie(req.headers.cookie ?? '')[SIMULATOR_COOKIE], opsToken);
}

export function setSession(res: Response, opsToken: string, secure: boolean): void {
  res.cookie(SIMULATOR_COOKIE, sessionCookie(opsToken), {
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: SIMULATOR_PATH,
    maxAge: SESSION_SECONDS * 1000,
  });
}
