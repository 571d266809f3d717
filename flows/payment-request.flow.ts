/**
 * A merchant's payment request (a pending hold made by `payment.request`): "Shop X asks ¥12.50" with
 * `1` pay and `2` decline. Pay asks the payment PIN → `payment.confirm` (a wrong PIN, counted by the
 * ledger, asks again showing the attempts left; `pin_locked` ends); decline → `payment.decline`, which
 * frees the held money. The PIN goes from the event straight into the command, never into the context.
 */
import { assign, setup } from 'xstate';
import type { CommandResult } from '../src/commands/catalog.js';
import {
  BUSY,
  chose,
  choiceMenu,
  clip,
  errorScreen,
  type FlowStart,
  moneyOf,
  pinInput,
  pinRetryScreen,
  prompt,
  refusedPin,
  resultScreen,
  runCommandPlaceholder,
  timeoutScreen,
  typed,
} from './kit.js';
import type { FlowInput, Screen } from './screen.js';
import { type Locale, text } from './texts/index.js';

/** The request as the session start knows it. */
export interface PaymentRequest {
  holdId: string;
  merchantName: string;
  /** Fen as a decimal string. */
  amount: string;
}

export interface PaymentRequestStart extends FlowStart {
  request: PaymentRequest;
}

export interface PaymentRequestContext extends PaymentRequestStart {
  screen: Screen;
}

const who = (request: PaymentRequest) => ({
  merchant: clip(request.merchantName),
  amount: moneyOf(request.amount),
});

export const requestScreen = (locale: Locale, request: PaymentRequest, invalid = false): Screen =>
  choiceMenu(
    locale,
    text(locale, 'flow.request.title', who(request)),
    [
      ['1', 'flow.menu.pay'],
      ['2', 'flow.request.decline'],
    ],
    invalid,
  );

export const paymentRequestMachine = setup({
  types: {
    context: {} as PaymentRequestContext,
    input: {} as PaymentRequestStart,
    events: {} as FlowInput,
    output: {} as Screen,
  },
  actors: { runCommand: runCommandPlaceholder },
  actions: {
    timedOut: assign({ screen: ({ context }) => timeoutScreen(context.locale) }),
  },
  guards: { pay: chose('1'), decline: chose('2'), wrongPin: refusedPin },
}).createMachine({
  id: 'paymentRequest',
  context: ({ input }) => ({ ...input, screen: requestScreen(input.locale, input.request) }),
  initial: 'choice',
  on: {
    TIMEOUT: { target: '.done', actions: 'timedOut' },
  },
  states: {
    choice: {
      on: {
        // Any answer is a choice (typed or picked); a timeout is not, so it is named before the wildcard.
        TIMEOUT: { target: 'done', actions: 'timedOut' },
        '*': [
          {
            guard: 'pay',
            target: 'pin',
            actions: assign({
              screen: ({ context }) =>
                prompt(text(context.locale, 'flow.pay.pin', who(context.request)), pinInput),
            }),
          },
          { guard: 'decline', target: 'declining' },
          {
            actions: assign({
              screen: ({ context }) => requestScreen(context.locale, context.request, true),
            }),
          },
        ],
      },
    },
    pin: {
      on: { TEXT: 'confirming' },
    },
    confirming: {
      tags: [BUSY],
      invoke: {
        src: 'runCommand',
        // The PIN comes from the event that entered this state and goes straight into the command.
        input: ({ context, event }) => ({
          type: 'payment.confirm' as const,
          input: { msisdn: context.msisdn, holdId: context.request.holdId, pin: typed(event) },
        }),
        onDone: [
          {
            guard: 'wrongPin',
            target: 'pin',
            actions: assign({
              screen: ({ context, event }) => pinRetryScreen(context.locale, event.output as CommandResult),
            }),
          },
          {
            target: 'done',
            actions: assign({
              screen: ({ context, event }) =>
                resultScreen(context.locale, event.output, (value) =>
                  text(context.locale, 'flow.pay.done', {
                    ...who(context.request),
                    balance: moneyOf(value.balance),
                  }),
                ),
            }),
          },
        ],
        onError: {
          target: 'done',
          actions: assign({ screen: ({ context }) => errorScreen(context.locale) }),
        },
      },
    },
    declining: {
      tags: [BUSY],
      invoke: {
        src: 'runCommand',
        input: ({ context }) => ({
          type: 'payment.decline' as const,
          input: { msisdn: context.msisdn, holdId: context.request.holdId },
        }),
        onDone: {
          target: 'done',
          actions: assign({
            screen: ({ context, event }) =>
              resultScreen(context.locale, event.output, () =>
                text(context.locale, 'flow.request.declined', who(context.request)),
              ),
          }),
        },
        onError: {
          target: 'done',
          actions: assign({ screen: ({ context }) => errorScreen(context.locale) }),
        },
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => context.screen,
});
