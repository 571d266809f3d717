/**
 * The SMS channel's front end on the session runtime: the grammar turns each MO into an event of the SMS
 * conversation (flows/sms.flow.ts), one step per MO (or per "open a wallet" offer). A pending
 * confirmation belongs to the user, not to a channel session, so the SMS session id is the MSISDN, and
 * the snapshot is kept only while something is pending, with a TTL: after it (10 minutes by default) the
 * pending action is simply gone.
 *
 * The runtime's per-session lock orders two MOs of one user. Command keys derive from the MO's id when
 * the channel gives one, so an MO processed again (a worker died after the command ran) never runs its
 * command twice.
 */
import { type AnyActorRef, fromPromise, waitFor } from 'xstate';
import { parseSms } from '../../flows/grammar/index.js';
import {
  BUSY,
  bindSms,
  type FindPaymentRequestsLogic,
  type SmsContext,
  type SmsEvent,
  smsEvent,
} from '../../flows/index.js';
import { type Locale, text } from '../../flows/texts/index.js';
import { Batcher, type Db, type Keyring, normalizeMsisdn, type Redis } from '../lib/index.js';
import {
  type PaymentRequestView,
  pendingPaymentRequests,
  type UserProfile,
  userProfiles,
} from '../ledger/index.js';
import type { CommandBus } from '../queue/index.js';
import { createSessionRuntime, type SessionRuntime, type StepScope } from './session-runtime.js';
import { sessionKey } from './session-store.js';

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
  /** The runtime to step on; default a new one from the options above. */
  runtime?: SessionRuntime;
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

/** The Redis key of a user's pending SMS confirmation: the SMS session of that user on the runtime. */
export const smsPendingKey = (prefix: string, msisdn: string) => sessionKey(prefix, 'sms', msisdn);
const HAN = /\p{Script=Han}/u;

export function createSmsConversation(options: SmsConversationOptions): SmsConversation {
  const { db, defaultLocale } = options;
  const ttlSeconds = options.pendingTtlSeconds ?? 600;
  // Its own options name what a runtime needs (Redis, keys, prefix, bus, deadline): one is made from them.
  const runtime = options.runtime ?? createSessionRuntime(options);
  // A step waits for at most one command (which the bus cuts off at its deadline), plus a margin.
  const stepMs = options.commandTimeoutMs + 5_000;
  const findPaymentRequests: FindPaymentRequestsLogic = fromPromise<PaymentRequestView[], { msisdn: string }>(
    ({ input }) => pendingPaymentRequests(db, input.msisdn),
  );

  // Conversations that start together (a burst of `YE`s) read their users' profiles in one query.
  const profiles = new Batcher<string, UserProfile>((msisdns) => userProfiles(db, msisdns), {
    max: 500,
    waitMs: 0,
    maxInFlight: 2,
    isolateFailures: true,
  });

  const machine = bindSms(runtime.runCommand, findPaymentRequests);

  /**
   * One step of the user's conversation on the runtime (which holds the user's lock around it): restore
   * it (or start one from the profile), send one event, keep the snapshot only while something pends.
   * Command keys derive from the MO being answered when it has an id.
   */
  function step(msisdn: string, event: (context: SmsContext) => SmsEvent, messageId?: string) {
    return runtime.step<string[]>({
      channel: 'sms',
      sessionId: msisdn,
      stepId: messageId === undefined ? undefined : `m:${messageId}`,
      // The MO is the request: its commands' jobs carry its id to the worker's log lines.
      requestId: messageId === undefined ? undefined : `mo:${messageId}`,
      ttlSeconds,
      commandTimeoutMs: options.commandTimeoutMs,
      async run(scope) {
        const actor =
          (scope.saved === null ? null : restore(scope, scope.saved)) ??
          scope.actor(machine, { input: await startOf(msisdn) });
        try {
          const sent = event(actor.getSnapshot().context as SmsContext);
          actor.send(sent);
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
            return { answer: [text(context.locale, 'sms.error')], keep: null, end: 'error' };
          // Kept only while something pends; the pending action then lives the pending TTL.
          const keep = context.pending !== null ? actor.getPersistedSnapshot() : null;
          // The journey is the keyword's (a fixed set); it waits for the user (`A`, the PIN) or is done.
          const flow = sent.type === 'SMS' ? sent.intent.kind : 'offerOpen';
          runtime.metrics.flowStep('sms', flow, keep === null ? 'final' : 'prompt');
          return { answer: context.replies, keep };
        } finally {
          actor.stop();
        }
      },
    });
  }

  /** A saved conversation, or null when the snapshot no longer fits the machine: start afresh, never stay silent. */
  function restore(scope: StepScope, snapshot: unknown): AnyActorRef | null {
    try {
      // A persisted snapshot's context says who the user is (no input on restore).
      const actor = scope.actor(machine, { snapshot });
      const restored = actor.getSnapshot();
      // What pends is a journey the conversation runs: a pending action without one (a snapshot saved
      // before the journeys ran as its children) cannot be answered, so it is dropped like any misfit.
      const pends = (restored.context as SmsContext).pending !== null;
      if (restored.status === 'active' && (!pends || restored.children.journey)) return actor;
      actor.stop();
      return null;
    } catch {
      return null;
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
      return step(
        msisdn,
        (context) => {
          const intent = parseSms(body, { locale: context.locale });
          // A Chinese word says the user reads Chinese; the machine adopts it for a user with no wallet.
          return smsEvent(intent, HAN.test(String(body)) ? 'zh-CN' : undefined);
        },
        opts.messageId,
      );
    },
    async offerOpen(raw) {
      const msisdn = normalizeMsisdn(raw);
      if (msisdn === null) return [];
      return step(msisdn, () => ({ type: 'OFFER_OPEN' }));
    },
  };
}
