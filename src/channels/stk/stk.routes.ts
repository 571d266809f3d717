/**
 * The STK routes (INTERFACES §6): `POST /stk/events` takes a JSON event or the TLV an OTA platform
 * forwards and answers the next proactive command as JSON (with its TLV); `GET /stk/menu` is the root
 * menu as a SET UP MENU, for the OTA platform to provision on the SIM (`?locale=en` for English).
 * Bad input (a JSON field missing or of the wrong type, a TLV that is not valid, a terminal response to
 * another command than the one outstanding) gets 400 with `{error: {code, message}}` and moves nothing.
 */
import { type Request, type Response, Router } from 'express';
import { menuScreen } from '../../../flows/index.js';
import type { Locale } from '../../../flows/texts/index.js';
import { AppError } from '../../lib/index.js';
import { type ChannelDeps, isRejected } from '../channel.js';
import { menuItems } from './stk.render.js';
import { normalizeStk } from './stk.request.js';
import { createStkSessions, replyOf, type StkSessionDeps } from './stk.session.js';

export type StkDeps = StkSessionDeps & Pick<ChannelDeps, 'logger'>;

const LOCALES = new Set<Locale>(['zh-CN', 'en']);

/** The root menu of §6 (items 1-6) as the SET UP MENU a SIM is provisioned with. */
export function setUpMenu(locale: Locale) {
  const root = menuScreen(locale);
  if (root.kind !== 'menu') throw new Error('the root menu is not a menu');
  return replyOf({ type: 'SET_UP_MENU', title: root.title, items: menuItems(root).filter((i) => i.id <= 6) });
}

/**
 * The reply to an event, with the headers express's `res.json` gives it (`application/json;
 * charset=utf-8`, and its length, which Node sets from the body). `res.json` goes through `res.send`,
 * which parses and formats the Content-Type again for its charset, reads back each header it set and
 * checks freshness, a GET's concern: 2 % of an event's CPU, measured on `stk.step`.
 */
function sendReply(res: Response, reply: unknown): void {
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(reply));
}

const badRequest = (res: Response, message: string) =>
  res.status(400).json({ error: { code: 'bad_request', message } });

export function stkRoutes(deps: StkDeps): Router {
  const stk = createStkSessions(deps);
  const router = Router();
  router.get('/stk/menu', (req: Request, res: Response) => {
    const asked = typeof req.query.locale === 'string' ? req.query.locale : deps.config.locale;
    if (!LOCALES.has(asked as Locale)) {
      badRequest(res, 'locale is not zh-CN or en');
      return;
    }
    res.json(setUpMenu(asked as Locale));
  });
  router.post('/stk/events', async (req: Request, res: Response) => {
    const inbound = normalizeStk({ body: req.body });
    if (isRejected(inbound)) {
      badRequest(res, inbound.rejected);
      return;
    }
    const context = res.locals.requestContext as { id?: string; log?: ChannelDeps['logger'] } | undefined;
    try {
      const outcome = await stk.step(inbound, context?.id);
      if (outcome.status === 400) badRequest(res, outcome.error);
      else sendReply(res, outcome.reply);
    } catch (err) {
      // A retry racing its original: worth sending again once the original has answered (503).
      if (err instanceof AppError && err.code === 'session_busy') {
        res.status(503).json({ error: { code: 'session_busy', message: err.message } });
        return;
      }
      (context?.log ?? deps.logger).error({ err }, 'STK step failed');
      res.status(500).json({ error: { code: 'internal', message: 'the STK step failed' } });
    }
  });
  return router;
}
