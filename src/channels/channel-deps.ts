/**
 * What a process gives its channels (`ChannelDeps`), built once from its parts: the one session runtime
 * (on its own Redis connection, free of BullMQ's scripts, so concurrent steps' writes pipeline), the menu
 * sessions on it, the SMS hand-off, and the SMPP link of `SMPP_URL` made when a channel first asks.
 */
import { keyringOf, logger } from '../lib/index.js';
import {
  createSessionRunner,
  createSessionRuntime,
  createSmsConversation,
  createSmsHandOff,
  type SessionMetrics,
} from '../sessions/index.js';
import type { ChannelDeps } from './channel.js';
import { smppEndpointOf } from './sms/index.js';
import type { SmppEndpoint } from './smpp/index.js';

export type ProcessParts = Pick<ChannelDeps, 'config' | 'db' | 'redis' | 'bus' | 'connection'> & {
  /** Wakes the outbox relay after a hand-off queued texts. */
  kickOutbox?: () => void;
  /** Where the session runtime reports steps, sessions and flow screens (main's `CoreMetrics`). */
  metrics?: SessionMetrics;
};

export function createChannelDeps(
  parts: ProcessParts,
  overrides: Partial<Pick<ChannelDeps, 'smpp'>> = {},
): ChannelDeps {
  const { config, db, redis, bus, connection } = parts;
  const keys = keyringOf(config);
  const runtime = createSessionRuntime({
    redis: connection({ autoPipelining: true }),
    keys,
    prefix: config.redisPrefix,
    bus,
    commandTimeoutMs: config.ussdDeadlineMs,
    cacheSessions: config.sessionCacheSessions,
    metrics: parts.metrics,
  });
  const conversation = createSmsConversation({
    db,
    redis,
    keys,
    prefix: config.redisPrefix,
    bus,
    commandTimeoutMs: 30_000,
    defaultLocale: config.locale,
    runtime,
  });
  const handOff = createSmsHandOff({ conversation, db, kick: parts.kickOutbox });
  const sessions = createSessionRunner({
    runtime,
    redis,
    keys,
    prefix: config.redisPrefix,
    bus,
    commandTimeoutMs: config.ussdDeadlineMs,
    defaultLocale: config.locale,
    handOff,
  });
  let smpp: SmppEndpoint | null | undefined;
  return {
    config,
    db,
    redis,
    bus,
    keys,
    logger,
    connection,
    runtime,
    sessions,
    handOff,
    smpp:
      overrides.smpp ??
      ((metrics) => {
        if (smpp === undefined) smpp = config.smppUrl ? smppEndpointOf(config, metrics) : null;
        return smpp;
      }),
  };
}
