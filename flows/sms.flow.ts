/**
 * The SMS conversation of one user (INTERFACES §3), channel-neutral: parsed keywords in (`SMS`), reply
 * texts out (`context.replies`, the texts of the current step only). What waits for the user's answer —
 * the agreement waiting for `A`, a payment or transfer waiting for the PIN, closing waiting for `A` — is a
 * state of its own under `ready`, described by `context.pending`; the session layer keeps the snapshot
 * only while something is pending.
 *
 * Rules that shape it:
 * - A PIN goes from the event straight into the command. The one exception is a PIN answering a
 *   merchant's payment request (bare, or `n PIN`): it has to outlive the request lookup, so it sits in
 *   `context.pin` during the busy `confirmingRequest` state only and is wiped on every way out (busy
 *   snapshots are never saved).
 * - Merchants' payment requests wait in the ledger, not here: each answer looks up the list of those
 *   waiting (`findPaymentRequests`). The PIN alone pays the request when it is the only one, `n PIN` pays
 *   request n; `QX` alone declines the only one (unless an action of this conversation is pending, which
 *   it cancels), `QX n` declines request n. With several waiting and no number, or a number none has,
 *   nothing runs and the reply lists them.
 * - A new keyword while something is pending replaces it (the user changed their mind): a new question
 *   says what is pending now; a command run instead ends its reply saying the earlier request is cancelled.
 *   Help and malformed texts replace nothing: a typo must not lose a payment waiting for its PIN.
 * - A user with no wallet may open one (`KT`, or `OFFER_OPEN` from another channel), ask for help or
 *   cancel; anything else is answered "text KT to open".
 */
import {
  assign,
  type DoneActorEvent,
  type EventObject,
  fromPromise,
  type PromiseActorLogic,
  setup,
} from 'xstate';
import type { CommandResult } from '../src/commands/index.js';
import type { PaymentRequestView } from '../src/ledger/index.js';
import { nationalMsisdn } from '../src/lib/index.js';
import { helpText, invalidReply, type SmsIntent } from './grammar/index.js';
import {
  BUSY,
  type CommandRequest,
  clip,
  moneyOf,
  refusalText,
  refusedPin,
  runCommandPlaceholder,
} from './kit.js';
import { isOneShot, join, type OneShot, oneShotReply, outcome } from './sms-replies.js';
import { type Locale, money, type TextKey, text } from './texts/index.js';

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
  /** The one-shot command running now, to word its result. */
  running: OneShot | null;
  /** The merchant's request being confirmed or declined in this step. */
  request: PaymentRequestView | null;
  /** The request number the user named in this step (`n PIN`, `QX n`); null when none was. */
  requestNo: number | null;
  /** A PIN answering a merchant's request, between the lookup and `payment.confirm`; null in every settled snapshot. */
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
    throw new Error('findPaymentRequests is not bound: provide it with machine.provide()');
  },
);
export type FindPaymentRequestsLogic = PromiseActorLogic<PaymentRequestView[], { msisdn: string }>;

type Kind = SmsIntentData['kind'];
type Args = { context: SmsContext; event: SmsEvent };

const intentOf = (event: SmsEvent): SmsIntentData | null => (event.type === 'SMS' ? event.intent : null);
const kindOf = (event: SmsEvent): Kind | null => intentOf(event)?.kind ?? null;
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

const pinOf = (event: SmsEvent): string => {
  const intent = intentOf(event);
  return intent?.kind === 'pin' || intent?.kind === 'payRequest' ? intent.pin : '';
};
const requestNoOf = (event: SmsEvent): number | null => {
  const intent = intentOf(event);
  return intent?.kind === 'payRequest' || intent?.kind === 'declineRequest' ? intent.request : null;
};

/** The command a one-shot keyword runs; the PINs go from the event straight into it. */
function oneShotRequest(msisdn: string, event: SmsEvent): CommandRequest {
  const intent = intentOf(event);
  switch (intent?.kind) {
    case 'balance':
      return { type: 'balance', input: { msisdn } };
    case 'statement':
      return { type: 'statement', input: { msisdn, limit: 5 } };
    case 'topup':
      return { type: 'topup.card', input: { msisdn, serial: intent.serial, cardPin: intent.cardPin } };
    case 'changePin':
      return { type: 'pin.change', input: { msisdn, oldPin: intent.oldPin, newPin: intent.newPin } };
    case 'freeze':
      return {
        type: 'account.freeze',
        input: intent.days === undefined ? { msisdn } : { msisdn, days: intent.days },
      };
    case 'unfreeze':
      return { type: 'account.unfreeze', input: { msisdn, pin: intent.pin } };
    default:
      throw new Error(`not a one-shot SMS command: ${intent?.kind}`);
  }
}

