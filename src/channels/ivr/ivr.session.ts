/**
 * One IVR step on the session runtime: the call (`CallSid`) is the session, started from the caller's
 * profile (language, wallet) and a merchant's waiting request as USSD starts one, with opening handed
 * to SMS (a call cannot show the agreement: the SMS brings it, and the user's `A` there opens the
 * wallet). What comes back is the TwiML to answer. The step the path names goes into the request name,
 * so a Twilio retry of a step replays that step's stored answer and runs nothing twice; the TwiML of a
 * stored answer names the same next step, so it is the same TwiML.
 *
 * Silence: the first silent prompt is said again (after "I did not hear a key"), the second ends the
 * call politely. `CallStatus` completed or canceled ends the session.
 */
import { text } from '../../../flows/texts/index.js';
import { userProfile } from '../../ledger/index.js';
import { sessionStartOf } from '../../sessions/index.js';
import type { ChannelDeps } from '../channel.js';
import type { IvrInbound } from './ivr.request.js';
import { speechLocale } from './ivr.speech.js';
import { emptyTwiml, farewellTwiml, viewTwiml } from './ivr.twiml.js';

export type IvrSessionDeps = Pick<ChannelDeps, 'config' | 'db' | 'sessions'>;

/** Silent prompts in a row after which the call ends. */
export const SILENT_PROMPTS_MAX = 2;

export interface IvrCalls {
  /** The TwiML answering `inbound`. */
  step(inbound: IvrInbound, requestId?: string): Promise<string>;
}

export function createIvrCalls(deps: IvrSessionDeps): IvrCalls {
  const { config, db, sessions } = deps;
  const base = (config.publicUrl ?? `http://localhost:${config.port}`).replace(/\/+$/, '');
  const stepUrl = (step: number) => `${base}/ivr/step/${step}`;

  // The IVR cannot show the agreement: a guest's opening goes to SMS (the hand-off).
  const startOf = sessionStartOf(db, config.locale, { openBySms: true });

  return {
    async step(inbound, requestId) {
      if (inbound.ended) {
        await sessions.runtime.take('ivr', inbound.sessionId);
        return emptyTwiml();
      }
      if (inbound.silence >= SILENT_PROMPTS_MAX) {
        // The profile has the caller's language, a switch during the call included (it writes there).
        await sessions.runtime.take('ivr', inbound.sessionId);
        const locale = (await userProfile(db, inbound.msisdn)).locale ?? config.locale;
        return farewellTwiml([{ locale, text: text(locale, 'ivr.goodbye') }]);
      }
      const view = await sessions.view('ivr', inbound.sessionId, startOf(inbound.msisdn), inbound.input, {
        request: inbound.request,
        nav: inbound.nav,
        requestId,
      });
      const next = inbound.step + 1;
      // A prompt said again after silence says so first; keys pressed start the count again.
      const preface =
        inbound.silence > 0
          ? [{ locale: speechLocale(view.screen), text: text(speechLocale(view.screen), 'ivr.silence') }]
          : [];
      return viewTwiml(
        view,
        { action: stepUrl(next), silent: `${stepUrl(next)}?silence=${inbound.silence + 1}` },
        preface,
      );
    },
  };
}
