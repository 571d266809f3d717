/**
 * WAP sessions in Redis, behind a cookie (INTERFACES §7). The cookie holds a random 256-bit token;
 * Redis keeps the session under the token's SHA-256 (a dump of Redis holds no usable cookie), sealed
 * under PIN_KEY like every session record, for 30 minutes after the last page. A session holds the
 * MSISDN once logged in, its language and its CSRF token: never a PIN or a password. The outcome of a
 * form (post/redirect/get) is kept beside it under the form's key, so the page it redirects to shows
 * the outcome again on a refresh without running anything.
 */
import { randomBytes } from 'node:crypto';
import type { Locale } from '../../../flows/texts/index.js';
import { createCookieSessions, type Keyring, newToken, type Redis } from '../../lib/index.js';

export interface WapSession {
  /** The cookie's token. */
  token: string;
  /** The logged-in user, or null before login. */
  msisdn: string | null;
  csrf: string;
  locale: Locale;
}

/** What a form's post led to, shown by the page it redirects to. */
export interface FormOutcome {
  ok: boolean;
  text: string;
  /** The fields to show again after a refusal (never a secret one). */
  fields?: Record<string, string>;
  /** The field the refusal is about. */
  field?: string;
}

/** A form key: what the page generated (base64url, 22 characters), never anything longer. */
export const FORM_KEY = /^[A-Za-z0-9_-]{22}$/;

export const newFormKey = () => randomBytes(16).toString('base64url');

export interface WapSessions {
  open(locale: Locale, msisdn?: string | null): Promise<WapSession>;
  /** The session of this token, its lifetime renewed; null when unknown or expired. */
  read(token: string | undefined): Promise<WapSession | null>;
  save(session: WapSession): Promise<void>;
  end(token: string): Promise<void>;
  keepOutcome(session: WapSession, formKey: string, outcome: FormOutcome): Promise<void>;
  outcome(session: WapSession, formKey: string): Promise<FormOutcome | null>;
  /** True the first time a form key is claimed in this session, false ever after (a double submit). */
  claim(session: WapSession, formKey: string): Promise<boolean>;
}

export function createWapSessions(options: {
  redis: Redis;
  keys: Keyring;
  prefix: string;
  ttlSeconds: number;
}): WapSessions {
  const { redis, keys, prefix, ttlSeconds } = options;
  const stored = createCookieSessions<Omit<WapSession, 'token'>>({
    redis,
    keys,
    prefix,
    kind: 'wap',
    ttlSeconds,
  });
  const dataOf = ({ msisdn, csrf, locale }: WapSession) => ({ msisdn, csrf, locale });
  const outcomeKey = (token: string, formKey: string) => `${stored.keyBeside(token, 'outcome')}:${formKey}`;
  return {
    async open(locale, msisdn = null) {
      const data = { msisdn, csrf: newToken(), locale };
      return { token: await stored.open(data), ...data };
    },
    async read(token) {
      const data = await stored.read(token);
      return data && token ? { token, ...data } : null;
    },
    async save(session) {
      await stored.save(session.token, dataOf(session));
    },
    async end(token) {
      await stored.end(token);
    },
    async keepOutcome(session, formKey, outcome) {
      await redis.set(
        outcomeKey(session.token, formKey),
        keys.seal(JSON.stringify(outcome)),
        'EX',
        ttlSeconds,
      );
    },
    async claim(session, formKey) {
      const key = `${stored.keyBeside(session.token, 'claim')}:${formKey}`;
      return (await redis.set(key, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
    },
    async outcome(session, formKey) {
      if (!FORM_KEY.test(formKey)) return null;
      const kept = await redis.get(outcomeKey(session.token, formKey));
      return kept ? (JSON.parse(keys.unseal(kept)) as FormOutcome) : null;
    },
  };
}
