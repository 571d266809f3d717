/**
 * Sessions: the one runtime every channel steps on (lock, record, step counter, command keys), the menu
 * sessions of USSD and the screen channels on it, and the SMS conversation's front end on it.
 */

export {
  noSessionMetrics,
  type ScreenKind,
  type SessionEnd,
  type SessionMetrics,
  type StepResult,
} from './session-metrics.js';
export {
  createSessionRunner,
  type Navigation,
  type SessionRunner,
  type SessionRunnerOptions,
  type SessionStart,
  type StepOptions,
  type View,
} from './session-runner.js';
export {
  createSessionRuntime,
  type LiveState,
  type SessionRuntime,
  type SessionRuntimeOptions,
  type StepCall,
  type StepOutcome,
  type StepScope,
  sessionLockKey,
} from './session-runtime.js';
export { sessionStartOf } from './session-start.js';
export {
  createSessionStore,
  type SessionChannel,
  type SessionStore,
  type StoredSession,
  sessionKey,
  sessionTtlSeconds,
} from './session-store.js';
export {
  createSmsConversation,
  type SmsConversation,
  type SmsConversationOptions,
  smsPendingKey,
} from './sms-conversation.js';
export { createSmsHandOff, type SmsHandOff } from './sms-hand-off.js';
