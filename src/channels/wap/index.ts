/** The WAP channel's door (INTERFACES §7): the adapter, its pages, and the terms page the openings point to. */
export { wapChannel } from './wap.adapter.js';
export { fitsPage, renderScreen } from './wap.render.js';
export { CSRF_REFUSED, normalizeWap, type WapInbound, type WapRaw } from './wap.request.js';
export { type WapDeps, wapRoutes } from './wap.routes.js';
export { termsPage, termsRoutes } from './terms.routes.js';
export { PAGE_MAX_BYTES } from './wap.views.js';
