/**
 * The SMS conversation of one user (INTERFACES §3): the SMS front end of the journeys in flows/. Parsed
 * keywords in (`SMS`), reply texts out (`context.replies`, the texts of the current step only). A keyword
 * runs the journey the menus run, spawned as the child `journey`, with the keyword's words as its first
 * answers (`ZF 2001 12.50` starts the payment at its PIN; `A` answers `1`), and says its screens the SMS
 * way (sms-replies.ts). What waits for the user's answer (the agreement or closing waiting for `A`, a
 * payment or transfer waiting for the PIN) is that journey waiting, in a state of its own under `ready`,
 * described by `context.pending`; the session layer keeps the snapshot (the journey in it) only then.
 *
 * The rules of SMS, kept here:
 * - A PIN goes from the event to the journey as an input, and from there straight into the command. The
 *   one exception is a PIN answering a merchant's payment request (bare, or `n PIN`): it has to outlive
 *   the request lookup, so it sits in `context.pin` during the busy lookup only and is wiped on every way
 *   out (busy snapshots are never saved).
 * - Merchants' payment requests wait in the ledger, not here: each answer looks up the list of those
 *   waiting (`findPaymentRequests`). The PIN alone pays the request when it is the only one, `n PIN` pays
 *   request n; `QX` alone declines the only one (unless an action of this conversation is pending, which
 *   it cancels), `QX n` declines request n. With several waiting and no number, or a number none has,
 *   nothing runs and the reply lists them.
 * - A new keyword while something is pending replaces it (the user changed their mind): a new question
 *   says what is pending now; a command run instead ends its reply saying the earlier request is cancelled.
 *   Help and malformed texts replace nothing: a typo must not lose a payment waiting for its PIN.
 * - A keyword is the whole request: a journey that would ask again (a wrong PIN in `JD` or `GM`) ends
 *   with what was wrong; only a payment or transfer waits for its PIN again.
 * - A user with no wallet may open one (`KT`, or `OFFER_OPEN` from another channel), ask for help or
 *   cancel; anything else is answered "text KT to open".
 */
import {
  assign,
  type DoneActorEvent,
  type EventObject,
  enqueueActions,
  fromPromise,
  type PromiseActorLogic,
  sendTo,
  setup,
  spawnChild,
  stopChild,
} from 'xstate';
import type { CommandResult } from '../src/commands/index.js';
import type { PaymentRequestView } from '../src/ledger/index.js';
import { balanceStep } from './balance.flow.js';
import { changePinMachine } from './change-pin.flow.js';
import { closeMachine } from './close.flow.js';
import { freezeMachine } from './freeze.flow.js';
import { helpText, invalidReply, type SmsIntent } from './grammar/index.js';
import { JOURNEY, type JourneyDone, type JourneyEvent, type JourneyWaits, waitingScreen } from './journey.js';
import { BUSY, errorScreen, finalMessage, type RunCommandLogic, runCommandPlaceholder } from './kit.js';
import { openMachine } from './open.flow.js';
import { payMachine } from './pay.flow.js';
import { paymentRequestMachine } from './payment-request.flow.js';
import type { FlowInput, Screen } from './screen.js';
import { join, requestList, smsText } from './sms-replies.js';
import { statementStep } from './statement.flow.js';
import { type CommandStepOptions, commandOutcome, type JourneyContext } from './steps.js';
import { type Locale, type TextKey, text } from './texts/index.js';
import { topupMachine } from './topup.flow.js';
import { transferMachine } from './transfer.flow.js';
import { unfreezeMachine } from './unfreeze.flow.js';

export type { PaymentRequestView };

/** Who is texting: the session layer reads it from the user's profile. */
export interface SmsStart {
  msisdn: string;
  locale: Locale;
  /** A wallet exists and is not closed. */
  registered: boolean;
}

