/**
 * `POST /ussd` (INTERFACES §4, Africa's Talking convention): `sessionId`, `serviceCode`, `phoneNumber`,
 * `text`, form-encoded or JSON; the answer is `text/plain`, `CON ` + a page when more input is wanted,
 * `END ` + the last page. Each request is one step of the caller's menu session (ussd.session.ts), named
 * by its `text`: a USSD gateway's retry (same session, same `text`) gets the same page again and runs
 * nothing twice.
 */
import { type Request, type Response, Router } from 'express';
import { text } from '../../../flows/texts/index.js';
import { AppError } from '../../lib/index.js';
import { type ChannelDeps, isRejected } from '../channel.js';
import { ussdInput } from './ussd.path.js';
import { normalizeUssd } from './ussd.request.js';
import { createUssdSessions, type UssdSessionDeps } from './ussd.session.js';

export type UssdDeps = UssdSessionDeps & Pick<ChannelDeps, 'logger'>;

export function ussdRoutes(deps: UssdDeps): Router {
  const ussd = createUssdSessions(deps);
  const router = Router();
  router.post('/ussd', async (req: Request, res: Response) => {
    const inbound = normalizeUssd(req.body, deps.config.ussdServiceCode);
    if (isRejected(inbound)) {
      res.status(inbound.status).type('text/plain').send(inbound.rejected);
      return;
    }
    try {
      const path = inbound.request ?? '';
      const page = await ussd.step({
        msisdn: inbound.msisdn,
        sessionId: inbound.sessionId,
        dial: path === '',
        request: path,
        inputOf: (last, isNew) => ussdInput(path, last, isNew),
        requestId: (res.locals.requestContext as { id?: string } | undefined)?.id,
      });
      res.type('text/plain').send(`${page.final ? 'END' : 'CON'} ${page.text}`);
    } catch (err) {
      // The phone shows whatever body comes back: a USSD page saying so, never the API's JSON. A busy
      // session (a retry racing its original) is worth retrying; anything else is a bug, logged with the
      // request id by the error middleware's logger.
      const busy = err instanceof AppError && err.code === 'session_busy';
      if (!busy) (res.locals.requestContext?.log ?? deps.logger).error({ err }, 'USSD step failed');
      res
        .status(busy ? 503 : 500)
        .type('text/plain')
        .send(`END ${text(deps.config.locale, 'flow.error')}`);
    }
  });
  return router;
}
