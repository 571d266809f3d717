/**
 * The WAP channel on the seam (INTERFACES §7): the adapter mounts the pages under `/wap` (the terms page
 * among them); the pure half reads a form post (`normalizeWap`), renders a screen as one page under
 * 10 KB with no script, and maps failures. WAP answers inline, so the one send that can fail is the
 * page itself: a failure the browser can post again for is not the gateway's to retry.
 */
import { type ChannelDefinition, SendError } from '../channel.js';
import { fitsPage, renderScreen } from './wap.render.js';
import { normalizeWap, type WapRaw } from './wap.request.js';
import { wapRoutes } from './wap.routes.js';

export const wapChannel: ChannelDefinition<WapRaw> = {
  id: 'wap',
  async create(deps) {
    return { id: 'wap', routes: { within: '/wap', router: wapRoutes(deps) } };
  },
  normalize: normalizeWap,
  render: renderScreen,
  fits: fitsPage,
  sendError(err) {
    if (err instanceof SendError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new SendError(message, false, false, { cause: err });
  },
};