/** An `SmsIntent` with its amounts as fen strings: events and snapshots are JSON. */
export type SmsIntentData =
  | Exclude<SmsIntent, { kind: 'pay' } | { kind: 'transfer' }>
  | { kind: 'pay'; merchant: string; amount: string }
  | { kind: 'transfer'; to: string; amount: string };

export type SmsEvent =
  /**
   * One MO, parsed. `locale`: the language the text itself shows (a Chinese keyword says zh-CN); a user
   * with no wallet yet is answered in it, and the wallet is opened with it.
   */
  | { type: 'SMS'; intent: SmsIntentData; locale?: Locale }
  /** Another channel (the IVR) asks to open a wallet: the agreement goes by SMS, the user replies `A`. */
  | { type: 'OFFER_OPEN' };

/** What waits for the user's answer. */
export type SmsPending =
  | { kind: 'open' }
  | { kind: 'pay'; merchant: string; amount: string }
  | { kind: 'transfer'; to: string; amount: string }
  | { kind: 'close' };

export interface SmsContext extends SmsStart {
  /** The texts to send for the current step. */
  replies: string[];
  pending: SmsPending | null;
  /** This step dropped a pending action to run a command: the reply says so. */
  dropped: boolean;
  /** The merchant's request being confirmed or declined in this step. */
  request: PaymentRequestView | null;
  /** The request number the user named in this step (`n PIN`, `QX n`); null when none was. */
  requestNo: number | null;
  /** A PIN answering a merchant's request, during its lookup; null in every settled snapshot. */
  pin: string | null;
}

/** The JSON-safe event for a parsed MO. */
export function smsEvent(intent: SmsIntent, locale?: Locale): SmsEvent {
  const data: SmsIntentData =
    intent.kind === 'pay' || intent.kind === 'transfer'
      ? { ...intent, amount: intent.amount.toString() }
      : intent;
  return locale ? { type: 'SMS', intent: data, locale } : { type: 'SMS', intent: data };
}

/** The merchant requests waiting for this user's PIN, by number. Bound by the session layer, faked in tests. */
export const findPaymentRequestsPlaceholder = fromPromise<PaymentRequestView[], { msisdn: string }>(
  async () => {
    throw new Error('findPaymentRequests is not bound: provide it with bindSms()');
  },
);
export type FindPaymentRequestsLogic = PromiseActorLogic<PaymentRequestView[], { msisdn: string }>;

type Kind = SmsIntentData['kind'];
type Event = SmsEvent | JourneyEvent;
type Args = { context: SmsContext; event: Event };

const intentOf = (event: Event): SmsIntentData | null => (event.type === 'SMS' ? event.intent : null);
const kindOf = (event: Event): Kind | null => intentOf(event)?.kind ?? null;
const is =
  (...kinds: Kind[]) =>
  ({ event }: Args) => {
    const kind = kindOf(event);
    return kind !== null && kinds.includes(kind);
  };
const guest = ({ context }: Args) => !context.registered;
const guestIs =
  (...kinds: Kind[]) =>
  (args: Args) =>
    guest(args) && is(...kinds)(args);
/** Keywords a user with no wallet may use, so their malformed forms get the usage line. */
const GUEST_KEYWORDS: string[] = ['open', 'confirm', 'cancel', 'help'];

const say = (context: SmsContext, key: TextKey, params: Record<string, string> = {}) =>
  text(context.locale, key, params);
/** The reply, followed by "the earlier request was cancelled" when this step dropped one. */
const noted = (context: SmsContext, reply: string, dropped = context.dropped): string[] => [
  dropped ? join(context.locale, reply, say(context, 'sms.replaced')) : reply,
];

const pinOf = (event: Event): string => {
  const intent = intentOf(event);
  return intent?.kind === 'pin' || intent?.kind === 'payRequest' ? intent.pin : '';
};
const requestNoOf = (event: Event): number | null => {
  const intent = intentOf(event);
  return intent?.kind === 'payRequest' || intent?.kind === 'declineRequest' ? intent.request : null;
};
const answer = (textValue: string): FlowInput => ({ type: 'TEXT', text: textValue });
const journeyOf = ({ context }: { context: SmsContext }) => ({
  msisdn: context.msisdn,
  locale: context.locale,
});

