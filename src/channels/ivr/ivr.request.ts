/**
 * Reads a Twilio Voice webhook (INTERFACES §5: `CallSid`, `From`, `Digits`, `CallStatus`, form-encoded)
 * posted to a path of ours into the seam's `Inbound`. The path names the step: `/ivr/voice` is the call
 * arriving (step 0), `/ivr/step/<n>` the answer to the TwiML of step n-1, and `?silence=<k>` the
 * `<Redirect>` Twilio follows when the caller pressed nothing, the k-th time in a row. The request name
 * (`<n>:<Digits>`, `<n>:silence`) is what a Twilio retry repeats: the same step with the same keys gets
 * the stored answer and runs nothing twice.
 *
 * Keys, as on the USSD menu: digits are answers, `0` goes back and `00` home (where the screen does not
 * take them itself), `*` alone repeats the prompt, and a `*` inside an answer is the decimal point of an
 * amount (a keypad has none): `12*5#` is ¥12.50.
 */
import { normalizeMsisdn } from '../../lib/index.js';
import type { Navigation } from '../../sessions/index.js';
import type { Inbound, Rejected } from '../channel.js';

/** Why a call from a withheld or fixed-line number is refused (the route says it to the caller). */
export const FROM_NOT_MOBILE = 'From is not a mobile number';

/** What the IVR reads: the webhook's form fields and the path with its query (`req.originalUrl`). */
export interface IvrRaw {
  body: unknown;
  url: string;
}

/** An IVR step: the seam's `Inbound`, with where in the call it stands. */
export interface IvrInbound extends Inbound {
  /** The step the path names (0: the call arriving). */
  step: number;
  /** Prompts in a row the caller let pass in silence (0: they pressed keys). */
  silence: number;
  /** Twilio says the call is over (`CallStatus` completed or canceled). */
  ended: boolean;
}

const NAVIGATION: Record<string, Navigation> = { '*': 'repeat', '0': 'back', '00': 'home' };
const ENDED = new Set(['completed', 'canceled']);
/** Twilio's call ids: `CA` and 32 hex digits. */
const CALL_SID = /^CA[0-9a-fA-F]{32}$/;
const STEP_PATH = /^\/ivr\/(?:voice|status|step\/(\d{1,6}))\/?$/;
/** DTMF: digits, `*` and `#`; more than a card number and its PIN is not an answer to any prompt. */
const DIGITS = /^[0-9*#]{0,40}$/;

export function normalizeIvr(raw: IvrRaw): IvrInbound | Rejected {
  const fields = (raw.body && typeof raw.body === 'object' ? raw.body : {}) as Record<string, unknown>;
  const url = new URL(raw.url, 'http://ivr.invalid');
  const path = STEP_PATH.exec(url.pathname);
  if (!path) return { rejected: `${url.pathname} is not an IVR step`, status: 404 };
  const callSid = typeof fields.CallSid === 'string' ? fields.CallSid.trim() : '';
  if (!callSid) return { rejected: 'CallSid is missing', status: 400 };
  if (!CALL_SID.test(callSid)) return { rejected: 'CallSid is not a Twilio call id', status: 400 };
  const from = typeof fields.From === 'string' ? fields.From : '';
  const msisdn = normalizeMsisdn(from);
  if (!msisdn) return { rejected: FROM_NOT_MOBILE, status: 400 };
  const digits = typeof fields.Digits === 'string' ? fields.Digits.trim() : '';
  if (!DIGITS.test(digits)) return { rejected: 'Digits holds more than keypad keys', status: 400 };
  const step = Number(path[1] ?? 0);
  const silence = Math.min(Number(url.searchParams.get('silence') ?? 0) || 0, 9);
  const ended = ENDED.has(String(fields.CallStatus ?? ''));
  const base = { msisdn, sessionId: callSid, step, silence, ended };
  // The call arriving, or silence: the screen shown (a new session's first one), nothing sent.
  if (step === 0 || silence > 0 || digits === '')
    return {
      ...base,
      input: { type: 'TEXT', text: '' },
      nav: 'repeat',
      request: `${step}:${silence > 0 ? 'silence' : ''}`,
    };
  const nav = NAVIGATION[digits];
  const answer = nav ? digits : digits.replace(/\*/g, '.');
  return {
    ...base,
    input: { type: 'TEXT', text: answer },
    ...(nav ? { nav } : {}),
    request: `${step}:${digits}`,
  };
}
