/**
 * `POST /ussd` (INTERFACES §4, Africa's Talking convention): `sessionId`, `serviceCode`, `phoneNumber`,
 * `text`, form-encoded or JSON; the answer is `text/plain`, `CON ` + a page when more input is wanted,
 * `END ` + the last page. Each request is one step of the caller's menu session (ussd.session.ts), named
 * by its `text`: a USSD gateway's retry (same session, same `text`) gets the same page again and runs
 * nothing twice.
 */
import { type Request, type Response, Router } from 'express';
import { isRejected } from '../channel.js';
import { ussdInput } from './ussd.path.js';
import { normalizeUssd } from './ussd.request.js';
import { createUssdSessions, type UssdSessionDeps } from './ussd.session.js';

export type UssdDeps = UssdSessionDeps;

export function ussdRoutes(deps: UssdDeps): Router {
  const ussd = createUssdSessions(deps);
  const router = Router();
  router.post('/ussd', async (req: Request, res: Response, next) => {
    const inbound = normalizeUssd(req.body, deps.config.ussdServiceCode);
    if (isRejected(inbound)) {
      res.status(inbound.status).type('text/plain').send(inbound.rejected);
      return;
    }
    try {
      const text = inbound.request ?? '';
      const page = await ussd.step({
        msisdn: inbound.msisdn,
        sessionId: inbound.sessionId,
        dial: text === '',
        request: text,
        inputOf: (last, isNew) => ussdInput(text, last, isNew),
        requestId: (res.locals.requestContext as { id?: string } | undefined)?.id,
      });
      res.type('text/plain').send(`${page.final ? 'END' : 'CON'} ${page.text}`);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