/** Where every step that ran a journey to its end settles: nothing pending, nothing of the step kept. */
const settled = { pending: null, dropped: false, request: null, requestNo: null } as const;

type RequestsFound = DoneActorEvent<PaymentRequestView[]>;

/** An action that updates the context with what `update` works out from it and the event. */
const update = <E extends EventObject = Event>(
  change: (context: SmsContext, event: E) => Partial<SmsContext>,
) => assign<SmsContext, E, undefined, Event, never>(({ context, event }) => change(context, event));

/** What a keyword leaves pending: the question its journey asks; null for a keyword that is the whole request. */
function pendingOf(event: Event): SmsPending | null {
  if (event.type === 'OFFER_OPEN') return { kind: 'open' };
  const intent = intentOf(event);
  switch (intent?.kind) {
    case 'open':
    case 'close':
      return { kind: intent.kind };
    case 'pay':
      return { kind: 'pay', merchant: intent.merchant, amount: intent.amount };
    case 'transfer':
      return { kind: 'transfer', to: intent.to, amount: intent.amount };
    default:
      return null;
  }
}

/** A keyword that starts its journey in the busy state `target`, replacing what pended. */
const starts = (target: string, ...kinds: Kind[]) =>
  ({ guard: is(...kinds), target, actions: ['endJourney', 'replace', 'startJourney'] }) as const;

interface AtWork {
  /** Where to wait when the journey waits for the user again; by default it is over (a keyword is the whole request). */
  waits?: string;
  /** The reply when it waits: by default its screen in SMS words. */
  waitReply?: (context: SmsContext, screen: Screen) => string;
}

/** Whether the user has a wallet after a journey ended on `screen`: opened (or meanwhile elsewhere), or closed. */
function registeredAfter(context: SmsContext, screen: Screen): boolean {
  const key = screen.say?.key;
  if (key === 'flow.open.done' || key === 'refusal.already_open') return true;
  return context.registered && key !== 'flow.close.done';
}

/**
 * A busy state while the journey works on what it was given (its first answers, a PIN): it ends when the
 * journey ends (its final screen is the reply, the step settles) or waits for the user again (its screen
 * is the reply; on to `waits`, or the step settles and the journey is dropped). The journey's snapshot
 * events only wake it: whether the journey waits is read from the journey (`waitingScreen`).
 */
function atWork({ waits, waitReply }: AtWork = {}) {
  const reply = waitReply ?? ((context: SmsContext, screen: Screen) => smsText(context.locale, screen));
  const waiting = waits
    ? ({
        target: waits,
        actions: update<JourneyWaits>((context, event) => ({ replies: [reply(context, event.screen)] })),
      } as const)
    : ({
        target: '#sms.ready.idle',
        actions: [
          'endJourney',
          update<JourneyWaits>((context, event) => ({
            ...settled,
            replies: noted(context, reply(context, event.screen)),
          })),
        ],
      } as const);
  return {
    tags: [BUSY],
    on: {
      'xstate.snapshot.journey': { actions: 'checkJourney' },
      'journey.waits': waiting,
      'xstate.done.actor.journey': {
        target: '#sms.ready.idle',
        actions: [
          'endJourney',
          update<JourneyDone>((context, event) => ({
            ...settled,
            registered: registeredAfter(context, event.output),
            replies: noted(context, smsText(context.locale, event.output)),
          })),
        ],
      },
      'xstate.error.actor.journey': { target: '#sms.ready.idle', actions: ['endJourney', 'failed'] },
    },
  } as const;
}

