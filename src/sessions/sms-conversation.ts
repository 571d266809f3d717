/**
 * Runs the SMS conversation (flows/sms.flow.ts) of each user: one step per MO (or per "open a wallet"
 * offer from another channel). A pending confirmation belongs to the user, not to a channel or a
 * session, so the snapshot lives under `<prefix>:sms:pending:<msisdn>`, and only while something is
 * pending, with a TTL: after it (10 minutes by default) the pending action is simply gone.
 *
 * Two MOs of one user never step the machine at once: a per-user Redis lock (SET NX PX, released by
 * token) orders them. Command idempotency keys derive from the MO's id when the channel gives one, so
 * an MO processed again (a worker died after the command ran) never runs its command twice.
 */
import { randomUUID } from 'node:crypto';
import { type AnyActorRef, type AnyStateMachine, createActor, fromPromise, waitFor } from 'xstate';
import { parseSms } from '../../flows/grammar/index.js';
import {
  type CommandRequest,
  type FindPaymentRequestLogic,
  type SmsContext,
  type SmsEvent,
  smsEvent,
  smsMachine,
} from '../../flows/index.js';
import { BUSY } from '../../flows/kit.js';
import { type Locale, text } from '../../flows/texts/index.js';
import type { Command, CommandResult } from '../commands/catalog.js';
import type { Db } from '../lib/db.js';
import { normalizeMsisdn } from '../lib/msisdn.js';
import type { Keyring } from '../lib/keyring.js';
import type { Redis } from '../lib/redis.js';
import { Batcher } from '../lib/batcher.js';
import {
  type PaymentRequestView,
  pendingPaymentRequest,
  type UserProfile,
  userProfiles,
} from '../ledger/user-profile.js';
import type { CommandBus } from '../queue/command-bus.js';
import { openSnapshot } from './session-store.js';

export interface SmsConversationOptions {
  db: Db;
  redis: Redis;
  /** Seals the saved conversation (it may hold the step of a PIN change) at rest. */
  keys: Keyring;
  /** The Redis key prefix (the config's `redisPrefix`). */
  prefix: string;
  bus: Pick<CommandBus, 'execute'>;
  /** How long a step waits for a command before answering that the result follows by SMS. */
  commandTimeoutMs: number;
  /** The language of users with no profile language (the config's `locale`). */
  defaultLocale: Locale;
  /** How long a pending confirmation waits for the user's answer, seconds. Default 600 (INTERFACES §3). */
  pendingTtlSeconds?: number;
}

export interface SmsConversation {
  /**
   * One MO: the replies to send (never empty for a valid MSISDN). `messageId`, a stable id of the MO,
   * makes re-processing it safe. An MSISDN that is not a mobile number gets no reply.
   */
  handle(msisdn: string, text: string, opts?: { messageId?: string }): Promise<string[]>;
  /** Another channel (the IVR) asks to open a wallet: the agreement SMS to send; the user replies `A`. */
  offerOpen(msisdn: string): Promise<string[]>;
}

/** The Redis key of a user's pending SMS confirmation. */
export const smsPendingKey = (prefix: string, msisdn: string) => `${prefix}:sms:pending:${msisdn}`;
const lockKey = (prefix: string, msisdn: string) => `${prefix}:sms:lock:${msisdn}`;

