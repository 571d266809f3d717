/**
 * TwiML of one IVR step, built by the `twilio` package's `VoiceResponse` (never by hand). A screen that
 * wants an answer is a `<Gather input="dtmf">` around its speech, posting to the next step; a menu takes
 * one key, a prompt keys ended by `#` (`finishOnKey`). After every `<Gather>` a `<Redirect>` to the same
 * step marked `silence`: on silence Twilio does not call the action but falls through to the next verb
 * (NOTES: Twilio). A final screen is said, then `<Hangup>`.
 */
import twilio from 'twilio';
import type { Locale } from '../../../flows/texts/index.js';
import type { View } from '../../sessions/index.js';
import { speech, type Utterance } from './ivr.speech.js';

/** `<Say>`'s attributes, from the package's own `say(attributes, message)`. */
type SayAttributes = Parameters<InstanceType<typeof twilio.twiml.VoiceResponse>['say']>[0];

/** The voice of each language: Mandarin as `cmn-CN` (`zh-CN` was the retired voice's code), English `en-US`. */
export const VOICES: Record<Locale, Required<Pick<SayAttributes, 'language' | 'voice'>>> = {
  'zh-CN': { language: 'cmn-CN', voice: 'Polly.Zhiyu' },
  en: { language: 'en-US', voice: 'Polly.Joanna' },
};

/** Seconds Twilio waits for the first key (and between keys) before falling through to the redirect. */
const TIMEOUT_SECONDS = 5;

export interface StepUrls {
  /** Where the answer to this TwiML is posted (`<PUBLIC_URL>/ivr/step/<n>`). */
  action: string;
  /** Where Twilio goes when the caller presses nothing (the same step, `?silence=<k>`). */
  silent: string;
}

const say = (on: { say(a: SayAttributes, m: string): unknown }, utterances: Utterance[]) => {
  for (const u of utterances) on.say(VOICES[u.locale], u.text);
};

/**
 * The TwiML of the views answered lately: callers at the same step of the same menu get the same TwiML
 * (the step URLs name the step's number, not the call), and building it with `VoiceResponse` (an XML
 * document per answer) was a measurable share of a step. Bounded; a view holds no secret (a PIN is
 * answered to a prompt, never said in one).
 */
const answered = new Map<string, string>();
const ANSWERED_MAX = 1_024;

/** The TwiML of a view: its speech in a `<Gather>` with the redirect after it, or said and hung up. */
export function viewTwiml(view: View, urls: StepUrls, preface: Utterance[] = []): string {
  const key = JSON.stringify([view, urls, preface]);
  let twiml = answered.get(key);
  if (twiml === undefined) {
    twiml = buildViewTwiml(view, urls, preface);
    if (answered.size >= ANSWERED_MAX) answered.clear();
    answered.set(key, twiml);
  }
  return twiml;
}

function buildViewTwiml(view: View, urls: StepUrls, preface: Utterance[]): string {
  const response = new twilio.twiml.VoiceResponse();
  const { screen } = view;
  const said = [...preface, ...speech(screen)];
  if (view.final || (screen.kind === 'message' && screen.final)) {
    say(response, said);
    response.hangup();
    return response.toString();
  }
  const gather = response.gather({
    input: ['dtmf'],
    action: urls.action,
    method: 'POST',
    timeout: TIMEOUT_SECONDS,
    // A menu takes one key; an answer (an amount, a PIN, a number) is ended by `#`.
    ...(screen.kind === 'prompt' ? { finishOnKey: '#' } : { numDigits: 1 }),
  });
  say(gather, said);
  response.redirect({ method: 'POST' }, urls.silent);
  return response.toString();
}

/** Said, then the call ends (silence twice, a call that cannot be served). */
export function farewellTwiml(utterances: Utterance[]): string {
  const response = new twilio.twiml.VoiceResponse();
  say(response, utterances);
  response.hangup();
  return response.toString();
}

/** A step raced by its own retry: wait a second and ask again, when the first one has answered. */
export function retryTwiml(url: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.pause({ length: 1 });
  response.redirect({ method: 'POST' }, url);
  return response.toString();
}

/** Nothing to say: the call is over (a status callback). */
export const emptyTwiml = (): string => new twilio.twiml.VoiceResponse().toString();