const payPrompt = (context: SmsContext, pending: Extract<SmsPending, { kind: 'pay' }>) =>
  say(context, 'sms.pay.pin', { merchant: clip(pending.merchant), amount: money(BigInt(pending.amount)) });
const transferPrompt = (context: SmsContext, pending: Extract<SmsPending, { kind: 'transfer' }>) =>
  say(context, 'sms.transfer.pin', { to: nationalMsisdn(pending.to), amount: money(BigInt(pending.amount)) });
/** After a wrong PIN: the attempts left, and the PIN asked again (by default, bare). */
const pinAgain = (context: SmsContext, output: CommandResult, again = say(context, 'sms.pin.again')) => [
  join(context.locale, output.ok ? '' : refusalText(context.locale, output.error), again),
];

/** Where every step that ran a command ends: nothing pending, nothing of the step kept. */
const settled = { pending: null, dropped: false, running: null, request: null, requestNo: null } as const;

type CommandDone = DoneActorEvent<CommandResult>;
type RequestsFound = DoneActorEvent<PaymentRequestView[]>;
type PinPending = Extract<SmsPending, { kind: 'pay' | 'transfer' }>;

/** An action that updates the context with what `update` works out from it and the event. */
const update = <E extends EventObject = SmsEvent>(
  change: (context: SmsContext, event: E) => Partial<SmsContext>,
) => assign<SmsContext, E, undefined, SmsEvent, never>(({ context, event }) => change(context, event));

/**
 * Runs a command, then settles back to idle with what `after` makes of its result (the replies, and what
 * else it changes); the error text when it could not be run at all.
 */
function commandRun(
  command: (context: SmsContext, event: SmsEvent) => CommandRequest,
  after: (context: SmsContext, output: CommandResult) => Partial<SmsContext>,
) {
  return {
    invoke: {
      src: 'runCommand',
      input: ({ context, event }: Args) => command(context, event),
      onDone: {
        target: '#sms.ready.idle',
        actions: update<CommandDone>((context, event) => ({ ...settled, ...after(context, event.output) })),
      },
      onError: { target: '#sms.ready.idle', actions: 'failed' },
    },
  } as const;
}

/** A busy state that runs a command (see `commandRun`). */
const busyRun = (...args: Parameters<typeof commandRun>) =>
  ({ tags: [BUSY], ...commandRun(...args) }) as const;

/** A payment or transfer waiting for its PIN: the PIN runs it, a cancel drops it, `A` asks for the PIN. */
const awaitingPin = (running: string) =>
  ({
    on: {
      SMS: [
        { guard: is('pin'), target: running, actions: update(() => ({ replies: [] })) },
        { guard: is('cancel'), target: 'idle', actions: 'cancelled' },
        {
          guard: is('confirm'),
          actions: update((context) => ({ replies: [say(context, 'sms.pin.again')] })),
        },
      ],
    },
  }) as const;

/**
 * Runs the pending payment or transfer with the PIN from the event that entered the state (it goes straight
 * into the command); a wrong PIN waits for the PIN again in `retry`, the pending action kept.
 */
function pinRun<P extends PinPending>(
  retry: string,
  command: (msisdn: string, pending: P, pin: string) => CommandRequest,
  done: (context: SmsContext, pending: P, value: Record<string, unknown>) => string,
) {
  const run = busyRun(
    (context, event) => command(context.msisdn, context.pending as P, pinOf(event)),
    (context, output) => ({
      replies: [outcome(context.locale, output, (value) => done(context, context.pending as P, value))],
    }),
  );
  const again = {
    guard: refusedPin,
    target: retry,
    actions: update<CommandDone>((context, event) => ({ replies: pinAgain(context, event.output) })),
  } as const;
  return { ...run, invoke: { ...run.invoke, onDone: [again, run.invoke.onDone] } } as const;
}

/** The request this step is about: the one numbered as the user said, else the only one waiting. */
function chosen(context: SmsContext, waiting: PaymentRequestView[]): PaymentRequestView | null {
  if (context.requestNo === null) return waiting.length === 1 ? waiting[0] : null;
  return waiting.find((r) => r.requestNo === context.requestNo) ?? null;
}

/** The requests waiting, one line each under `header`; the note when this step dropped a pending action. */
function requestList(context: SmsContext, header: TextKey, waiting: PaymentRequestView[]): string[] {
  const lines = waiting.map((r) =>
    say(context, 'sms.requests.line', {
      n: String(r.requestNo),
      merchant: clip(r.merchantName),
      amount: moneyOf(r.amount),
    }),
  );
  const head = say(context, header, { count: String(waiting.length), n: String(context.requestNo) });
  return [[head, ...lines, ...(context.dropped ? [say(context, 'sms.replaced')] : [])].join('\n')];
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
            replies: requestList(context, context.requestNo === null ? several : unknown, event.output),
          })),
        },
      ],
      onError: { target: '#sms.ready.idle', actions: 'failed' },
    },
  }) as const;