/** Takes the user's lock (KEYS[1]) and, when it is got, reads the saved conversation (KEYS[2]): one round trip. */
const LOCK_AND_READ = `if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  return {1, redis.call('get', KEYS[2])}
end
return {0}`;
/** Saves (ARGV[2] 'set', the snapshot ARGV[3] for ARGV[4] s) or drops ('del') the conversation, then releases the lock held by token ARGV[1]. */
const SAVE_AND_RELEASE = `if ARGV[2] == 'set' then redis.call('set', KEYS[2], ARGV[3], 'EX', ARGV[4])
elseif ARGV[2] == 'del' then redis.call('del', KEYS[2]) end
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

/** The scripts above as `defineCommand` adds them to the connection. */
interface ConversationScripts {
  smsLockAndRead(...keysThenArgs: (string | number)[]): Promise<unknown>;
  smsSaveAndRelease(...keysThenArgs: (string | number)[]): Promise<unknown>;
}

/** What a step leaves in Redis: a snapshot to keep, nothing to keep any more, or no change. */
type Save = { op: 'set'; json: string } | { op: 'del' } | { op: 'keep' };
const HAN = /\p{Script=Han}/u;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts an actor whose errors are read from its snapshot (unobserved, XState would rethrow them globally). */
function started(actor: AnyActorRef, beforeStart?: (actor: AnyActorRef) => void): AnyActorRef {
  actor.subscribe({ error: () => {} });
  beforeStart?.(actor);
  actor.start();
  return actor;
}

/** A saved conversation, or null when the snapshot no longer fits the machine: start afresh, never stay silent. */
function restore(
  machine: AnyStateMachine,
  json: string,
  beforeStart?: (actor: AnyActorRef) => void,
): AnyActorRef | null {
  try {
    // A persisted snapshot is plain JSON; its context says who the user is (no input on restore).
    const actor = started(createActor(machine, { snapshot: JSON.parse(json) }), beforeStart);
    if (actor.getSnapshot().status === 'active') return actor;
    actor.stop();
    return null;
  } catch {
    return null;
  }
}

export function createSmsConversation(options: SmsConversationOptions): SmsConversation {
  const { db, redis, prefix, bus, commandTimeoutMs, defaultLocale, keys } = options;
  const ttlSeconds = options.pendingTtlSeconds ?? 600;
  // Sent by digest (EVALSHA), not compiled again on every step.
  redis.defineCommand('smsLockAndRead', { numberOfKeys: 2, lua: LOCK_AND_READ });
  redis.defineCommand('smsSaveAndRelease', { numberOfKeys: 2, lua: SAVE_AND_RELEASE });
  const scripts = redis as Redis & ConversationScripts;
  // A step waits for at most one command (which the bus cuts off at its deadline), plus a margin.
  const stepMs = commandTimeoutMs + 5_000;
  const findPaymentRequest: FindPaymentRequestLogic = fromPromise<
    PaymentRequestView | null,
    { msisdn: string }
  >(({ input }) => pendingPaymentRequest(db, input.msisdn));

  // Conversations that start together (a burst of `YE`s) read their users' profiles in one query.
  const profiles = new Batcher<string, UserProfile>((msisdns) => userProfiles(db, msisdns), {
    max: 500,
    waitMs: 0,
    maxInFlight: 2,
    isolateFailures: true,
  });

  /**
   * Holds the user's lock while `work` runs, handing it the saved conversation (or null) read with the
   * lock; what `work` says to keep is saved as the lock is released. Waits for a step of the same user to
   * finish first.
   */
  async function locked(
    msisdn: string,
    work: (saved: string | null) => Promise<{ replies: string[]; save: Save }>,
  ): Promise<string[]> {
    const redisKeys = [lockKey(prefix, msisdn), smsPendingKey(prefix, msisdn)];
    const token = randomUUID();
    const lockMs = stepMs + 5_000;
    const deadline = Date.now() + lockMs;
    for (;;) {
      const [got, saved] = (await scripts.smsLockAndRead(...redisKeys, token, lockMs)) as [
        number,
        string | null | undefined,
      ];
      if (got === 1) {
        let save: Save = { op: 'keep' };
        try {
          // Something saved that cannot be opened (altered, or sealed under a retired key) is read as
          // an unreadable snapshot (''): the conversation starts afresh and the old one is dropped.
          const outcome = await work(saved ? (openSnapshot(keys, saved) ?? '') : null);
          save = outcome.save;
          return outcome.replies;
        } finally {
          const args = save.op === 'set' ? [keys.seal(save.json), ttlSeconds] : [];
          await scripts.smsSaveAndRelease(...redisKeys, token, save.op, ...args);
        }
      }
      // Throwing lets the MO job retry later; the lock expires by itself if its holder died.
      if (Date.now() > deadline) throw new Error('the SMS conversation of this user is busy');
      await sleep(25);
    }
  }

  // Command keys derive from the MO being answered: each step's actor system carries it to `runCommand`,
  // so the machine is bound once rather than once per message.
  const steps = new WeakMap<object, { messageId?: string; n: number }>();
  const runCommand = fromPromise<CommandResult, CommandRequest>(({ input, system }) => {
    const current = steps.get(system);
    const key = current?.messageId ? `sms:${current.messageId}:${current.n++}` : randomUUID();
    return bus.execute({ key, ...input } as Command, commandTimeoutMs, { smsIfLate: true });
  });
  const machine = smsMachine.provide({ actors: { runCommand, findPaymentRequest } });

  /** Restores the user's conversation (or starts one from the profile), sends one event, says what to save. */
  async function step(
    msisdn: string,
    saved: string | null,
    event: (context: SmsContext) => SmsEvent,
    messageId?: string,
  ): Promise<{ replies: string[]; save: Save }> {
    const actor =
      (saved === null ? null : restore(machine, saved, (a) => steps.set(a.system, { messageId, n: 0 }))) ??
      started(createActor(machine, { input: await startOf(msisdn) }), (a) =>
        steps.set(a.system, { messageId, n: 0 }),
      );
    try {
      actor.send(event(actor.getSnapshot().context as SmsContext));
      const done = await waitFor(actor, (s) => s.status !== 'active' || !s.hasTag(BUSY), {
        timeout: stepMs,
      }).catch((err) => {
        // A timeout or Redis trouble: throw, so the MO is retried (its command keys make that safe).
        if (actor.getSnapshot().status !== 'error') throw err;
        return actor.getSnapshot();
      });
      const context = done.context as SmsContext;
      // A machine that failed would fail again: drop its snapshot and answer rather than stay silent.
      if (done.status !== 'active')
        return { replies: [text(context.locale, 'sms.error')], save: { op: 'del' } };
      if (context.pending !== null)
        return {
          replies: context.replies,
          save: { op: 'set', json: JSON.stringify(actor.getPersistedSnapshot()) },
        };
      // Nothing pends any more: the saved step is done. (With nothing saved there is nothing to delete.)
      return { replies: context.replies, save: saved === null ? { op: 'keep' } : { op: 'del' } };
    } finally {
      actor.stop();
    }
  }

  /** Who starts a conversation: the profile's language (else the default) and whether a wallet exists. */
  async function startOf(msisdn: string) {
    const profile = await profiles.submit(msisdn);
    return { msisdn, locale: profile.locale ?? defaultLocale, registered: profile.registered };
  }

  return {
    async handle(raw, body, opts = {}) {
      const msisdn = normalizeMsisdn(raw);
      if (msisdn === null) return [];
      return locked(msisdn, (saved) =>
        step(
          msisdn,
          saved,
          (context) => {
            const intent = parseSms(body, { locale: context.locale });
            // A Chinese word says the user reads Chinese; the machine adopts it for a user with no wallet.
            return smsEvent(intent, HAN.test(String(body)) ? 'zh-CN' : undefined);
          },
          opts.messageId,
        ),
      );
    },
    async offerOpen(raw) {
      const msisdn = normalizeMsisdn(raw);
      if (msisdn === null) return [];
      return locked(msisdn, (saved) => step(msisdn, saved, () => ({ type: 'OFFER_OPEN' })));
    },
  };
}