/**
 * A keyword whose journey is one command and its answer (balance, statement): its step, run here rather
 * than in a spawned journey, since nothing of it waits for the user. The journey's own step (its command
 * and its screens, flows/balance.flow.ts, flows/statement.flow.ts) says what runs and what is answered;
 * a child actor per MO was half the conversation's CPU for these, the commonest keywords.
 */
function inlineJourney(step: CommandStepOptions<JourneyContext>) {
  const journey = (context: SmsContext): JourneyContext => ({
    ...journeyOf({ context }),
    screen: finalMessage(''),
  });
  const answered = (context: SmsContext, screen: Screen) => ({
    ...settled,
    replies: noted(context, smsText(context.locale, screen)),
  });
  return {
    tags: [BUSY],
    invoke: {
      src: 'runCommand',
      input: ({ context }: { context: SmsContext }) => step.command(journey(context), ''),
      onDone: {
        target: '#sms.ready.idle',
        actions: update<DoneActorEvent<CommandResult>>((context, event) =>
          answered(context, commandOutcome(step, journey(context), event.output)),
        ),
      },
      onError: {
        target: '#sms.ready.idle',
        actions: update<EventObject>((context) => answered(context, errorScreen(context.locale))),
      },
    },
  } as const;
}

/** The request this step is about: the one numbered as the user said, else the only one waiting. */
function chosen(context: SmsContext, waiting: PaymentRequestView[]): PaymentRequestView | null {
  if (context.requestNo === null) return waiting.length === 1 ? waiting[0] : null;
  return waiting.find((r) => r.requestNo === context.requestNo) ?? null;
}

/**
 * Looks up the merchant requests waiting for this user and picks the one this step is about (`chosen`):
 * picked, on to `next`; none waiting, idle with `nothing`; several and no number, or a number none of
 * them has, idle with the list under `several` or `unknown`.
 */
const findingRequest = (
  next: string,
  nothing: (context: SmsContext) => string[],
  several: TextKey,
  unknown: TextKey,
) =>
  ({
    invoke: {
      src: 'findPaymentRequests',
      input: ({ context }: Args) => ({ msisdn: context.msisdn }),
      onDone: [
        {
          guard: ({ context, event }: { context: SmsContext; event: RequestsFound }) =>
            chosen(context, event.output) !== null,
          target: next,
          actions: update<RequestsFound>((context, event) => ({ request: chosen(context, event.output) })),
        },
        {
          guard: ({ event }: { event: RequestsFound }) => event.output.length === 0,
          target: '#sms.ready.idle',
          actions: update<EventObject>((context) => ({ ...settled, replies: nothing(context) })),
        },
        {
          target: '#sms.ready.idle',
          actions: update<RequestsFound>((context, event) => ({
            ...settled,
            replies: [
              requestList(context.locale, context.requestNo === null ? several : unknown, event.output, {
                requestNo: context.requestNo,
                dropped: context.dropped,
              }),
            ],
          })),
        },
      ],
      onError: { target: '#sms.ready.idle', actions: 'failed' },
    },
  }) as const;

/** The merchant's request of this step, as the payment request journey takes it. */
const requestInput = ({ context }: { context: SmsContext }) => {
  const request = context.request as PaymentRequestView;
  return {
    ...journeyOf({ context }),
    request: { holdId: request.holdId, merchantName: request.merchantName, amount: request.amount },
  };
};

