/**
 * The Twilio Voice webhooks (INTERFACES §5): `POST /ivr/voice` when a call arrives, `POST /ivr/step/<n>`
 * for each answer the TwiML asks for, `POST /ivr/status` for the call's status callback. Every request's
 * `X-Twilio-Signature` is checked with `twilio.validateRequest` against `PUBLIC_URL` + the original
 * path and query: the URL Twilio called, not the address the request reached behind a proxy. No
 * `TWILIO_AUTH_TOKEN`: 503; a bad or missing signature: 403; neither answers TwiML.
 */
import { type Request, type Response, Router } from 'express';
import twilio from 'twilio';
import { text } from '../../../flows/texts/index.js';
import { AppError } from '../../lib/index.js';
import { type ChannelDeps, isRejected } from '../channel.js';
import { FROM_NOT_MOBILE, normalizeIvr } from './ivr.request.js';
import { createIvrCalls, type IvrSessionDeps } from './ivr.session.js';
import { farewellTwiml, retryTwiml } from './ivr.twiml.js';

export type IvrDeps = IvrSessionDeps & Pick<ChannelDeps, 'logger'>;

export const IVR_PATHS = ['/ivr/voice', '/ivr/status', '/ivr/step/:step'];

export function ivrRoutes(deps: IvrDeps): Router {
  const calls = createIvrCalls(deps);
  const { config } = deps;
  const base = (config.publicUrl ?? `http://localhost:${config.port}`).replace(/\/+$/, '');
  const router = Router();
  router.post(IVR_PATHS, async (req: Request, res: Response) => {
    const token = config.twilioAuthToken;
    if (!token) {
      res.status(503).type('text/plain').send('IVR is off: TWILIO_AUTH_TOKEN is not set');
      return;
    }
    const signature = req.header('x-twilio-signature');
    const params = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    if (!signature || !twilio.validateRequest(token, signature, `${base}${req.originalUrl}`, params)) {
      res.status(403).type('text/plain').send('X-Twilio-Signature is missing or wrong');
      return;
    }
    const inbound = normalizeIvr({ body: params, url: req.originalUrl });
    if (isRejected(inbound) && inbound.rejected === FROM_NOT_MOBILE) {
      // A real call (its signature holds) from a withheld or fixed-line number: the wallet is the mobile
      // number's, so say that and hang up, rather than let Twilio play its own error for a 400.
      const locale = config.locale;
      res.type('text/xml').send(farewellTwiml([{ locale, text: text(locale, 'ivr.no_number') }]));
      return;
    }
    if (isRejected(inbound)) {
      res.status(inbound.status).type('text/plain').send(inbound.rejected);
      return;
    }
    const context = res.locals.requestContext as { id?: string; log?: ChannelDeps['logger'] } | undefined;
    try {
      res.type('text/xml').send(await calls.step(inbound, context?.id));
    } catch (err) {
      // A retry racing its original: ask again in a second, when the original has answered. Anything
      // else is a bug: logged with the request id, and the caller told kindly before the call ends.
      if (err instanceof AppError && err.code === 'session_busy') {
        res.type('text/xml').send(retryTwiml(`${base}${req.originalUrl}`));
        return;
      }
      (context?.log ?? deps.logger).error({ err }, 'IVR step failed');
      const locale = config.locale;
      res
        .status(500)
        .type('text/xml')
        .send(farewellTwiml([{ locale, text: text(locale, 'flow.error') }]));
    }
  });
  return router;
}
