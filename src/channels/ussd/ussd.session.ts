/**
 * One USSD step, whichever transport brought it (HTTP or SMPP: INTERFACES §4 gives both the same menus,
 * texts and limits): the caller's menu session on the session runtime, started from the profile and a
 * merchant's waiting request; a dial first offers to resume the caller's session dropped less than its
 * lifetime ago; the answer is the page to show and whether it ends the dialog.
 */
import { sessionStartOf } from '../../sessions/index.js';
import type { ChannelDeps } from '../channel.js';
import type { UssdInput } from './ussd.path.js';
import { ussdPages } from './ussd.render.js';

export type UssdSessionDeps = Pick<ChannelDeps, 'config' | 'db' | 'redis' | 'sessions'>;

/** How long the pointer to a caller's open session lasts: longer than any session, checked on use. */
const POINTER_SECONDS = 3_600;

/** The caller's session that is still open (not ended with `END`), for the resume offer. */
export const openSessionKey = (prefix: string, msisdn: string) => `${prefix}:ussd:open:${msisdn}`;

export interface UssdStepRequest {
  msisdn: string;
  sessionId: string;
  /** A dial (the first request of a dialog). */
  dial: boolean;
  /** Names the request among its retries. */
  request: string;
  /** The input, read against the path the session answered last (HTTP) or as typed (SMPP). */
  inputOf: (last: string | undefined, isNew: boolean) => UssdInput;
  requestId?: string;
}

/** A page to show; `final`: the last of the dialog (END). */
export interface UssdPage {
  text: string;
  final: boolean;
}

export interface UssdSessions {
  step(request: UssdStepRequest): Promise<UssdPage>;
  /** The user or the network ended the dialog: its session is gone, and offered to nobody. */
  end(msisdn: string, sessionId: string): Promise<void>;
}

export function createUssdSessions(deps: UssdSessionDeps): UssdSessions {
  const { config, db, redis, sessions } = deps;
  const pointer = (msisdn: string) => openSessionKey(config.redisPrefix, msisdn);

  /** Who dials: the profile's language and wallet, and a merchant's request waiting for the PIN. */
  const startOf = sessionStartOf(db, config.locale);

  /** On a dial: the caller's session left open by a dropped dial, when it is still there. */
  async function dropped(request: UssdStepRequest): Promise<string | undefined> {
    if (!request.dial) return undefined;
    const open = await redis.get(pointer(request.msisdn));
    if (!open || open === request.sessionId) return undefined;
    return (await sessions.runtime.peek('ussd', open)) === null ? undefined : open;
  }

  // Deletes the pointer only while it still names this session (a later dial may have moved it): one call.
  redis.defineCommand('ussdForgetOpen', {
    numberOfKeys: 1,
    lua: `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`,
  });
  const forget = (msisdn: string, sessionId: string) =>
    (redis as typeof redis & { ussdForgetOpen(key: string, id: string): Promise<number> }).ussdForgetOpen(
      pointer(msisdn),
      sessionId,
    );

  return {
    async step(request) {
      const view = await sessions.view(
        'ussd',
        request.sessionId,
        startOf(request.msisdn),
        { type: 'TEXT', text: '' },
        {
          request: request.request,
          inputOf: request.inputOf,
          pages: (screen) => ussdPages(screen).length,
          resume: await dropped(request),
          requestId: request.requestId,
        },
      );
      const pages = ussdPages(view.screen);
      // The pointer is written once, on the dial, and outlives the session: `dropped` checks the session
      // itself is still there, so a step costs no write of it.
      if (view.final) await forget(request.msisdn, request.sessionId);
      else if (request.dial)
        await redis.set(pointer(request.msisdn), request.sessionId, 'EX', POINTER_SECONDS);
      return { text: pages[Math.min(view.page, pages.length - 1)], final: view.final };
    },
    async end(msisdn, sessionId) {
      await sessions.runtime.take('ussd', sessionId);
      await forget(msisdn, sessionId);
    },
  };
}
