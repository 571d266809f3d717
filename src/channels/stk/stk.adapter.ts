/**
 * The SIM Toolkit on the channel seam: the adapter mounts `POST /stk/events` and `GET /stk/menu`; the
 * pure half reads a request into an `Inbound`, renders a screen as the texts of its proactive commands
 * (a page a command), and maps failures. STK answers inline, so the one send that can fail is the step
 * itself (`inlineSendError`).
 */
import { type ChannelDefinition, inlineSendError } from '../channel.js';
import { commandText, fitsStk, stkCommands } from './stk.render.js';
import { normalizeStk, type StkRaw } from './stk.request.js';
import { stkRoutes } from './stk.routes.js';

export const stkChannel: ChannelDefinition<StkRaw> = {
  id: 'stk',
  async create(deps) {
    return { id: 'stk', routes: { within: '/stk', router: stkRoutes(deps) } };
  },
  normalize: normalizeStk,
  render: (screen) => stkCommands(screen).map(commandText),
  fits: fitsStk,
  sendError: inlineSendError,
};