export const smsMachine = setup({
  types: {
    context: {} as SmsContext,
    input: {} as SmsStart,
    events: {} as Event,
  },
  actors: {
    runCommand: runCommandPlaceholder,
    findPaymentRequests: findPaymentRequestsPlaceholder,
    topup: topupMachine,
    changePin: changePinMachine,
    freeze: freezeMachine,
    unfreeze: unfreezeMachine,
    pay: payMachine,
    transfer: transferMachine,
    open: openMachine,
    close: closeMachine,
    paymentRequest: paymentRequestMachine,
  },
  actions: {
    /** A user with no wallet reads the language they wrote in; a user's own choice is in the profile. */
    adoptLocale: assign({
      locale: ({ context, event }) =>
        event.type === 'SMS' && event.locale && !context.registered ? event.locale : context.locale,
    }),
    failed: assign({ ...settled, replies: ({ context }) => [say(context, 'sms.error')] }),
    /** Drops the journey (ended, cancelled, or replaced by a new keyword); none running is fine. */
    endJourney: stopChild('journey'),
    /** Raises `journey.waits` when the journey, done with what it was given, waits for the user. */
    checkJourney: enqueueActions(({ self, enqueue }) => {
      const screen = waitingScreen(self);
      if (screen) enqueue.raise({ type: 'journey.waits', screen });
    }),
    /** A keyword replaces what pended: a new question says what pends now, a command run instead notes the drop. */
    replace: assign(({ context, event }) => {
      const pending = pendingOf(event);
      return { replies: [], pending, dropped: pending === null && context.pending !== null };
    }),
    /** The request number the user named, and the PIN for it (kept during the lookup only). */
    readRequest: assign(({ event }) => ({ requestNo: requestNoOf(event), pin: pinOf(event) || null })),
    /** The answer to the question the journey waits on: the PIN, or `1` for `A`. */
    forward: enqueueActions(({ event, enqueue }) => {
      enqueue.assign({ replies: [] });
      enqueue.sendTo('journey', answer(pinOf(event) || '1'));
    }),
    /**
     * The journey a keyword runs (or an offer to open), given what the keyword says: up front where the
     * journey takes it, else as its answers (a card PIN, `1` for the confirmation the keyword is).
     */
    startJourney: enqueueActions(({ context, event, enqueue }) => {
      const input = journeyOf({ context });
      const answers = (...texts: string[]) => {
        for (const t of texts) enqueue.sendTo('journey', answer(t));
      };
      const intent = intentOf(event);
      if (event.type === 'OFFER_OPEN' || intent?.kind === 'open') {
        return enqueue.spawnChild('open', { ...JOURNEY, input: { ...input, channel: 'sms' } });
      }
      switch (intent?.kind) {
        case 'close':
          return enqueue.spawnChild('close', { ...JOURNEY, input });
        case 'pay':
          return enqueue.spawnChild('pay', {
            ...JOURNEY,
            input: { ...input, merchant: intent.merchant, amount: intent.amount },
          });
        case 'transfer':
          return enqueue.spawnChild('transfer', {
            ...JOURNEY,
            input: { ...input, to: intent.to, amount: intent.amount },
          });
        case 'topup':
          enqueue.spawnChild('topup', { ...JOURNEY, input });
          return answers(intent.serial, intent.cardPin);
        case 'changePin':
          return enqueue.spawnChild('changePin', {
            ...JOURNEY,
            input: { ...input, pins: { current: intent.oldPin, next: intent.newPin } },
          });
        case 'freeze':
          // No days: until unfrozen.
          enqueue.spawnChild('freeze', { ...JOURNEY, input });
          return answers(intent.days === undefined ? '' : String(intent.days), '1');
        case 'unfreeze':
          enqueue.spawnChild('unfreeze', { ...JOURNEY, input });
          return answers(intent.pin);
      }
    }),
    startOpen: spawnChild('open', { ...JOURNEY, input: (args) => ({ ...journeyOf(args), channel: 'sms' }) }),
    /** The merchant's request of this step, in the payment request journey. */
    startRequest: spawnChild('paymentRequest', { ...JOURNEY, input: requestInput }),
  },
}).createMachine({
  id: 'sms',
  context: ({ input }) => ({
    msisdn: input.msisdn,
    locale: input.locale,
    registered: input.registered,
    replies: [],
    pending: null,
    dropped: false,
    request: null,
    requestNo: null,
    pin: null,
  }),
  initial: 'ready',
  states: {
    ready: {
      initial: 'idle',
      on: {
        OFFER_OPEN: [
          {
            guard: ({ context }) => context.registered,
            actions: assign({ replies: ({ context }) => [say(context, 'sms.open.already')] }),
          },
          { target: '#sms.opening', actions: ['endJourney', 'replace', 'startJourney'] },
        ],
        // What any state does with a keyword it has no answer of its own for.
        SMS: [
          {
            guard: guestIs('open'),
            target: '#sms.opening',
            actions: ['adoptLocale', 'endJourney', 'replace', 'startJourney'],
          },
          {
            guard: guestIs('cancel', 'declineRequest'),
            actions: [
              'adoptLocale',
              assign({ replies: ({ context }) => [say(context, 'sms.cancel.nothing')] }),
            ],
          },
          {
            guard: (args) =>
              guest(args) &&
              intentOf(args.event)?.kind === 'invalid' &&
              GUEST_KEYWORDS.includes(invalidOf(args)),
            actions: ['adoptLocale', assign({ replies: invalidAnswer })],
          },
          {
            guard: guestIs('help'),
            actions: ['adoptLocale', assign({ replies: ({ context }) => [helpText(context.locale)] })],
          },
          {
            guard: guest,
            actions: [
              'adoptLocale',
              assign({
                replies: ({ context }) => [
                  say(context, context.pending?.kind === 'open' ? 'sms.guest.pending' : 'sms.guest'),
                ],
              }),
            ],
          },
          {
            guard: is('open'),
            target: '.idle',
            actions: [
              'endJourney',
              assign(({ context }) => ({
                pending: null,
                replies: noted(context, say(context, 'sms.open.already'), context.pending !== null),
              })),
            ],
          },
          {
            guard: is('confirm'),
            target: '.idle',
            actions: assign({ replies: ({ context }) => [say(context, 'sms.confirm.nothing')] }),
          },
          // What waits here has cancelled itself already: a bare QX reaches this only with nothing pending.
          // Answers to a merchant's request replace what pended too.
          {
            guard: is('cancel', 'declineRequest'),
            target: '#sms.decliningRequest',
            actions: ['endJourney', 'replace', 'readRequest'],
          },
          {
            guard: is('pin', 'payRequest'),
            target: '#sms.confirmingRequest',
            actions: ['endJourney', 'replace', 'readRequest'],
          },
          // Keywords that are the whole request: their journey runs to its end in this step.
          { guard: is('balance'), target: '#sms.balance', actions: ['endJourney', 'replace'] },
          { guard: is('statement'), target: '#sms.statement', actions: ['endJourney', 'replace'] },
          starts('#sms.running', 'topup', 'changePin', 'freeze', 'unfreeze'),
          starts('#sms.paying', 'pay'),
          starts('#sms.transferring', 'transfer'),
          starts('#sms.closing', 'close'),
          { guard: is('invalid'), actions: assign({ replies: invalidAnswer }) },
          // Help, and anything not understood: never silence.
          { actions: assign({ replies: ({ context }) => [helpText(context.locale)] }) },
        ],
      },
      states: {
        idle: {},
        /** The open journey waits on its agreement: `A` accepts it. */
        // The agreement is accepted in the language of the answer (a user with no wallet is answered in the
        // language they write, and the wallet opened in it): the journey starts again in that language.
        awaitingOpen: awaiting('confirm', '#sms.opening', 'sms.open.cancelled', ['endJourney', 'startOpen']),
        awaitingPayPin: awaiting('pin', '#sms.paying'),
        awaitingTransferPin: awaiting('pin', '#sms.transferring'),
        awaitingClose: awaiting('confirm', '#sms.closing'),
      },
    },
    opening: atWork({ waits: '#sms.ready.awaitingOpen' }),
    paying: atWork({ waits: '#sms.ready.awaitingPayPin' }),
    transferring: atWork({ waits: '#sms.ready.awaitingTransferPin' }),
    closing: atWork({ waits: '#sms.ready.awaitingClose' }),
    balance: inlineJourney(balanceStep),
    statement: inlineJourney(statementStep),
    // A wrong PIN (JD, GM) ends the keyword with what was wrong: the refusal alone, not the question again.
    running: atWork({ waitReply: (context, screen) => screen.say?.note ?? smsText(context.locale, screen) }),
    confirmingRequest: {
      tags: [BUSY],
      // The PIN lives only until the journey has it.
      exit: assign({ pin: null }),
      initial: 'finding',
      states: {
        finding: findingRequest(
          'confirming',
          (context) => noted(context, say(context, 'sms.pin.nothing')),
          'sms.requests.pin',
          'sms.requests.unknown.pin',
        ),
        // `1` pays the request, then the PIN.
        confirming: {
          entry: [
            'startRequest',
            sendTo('journey', answer('1')),
            sendTo('journey', ({ context }) => answer(context.pin ?? '')),
            assign({ pin: null }),
          ],
          ...atWork({
            // A wrong PIN needs no pending state: the request still waits, the next PIN finds it again
            // (asked with its number when the user gave one: other requests may wait too).
            waitReply: (context, screen) =>
              context.requestNo === null
                ? smsText(context.locale, screen)
                : join(
                    context.locale,
                    screen.say?.note ?? '',
                    say(context, 'sms.request.pin.again', { n: String(context.requestNo) }),
                  ),
          }),
        },
      },
    },
    decliningRequest: {
      tags: [BUSY],
      initial: 'finding',
      states: {
        finding: findingRequest(
          'declining',
          (context) => noted(context, say(context, 'sms.cancel.nothing')),
          'sms.requests.cancel',
          'sms.requests.unknown.cancel',
        ),
        // `2` declines the request.
        declining: {
          entry: ['startRequest', sendTo('journey', answer('2'))],
          ...atWork(),
        },
      },
    },
  },
});

