/**
 * Flow snapshots in Redis, one key a session: `<prefix>:session:<channel>:<sessionId>`, JSON, with a TTL
 * per channel so an abandoned session disappears by itself (USSD gateways give up after ~3 minutes, an
 * SMS conversation waits longer, a call or a WAP login longer still). Snapshots are sealed under PIN_KEY:
 * one taken mid-journey may hold what the user typed (the current PIN during a PIN change).
 */
import type { Keyring, Redis } from '../lib/index.js';

export type SessionChannel = 'ussd' | 'sms' | 'ivr' | 'wap' | 'stk';

/** Seconds a session lives after its last step, per channel. */
export const sessionTtlSeconds: Record<SessionChannel, number> = {
  ussd: 180,
  sms: 600,
  ivr: 1800,
  wap: 1800,
  // A SIM Toolkit session waits on the phone's screen, as a USSD one does, a little longer.
  stk: 300,
};

/** What is stored: the flow that runs and its XState persisted snapshot. */
export interface StoredSession {
  flow: string;
  snapshot: unknown;
}

export interface SessionStore {
  load(channel: SessionChannel, sessionId: string): Promise<StoredSession | null>;
  save(channel: SessionChannel, sessionId: string, session: StoredSession): Promise<void>;
  delete(channel: SessionChannel, sessionId: string): Promise<void>;
}

export function sessionKey(prefix: string, channel: SessionChannel, sessionId: string): string {
  return `${prefix}:session:${channel}:${sessionId}`;
}

export function createSessionStore(
  redis: Redis,
  prefix: string,
  keys: Keyring,
  ttl: Record<SessionChannel, number> = sessionTtlSeconds,
): SessionStore {
  return {
    async load(channel, sessionId) {
      const json = openSnapshot(keys, await redis.get(sessionKey(prefix, channel, sessionId)));
      return json === null ? null : (JSON.parse(json) as StoredSession);
    },
    async save(channel, sessionId, session) {
      await redis.set(
        sessionKey(prefix, channel, sessionId),
        keys.seal(JSON.stringify(session)),
        'EX',
        ttl[channel],
      );
    },
    async delete(channel, sessionId) {
      await redis.del(sessionKey(prefix, channel, sessionId));
    },
  };
}

/**
 * The JSON of a stored snapshot: unsealed, or null when there is none or it cannot be opened (sealed
 * under a key no longer held): the session starts afresh rather than failing.
 */
export function openSnapshot(keys: Keyring, stored: string | null | undefined): string | null {
  if (stored === null || stored === undefined) return null;
  if (!keys.isSealed(stored)) return null;
  try {
    return keys.unseal(stored);
  } catch {
    return null;
  }
}
