/** Sessions: restore a flow's snapshot, send the user's input, save the snapshot; commands bound to the bus. */
export {
  createSessionRunner,
  type SessionRunner,
  type SessionRunnerOptions,
  type SessionStart,
} from './session-runner.js';
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
