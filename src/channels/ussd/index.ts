/** USSD (INTERFACES §4): over HTTP (`POST /ussd`), and its pages and paths shared with USSD over SMPP. */
export { type UssdRaw, ussdChannel } from './ussd.adapter.js';
export { ussdInput, type UssdInput } from './ussd.path.js';
export { fitsUssdPage, ussdPages } from './ussd.render.js';
export { normalizeUssd } from './ussd.request.js';
export { openSessionKey, type UssdDeps, ussdRoutes } from './ussd.routes.js';
