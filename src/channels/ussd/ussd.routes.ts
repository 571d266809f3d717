/**
 * `POST /ussd` (INTERFACES §4, Africa's Talking convention): `sessionId`, `serviceCode`, `phoneNumber`,
 * `text`, form-encoded or JSON; the answer is `text/plain`, `CON ` + a page when more input is wanted,
 * `END ` + the last page. Each request is one step of the caller's menu session on the session runtime,
 * named by its `text`: a USSD gateway's retry (same session, same `text`) gets the same page again and
 * runs nothing twice.
 *
 * A dial (empty `text`) of a caller whose earlier session was cut off less than its lifetime ago (3
 * minutes) is first asked to resume it; the pointer to that session is kept beside it.
 */
import { type Request, type Response, Router } from 'express';
import { pendingPaymentRequest, userProfile } from '../../ledger/user-profile.js';
import type { ChannelDeps, Inbound } from '../channel.js';
import { isRejected } from '../channel.js';
import { ussdInput } from './ussd.path.js';
import { ussdPages } from './ussd.render.js';
import { normalizeUssd } from './ussd.request.js';

export type UssdDeps = Pick<ChannelDeps, 'config' | 'db' | 'redis' | 'sessions'>;

/** The caller's session that is still open (not ended with `END`), for the resume offer. */
export const openSessionKey = (prefix: string, msisdn: string) => `${prefix}:ussd:open:${msisdn}`;

export function ussdRoutes(deps: UssdDeps): Router {
  const { config, db, redis, sessions } = deps;
  const router = Router();

  /** Who dials: the profile's language and wallet, and a merchant's request waiting for the PIN. */
  const startOf = (msisdn: string) => async () => {
    const [profile, request] = await Promise.all([
      userProfile(db, msisdn),
      pendingPaymentRequest(db, msisdn),
    ]);
    return {
      flow: 'menu' as const,
      msisdn,
      locale: profile.locale ?? config.locale,
      registered: profile.registered,
      ...(request ? { request } : {}),
    };
  };

  /** On a dial: the caller's session left open by a dropped dial, when it is still there. */
  async function dropped(inbound: Inbound): Promise<string | undefined> {
    if (inbound.request !== '') return undefined;
    const open = await redis.get(openSessionKey(config.redisPrefix, inbound.msisdn));
    if (!open || open === inbound.sessionId) return undefined;
    return (await sessions.runtime.peek('ussd', open)) === null ? undefined : open;
  }

  router.post('/ussd', async (req: Request, res: Response, next) => {
    const inbound = normalizeUssd(req.body, config.ussdServiceCode);
    if (isRejected(inbound)) {
      res.status(inbound.status).type('text/plain').send(inbound.rejected);
      return;
    }
    try {
      const text = inbound.request ?? '';
      const view = await sessions.view('ussd', inbound.sessionId, startOf(inbound.msisdn), inbound.input, {
        request: text,
        inputOf: (last, isNew) => ussdInput(text, last, isNew),
        pages: (screen) => ussdPages(screen).length,
        resume: await dropped(inbound),
        requestId: (res.locals.requestContext as { id?: string } | undefined)?.id,
      });
      const pages = ussdPages(view.screen);
      const page = pages[Math.min(view.page, pages.length - 1)];
      const pointer = openSessionKey(config.redisPrefix, inbound.msisdn);
      if (view.final) {
        if ((await redis.get(pointer)) === inbound.sessionId) await redis.del(pointer);
      } else await redis.set(pointer, inbound.sessionId, 'EX', sessions.runtime.ttlOf('ussd'));
      res.type('text/plain').send(`${view.final ? 'END' : 'CON'} ${page}`);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
