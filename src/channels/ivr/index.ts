/** The IVR (INTERFACES §5): Twilio Voice webhooks, the speech of a screen, amounts in words. */
export { ivrChannel } from './ivr.adapter.js';
export { type IvrInbound, type IvrRaw, normalizeIvr } from './ivr.request.js';
export { type IvrDeps, ivrRoutes } from './ivr.routes.js';
export { createIvrCalls, type IvrCalls, SILENT_PROMPTS_MAX } from './ivr.session.js';
export { SAY_MAX, speech, speechLocale, type Utterance } from './ivr.speech.js';
export { emptyTwiml, farewellTwiml, retryTwiml, type StepUrls, VOICES, viewTwiml } from './ivr.twiml.js';
export { amountWords } from './ivr.words.js';
