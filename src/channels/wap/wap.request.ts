/**
 * Reads a WAP form post into the seam's `Inbound`: which form (the path), whose session, the form's
 * idempotency key (the `request`: a post sent twice, by a double tap or a refresh, names the same
 * command and pays once) and its fields. The refusals come before anything runs: a post without its
 * session's CSRF token is 403, whatever else it holds; no session (or a session not logged in, for a
 * form that needs one) is 401, which the routes answer with the login page.
 */
import { normalizeMsisdn, sameToken, tokenDigest } from '../../lib/index.js';
import type { Inbound, Rejected } from '../channel.js';
import { FORM_KEY } from './wap.session.js';

/** The forms, by the path they post to. */
export const WAP_FORMS = {
  '/wap/login': 'login',
  '/wap/open': 'open',
  '/wap/pay': 'pay',
  '/wap/transfer': 'transfer',
  '/wap/topup': 'topup',
  '/wap/password': 'password',
  '/wap/pin': 'pin',
  '/wap/freeze': 'freeze',
  '/wap/unfreeze': 'unfreeze',
  '/wap/logout': 'logout',
} as const;
export type WapForm = (typeof WAP_FORMS)[keyof typeof WAP_FORMS];

/** Forms a visitor posts before logging in. */
const ANONYMOUS: ReadonlySet<WapForm> = new Set(['login', 'open']);

/** What a post is read from: its path, its form fields, and the session its cookie names (if any). */
export interface WapRaw {
  path: string;
  body: unknown;
  session: { token: string; msisdn: string | null; csrf: string } | null;
}

export interface WapInbound extends Inbound {
  form: WapForm;
  /** The posted fields as typed, the CSRF token and form key taken out. */
  fields: Record<string, string>;
}

export const CSRF_REFUSED = "the form's CSRF token is missing or not this session's";
export const NO_SESSION = 'no session: log in first';

/** A session's name in logs and inbounds: not its token, which is the cookie's secret. */
export const sessionIdOf = (token: string) => tokenDigest(token).slice(0, 16);

export function normalizeWap(raw: WapRaw): WapInbound | Rejected {
  const form = (WAP_FORMS as Record<string, WapForm>)[raw.path.replace(/\/+$/, '')];
  if (!form) return { rejected: `${raw.path} is not a WAP form`, status: 404 };
  const { session } = raw;
  if (!session) return { rejected: NO_SESSION, status: 401 };
  const body = (raw.body && typeof raw.body === 'object' ? raw.body : {}) as Record<string, unknown>;
  if (typeof body.csrf !== 'string' || !sameToken(body.csrf, session.csrf))
    return { rejected: CSRF_REFUSED, status: 403 };
  if (!ANONYMOUS.has(form) && !session.msisdn) return { rejected: NO_SESSION, status: 401 };
  if (typeof body.formKey !== 'string' || !FORM_KEY.test(body.formKey))
    return { rejected: 'the form has no key of ours', status: 400 };
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(body))
    if (name !== 'csrf' && name !== 'formKey' && typeof value === 'string') fields[name] = value;
  const typed = ANONYMOUS.has(form) ? normalizeMsisdn(fields.msisdn ?? '') : null;
  return {
    msisdn: session.msisdn ?? typed ?? '',
    sessionId: sessionIdOf(session.token),
    input: { type: 'SELECT', id: form },
    request: body.formKey,
    form,
    fields,
  };
}
