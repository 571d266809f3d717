/** The phone simulator (`/simulator`): its routes and the in-process SMSC its SMS side runs on. */
export { PhoneSmsc, type PhoneSms, type PhoneSmsSide } from './phone-smsc.js';
export { SIMULATOR_PATH, sessionCookie, sessionValid } from './simulator.auth.js';
export { type SimulatorOptions, simulatorEnabled, simulatorRoutes } from './simulator.routes.js';
