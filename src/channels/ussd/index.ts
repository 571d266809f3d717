/**
 * USSD (INTERFACES §4): over HTTP (`POST /ussd`), and its pages and paths shared with USSD over SMPP
 * (the ops table and the dialogs on the SMPP link).
 */
export { type UssdRaw, ussdChannel } from './ussd.adapter.js';
export { ussdAnswer, ussdInput, type UssdInput } from './ussd.path.js';
export { ussdSmppChannel, ussdSmppSteps } from './ussd-smpp.adapter.js';
export { createUssdSessions, openSessionKey, type UssdPage, type UssdSessions } from './ussd.session.js';
export { fitsUssdPage, ussdPages } from './ussd.render.js';
export { normalizeUssd } from './ussd.request.js';
export { type UssdDeps, ussdRoutes } from './ussd.routes.js';
export {
  type UssdSmppDialogsOptions,
  UssdSmppDialogs,
  type UssdStep,
  type UssdStepHandler,
} from './ussd-smpp.dialogs.js';
export {
  decodeUssd,
  encodeUssd,
  USSD_SMPP,
  type UssdKind,
  type UssdPdu,
  type UssdScreen,
  type UssdSubmitFields,
} from './ussd-smpp.ops.js';
