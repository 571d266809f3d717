/**
 * One step of a session: restore the flow's snapshot (or start the flow), send what the user did, wait
 * until no command is running, save the snapshot (or delete it when the screen ends the session), and
 * return the screen. Flows do no I/O: this is where their `runCommand` actor is bound to the command bus.
 */
import { randomUUID } from 'node:crypto';
import { type AnyActorRef, type AnyStateMachine, createActor, fromPromise, waitFor } from 'xstate';
import {
  bindFlow,
  type CommandRequest,
  type FlowInput,
  isBusy,
  isFinal,
  type MenuStart,
  type PaymentRequest,
  type RunCommandLogic,
  type Screen,
  type SessionFlowId,
  screenOf,
} from '../../flows/index.js';
import { type Locale, text } from '../../flows/texts/index.js';
import type { Command, CommandResult } from '../commands/catalog.js';
import type { CommandBus } from '../queue/command-bus.js';
import type { Keyring } from '../lib/keyring.js';
import type { Redis } from '../lib/redis.js';
import {
  createSessionStore,
  type SessionChannel,
  type SessionStore,
  sessionTtlSeconds,
} from './session-store.js';

export interface SessionRunnerOptions {
  redis: Redis;
  /** Seals snapshots at rest. */
  keys: Keyring;
  /** The Redis key prefix (the config's `redisPrefix`). */
  prefix: string;
  bus: Pick<CommandBus, 'execute'>;
  /** How long one step waits for a command before telling the user the result comes by SMS. */
  commandTimeoutMs: number;
  /** The language of the "session expired" text when there is no session and nothing to start. Default `zh-CN`. */
  defaultLocale?: Locale;
  /** Session lifetimes per channel, seconds. Default: `sessionTtlSeconds`. */
  ttlSeconds?: Record<SessionChannel, number>;
}

/** How a channel starts a session when none is stored (see `userProfile` and `pendingPaymentRequest`). */
export interface SessionStart {
  flow: SessionFlowId;
  msisdn: string;
  locale: Locale;
  /** The caller has a wallet (not closed): the full menu; otherwise the offer to open one. */
  registered: boolean;
  /** A merchant's payment request waiting for the caller's PIN: the session opens on it. */
  request?: PaymentRequest;
}

export interface SessionRunner {
  /**
   * Runs one step. With no stored session, `start` starts the flow and its first screen is returned (the
   * event is sent too unless it is an empty text, which is how USSD opens a session); with neither, the
   * answer is a final "session expired" message.
   */
  step(
    channel: SessionChannel,
    sessionId: string,
    start: SessionStart | null,
    event: FlowInput,
  ): Promise<Screen>;
  readonly store: SessionStore;
}

const finalText = (value: string): Screen => ({ kind: 'message', text: value, final: true });

export function createSessionRunner(options: SessionRunnerOptions): SessionRunner {
  const store = createSessionStore(
    options.redis,
    options.prefix,
    options.keys,
    options.ttlSeconds ?? sessionTtlSeconds,
  );
  const defaultLocale = options.defaultLocale ?? 'zh-CN';
  const runCommand: RunCommandLogic = fromPromise<CommandResult, CommandRequest>(({ input }) =>
    options.bus.execute({ key: randomUUID(), ...input } as Command, options.commandTimeoutMs, { smsIfLate: true }),
  );
  const machines = new Map<SessionFlowId, AnyStateMachine>();
  const machineOf = (flow: SessionFlowId) => {
    let machine = machines.get(flow);
    if (!machine) {
      machine = bindFlow(flow, runCommand);
      machines.set(flow, machine);
    }
    return machine;
  };

  async function step(
    channel: SessionChannel,
    sessionId: string,
    start: SessionStart | null,
    event: FlowInput,
  ): Promise<Screen> {
    const stored = await store.load(channel, sessionId);
    let actor: AnyActorRef;
    let flow: SessionFlowId;
    let send = true;
    if (stored) {
      flow = stored.flow as SessionFlowId;
      // A persisted snapshot is plain JSON; XState rebuilds the state (and the running journey) from it.
      actor = createActor(machineOf(flow), { snapshot: stored.snapshot as never });
    } else if (start) {
      flow = start.flow;
      const { msisdn, locale, registered, request } = start;
      // Of the request, only what its screens need goes into the snapshot.
      const shown = request && {
        holdId: request.holdId,
        merchantName: request.merchantName,
        amount: request.amount,
      };
      const input: MenuStart = { msisdn, locale, registered, channel, request: shown };
      actor = createActor(machineOf(flow), { input });
      send = !(event.type === 'TEXT' && event.text.trim() === '');
    } else {
      return finalText(text(defaultLocale, 'flow.expired'));
    }
    actor.start();
    try {
      if (send) actor.send(event);
      const settled = await waitFor(actor, (s) => !isBusy(s), { timeout: options.commandTimeoutMs + 5_000 });
      if (settled.status === 'error') throw settled.error;
      const screen = screenOf(settled);
      if (isFinal(settled)) await store.delete(channel, sessionId);
      else await store.save(channel, sessionId, { flow, snapshot: actor.getPersistedSnapshot() });
      return screen;
    } catch {
      await store.delete(channel, sessionId);
      const locale =
        (actor.getSnapshot().context as { locale?: Locale } | undefined)?.locale ?? defaultLocale;
      return finalText(text(locale, 'flow.error'));
    } finally {
      actor.stop();
    }
  }

  return { step, store };
}
