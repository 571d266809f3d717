/**
 * USSD over HTTP on the channel seam: the adapter mounts `POST /ussd`; the pure half reads a gateway's
 * request, renders a screen as its pages, and maps failures. USSD answers inline, so the one send that
 * can fail is the step itself: a session busy with the step a retry raced is worth retrying.
 */
import { AppError } from '../../lib/index.js';
import { type ChannelDefinition, SendError } from '../channel.js';
import { ussdRoutes } from './ussd.routes.js';
import { fitsUssdPage, ussdPages } from './ussd.render.js';
import { normalizeUssd } from './ussd.request.js';

/** What the HTTP USSD channel reads: the request body, with the service code it answers to. */
export interface UssdRaw {
  body: unknown;
  serviceCode: string;
}

export const ussdChannel: ChannelDefinition<UssdRaw> = {
  id: 'ussd',
  async create(deps) {
    return { id: 'ussd', routes: { within: '/ussd', router: ussdRoutes(deps) } };
  },
  normalize: (raw) => normalizeUssd(raw.body, raw.serviceCode),
  render: ussdPages,
  fits: fitsUssdPage,
  sendError(err) {
    if (err instanceof SendError) return err;
    const message = err instanceof Error ? err.message : String(err);
    // The runtime's `session_busy`: a retry after the step it raced has finished gets that step's answer.
    const busy = err instanceof AppError && err.code === 'session_busy';
    return new SendError(message, busy, false, { cause: err, code: busy ? 'session_busy' : 'send_failed' });
  },
};