/**
 * The journey waiting on its question: the answer it wants (`A`, or a PIN) goes to it, on to `atWorkState`;
 * `QX` drops it, saying `cancelled`; `A` where a PIN is wanted asks for the PIN again.
 */
function awaiting(
  wanted: Kind,
  atWorkState: string,
  cancelled: TextKey = 'sms.cancelled',
  before: readonly ('endJourney' | 'startOpen')[] = [],
) {
  return {
    on: {
      SMS: [
        { guard: is(wanted), target: atWorkState, actions: ['adoptLocale', ...before, 'forward'] },
        {
          guard: is('cancel'),
          target: 'idle',
          actions: [
            'adoptLocale',
            'endJourney',
            update((context) => ({ pending: null, replies: [say(context, cancelled)] })),
          ],
        },
        {
          guard: is('confirm'),
          actions: update((context) => ({ replies: [say(context, 'sms.pin.again')] })),
        },
      ],
    },
  } as const;
}

/** The conversation with its lookup bound, and `runCommand` bound in every journey it runs. */
export function bindSms(runCommand: RunCommandLogic, findPaymentRequests: FindPaymentRequestsLogic) {
  const bound = { actors: { runCommand } };
  return smsMachine.provide({
    actors: {
      runCommand,
      findPaymentRequests,
      topup: topupMachine.provide(bound),
      changePin: changePinMachine.provide(bound),
      freeze: freezeMachine.provide(bound),
      unfreeze: unfreezeMachine.provide(bound),
      pay: payMachine.provide(bound),
      transfer: transferMachine.provide(bound),
      open: openMachine.provide(bound),
      close: closeMachine.provide(bound),
      paymentRequest: paymentRequestMachine.provide(bound),
    },
  });
}

function invalidOf({ event }: Args): string {
  const intent = intentOf(event);
  return intent?.kind === 'invalid' ? intent.command : '';
}

function invalidAnswer({ context, event }: Args): string[] {
  const intent = intentOf(event);
  return [intent?.kind === 'invalid' ? invalidReply(intent, context.locale) : helpText(context.locale)];
}