export const smsMachine = setup({
  types: {
    context: {} as SmsContext,
    input: {} as SmsStart,
    events: {} as SmsEvent,
  },
  actors: { runCommand: runCommandPlaceholder, findPaymentRequests: findPaymentRequestsPlaceholder },
  actions: {
    /** A user with no wallet reads the language they wrote in; a user's own choice is in the profile. */
    adoptLocale: assign({
      locale: ({ context, event }) =>
        event.type === 'SMS' && event.locale && !context.registered ? event.locale : context.locale,
    }),
    failed: assign({ ...settled, replies: ({ context }) => [say(context, 'sms.error')] }),
    cancelled: assign({ pending: null, replies: ({ context }) => [say(context, 'sms.cancelled')] }),
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
    running: null,
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
          {
            target: '.awaitingOpen',
            actions: assign({
              pending: { kind: 'open' },
              replies: ({ context }) => [say(context, 'sms.agreement')],
            }),
          },
        ],
        // What any state does with a keyword it has no answer of its own for.
        SMS: [
          {
            guard: guestIs('open'),
            target: '.awaitingOpen',
            actions: [
              'adoptLocale',
              assign({
                pending: { kind: 'open' },
                replies: ({ context }) => [say(context, 'sms.agreement')],
              }),
            ],
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
            actions: assign(({ context }) => ({
              pending: null,
              replies: noted(context, say(context, 'sms.open.already'), context.pending !== null),
            })),
          },
          {
            guard: is('confirm'),
            target: '.idle',
            actions: assign({ replies: ({ context }) => [say(context, 'sms.confirm.nothing')] }),
          },
          // What waits here has cancelled itself already: a bare QX reaches this only with nothing pending.
          {
            guard: is('cancel', 'declineRequest'),
            target: '#sms.decliningRequest',
            actions: assign(({ context, event }) => ({
              replies: [],
              dropped: context.pending !== null,
              pending: null,
              requestNo: requestNoOf(event),
            })),
          },
          {
            guard: is('pin', 'payRequest'),
            target: '#sms.confirmingRequest',
            actions: assign(({ context, event }) => ({
              replies: [],
              dropped: context.pending !== null,
              pending: null,
              requestNo: requestNoOf(event),
              pin: pinOf(event),
            })),
          },
          {
            guard: ({ event }) => isOneShot(kindOf(event) ?? ''),
            target: '#sms.running',
            actions: assign(({ context, event }) => ({
              replies: [],
              dropped: context.pending !== null,
              pending: null,
              running: kindOf(event) as OneShot,
            })),
          },
          {
            guard: is('pay'),
            target: '.awaitingPayPin',
            actions: assign(({ context, event }) => {
              const intent = intentOf(event) as Extract<SmsIntentData, { kind: 'pay' }>;
              const pending = { kind: 'pay', merchant: intent.merchant, amount: intent.amount } as const;
              return { pending, replies: [payPrompt(context, pending)] };
            }),
          },
          {
            guard: is('transfer'),
            target: '.awaitingTransferPin',
            actions: assign(({ context, event }) => {
              const intent = intentOf(event) as Extract<SmsIntentData, { kind: 'transfer' }>;
              const pending = { kind: 'transfer', to: intent.to, amount: intent.amount } as const;
              return { pending, replies: [transferPrompt(context, pending)] };
            }),
          },
          {
            guard: is('close'),
            target: '.awaitingClose',
            actions: assign(({ context }) => ({
              pending: { kind: 'close' } as const,
              replies: [say(context, 'sms.close.ask')],
            })),
          },
          { guard: is('invalid'), actions: assign({ replies: invalidAnswer }) },
          // Help, and anything not understood: never silence.
          { actions: assign({ replies: ({ context }) => [helpText(context.locale)] }) },
        ],
      },
      states: {
        idle: {},
        awaitingOpen: {
          on: {
            SMS: [
              {
                guard: is('confirm'),
                target: '#sms.opening',
                actions: ['adoptLocale', assign({ replies: [] })],
              },
              {
                guard: is('cancel'),
                target: 'idle',
                actions: [
                  'adoptLocale',
                  assign({ pending: null, replies: ({ context }) => [say(context, 'sms.open.cancelled')] }),
                ],
              },
            ],
          },
        },
        awaitingPayPin: awaitingPin('#sms.paying'),
        awaitingTransferPin: awaitingPin('#sms.transferring'),
        awaitingClose: {
          on: {
            SMS: [
              { guard: is('confirm'), target: '#sms.closing', actions: assign({ replies: [] }) },
              { guard: is('cancel'), target: 'idle', actions: 'cancelled' },
            ],
          },
        },
      },
    },
    opening: busyRun(
      (context) => ({
        type: 'account.open',
        input: { msisdn: context.msisdn, locale: context.locale, channel: 'sms' },
      }),
      (context, output) => ({
        registered: context.registered || output.ok || (!output.ok && output.error.code === 'already_open'),
        replies: [outcome(context.locale, output, () => say(context, 'sms.open.done'))],
      }),
    ),
    paying: pinRun<Extract<SmsPending, { kind: 'pay' }>>(
      '#sms.ready.awaitingPayPin',
      (msisdn, pending, pin) => ({
        type: 'payment',
        input: { msisdn, merchant: pending.merchant, amount: pending.amount, pin },
      }),
      (context, pending, value) =>
        say(context, 'sms.pay.done', {
          merchant: clip(String(value.merchantName ?? pending.merchant)),
          amount: money(BigInt(pending.amount)),
          balance: moneyOf(value.balance),
        }),
    ),
    transferring: pinRun<Extract<SmsPending, { kind: 'transfer' }>>(
      '#sms.ready.awaitingTransferPin',
      (msisdn, pending, pin) => ({
        type: 'transfer',
        input: { msisdn, to: pending.to, amount: pending.amount, pin },
      }),
      (context, pending, value) =>
        say(context, 'sms.transfer.done', {
          to: nationalMsisdn(pending.to),
          amount: money(BigInt(pending.amount)),
          balance: moneyOf(value.balance),
        }),
    ),
    closing: busyRun(
      (context) => ({ type: 'account.close', input: { msisdn: context.msisdn } }),
      (context, output) => {
        let reply: string;
        if (output.ok) reply = say(context, 'sms.close.done');
        // The ledger refuses while money is in the wallet or held: say how to empty it.
        else if (output.error.code === 'balance_not_zero') reply = say(context, 'sms.close.not_empty');
        else reply = refusalText(context.locale, output.error);
        return { registered: context.registered && !output.ok, replies: [reply] };
      },
    ),
    running: busyRun(
      (context, event) => oneShotRequest(context.msisdn, event),
      (context, output) => ({
        replies: noted(context, oneShotReply(context.running as OneShot, context.locale, output)),
      }),
    ),
    confirmingRequest: {
      tags: [BUSY],
      // The PIN lives only while this state runs.
      exit: assign({ pin: null }),
      initial: 'finding',
      states: {
        finding: findingRequest(
          'confirming',
          (context) => noted(context, say(context, 'sms.pin.nothing')),
          'sms.requests.pin',
          'sms.requests.unknown.pin',
        ),
        confirming: commandRun(
          (context) => ({
            type: 'payment.confirm',
            input: {
              msisdn: context.msisdn,
              holdId: (context.request as PaymentRequestView).holdId,
              pin: context.pin ?? '',
            },
          }),
          (context, output) => {
            const request = context.request as PaymentRequestView;
            // A wrong PIN needs no pending state: the request still waits, the next PIN finds it again
            // (asked with its number when the user gave one: other requests may wait too).
            const again =
              context.requestNo === null
                ? undefined
                : say(context, 'sms.request.pin.again', { n: String(context.requestNo) });
            const reply = refusedPin({ event: { output } })
              ? pinAgain(context, output, again)[0]
              : outcome(context.locale, output, (value) =>
                  say(context, 'sms.pay.done', {
                    merchant: clip(request.merchantName),
                    amount: moneyOf(request.amount),
                    balance: moneyOf(value.balance),
                  }),
                );
            return { replies: noted(context, reply) };
          },
        ),
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
        declining: commandRun(
          (context) => ({
            type: 'payment.decline',
            input: { msisdn: context.msisdn, holdId: (context.request as PaymentRequestView).holdId },
          }),
          (context, output) => {
            const request = context.request as PaymentRequestView;
            return {
              replies: noted(
                context,
                outcome(context.locale, output, () =>
                  say(context, 'sms.request.declined', {
                    merchant: clip(request.merchantName),
                    amount: moneyOf(request.amount),
                  }),
                ),
              ),
            };
          },
        ),
      },
    },
  },
});

function invalidOf({ event }: Args): string {
  const intent = intentOf(event);
  return intent?.kind === 'invalid' ? intent.command : '';
}

function invalidAnswer({ context, event }: Args): string[] {
  const intent = intentOf(event);
  return [intent?.kind === 'invalid' ? invalidReply(intent, context.locale) : helpText(context.locale)];
}
