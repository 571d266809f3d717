/**
 * The IVR (Twilio Voice) on the channel seam: the adapter mounts the webhooks; the pure half reads a
 * webhook into an `Inbound`, renders a screen as what the caller hears (utterances, one voice each),
 * and maps failures. The IVR answers inline, so the one send that can fail is the step itself: a
 * session busy with the step a retry raced is worth retrying.
 */
import { AppError } from '../../lib/index.js';
import { type ChannelDefinition, SendError } from '../channel.js';
import { type IvrRaw, normalizeIvr } from './ivr.request.js';
import { ivrRoutes } from './ivr.routes.js';
import { SAY_MAX, speech } from './ivr.speech.js';

export const ivrChannel: ChannelDefinition<IvrRaw> = {
  id: 'ivr',
  async create(deps) {
    return { id: 'ivr', routes: { within: '/ivr', router: ivrRoutes(deps) } };
  },
  normalize: normalizeIvr,
  render: (screen) => speech(screen).map((u) => u.text),
  fits: (unit) => unit.length > 0 && unit.length <= SAY_MAX,
  sendError(err) {
    if (err instanceof SendError) return err;
    const message = err instanceof Error ? err.message : String(err);
    const busy = err instanceof AppError && err.code === 'session_busy';
    return new SendError(message, busy, false, { cause: err, code: busy ? 'session_busy' : 'send_failed' });
  },
};
