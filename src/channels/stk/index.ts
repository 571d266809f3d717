/** The SIM Toolkit (INTERFACES §6): STK events in, proactive commands out, our own TS 102 223 codec. */
export { stkChannel } from './stk.adapter.js';
export { commandText, fitsStk, MORE_ITEM, menuItems, stkCommands } from './stk.render.js';
export { normalizeStk, type StkEvent, type StkInbound, type StkRaw } from './stk.request.js';
export { type StkDeps, setUpMenu, stkRoutes } from './stk.routes.js';
export {
  createStkSessions,
  replyOf,
  type StkOutcome,
  type StkReply,
  type StkSessions,
} from './stk.session.js';
export {
  COMMAND,
  type Dcs,
  decodeEnvelope,
  decodeSimMessage,
  decodeTerminalResponse,
  decodeText,
  encodeAlpha,
  encodeLength,
  encodeProactive,
  encodeText,
  type MenuItem,
  type MenuSelection,
  type ProactiveCommand,
  packSeptets,
  RESULT,
  readTlvs,
  type SimMessage,
  StkTlvError,
  type TerminalResponse,
  unpackSeptets,
} from './stk.tlv.js';
