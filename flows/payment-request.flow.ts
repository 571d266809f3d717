/**
 * A merchant's payment request (a pending hold made by `payment.request`): "Shop X asks ¥12.50" with
 * `1` pay and `2` decline. Pay asks the payment PIN → `payment.confirm` (a wrong PIN, counted by the
 * ledger, asks again showing the attempts left; `pin_locked` ends); decline → `payment.decline`, which
 * frees the held money. The PIN goes from the event straight into the command, never into the context.
 */
import { setup } from 'xstate';
import {
  asking,
  choiceMenu,
  clip,
  type FlowStart,
  moneyOf,
  pinInput,
  runCommandPlaceholder,
  saying,
} from './kit.js';
import type { Screen } from './screen.js';
import {
  choiceStep,
  commandStep,
  endOnTimeout,
  type JourneyContext,
  journeyTypes,
  pinCommandStep,
} from './steps.js';
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

export interface PaymentRequestContext extends PaymentRequestStart, JourneyContext {}

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
  types: journeyTypes<PaymentRequestContext, PaymentRequestStart>(),
  actors: { runCommand: runCommandPlaceholder },
}).createMachine({
  id: 'paymentRequest',
  context: ({ input }) => ({ ...input, screen: requestScreen(input.locale, input.request) }),
  initial: 'choice',
  on: { TIMEOUT: endOnTimeout() },
  states: {
    choice: choiceStep<PaymentRequestContext>({
      choices: [
        [
          '1',
          'pin',
          (context) => ({
            screen: asking(context.locale, 'flow.pay.pin', who(context.request), pinInput),
          }),
        ],
        ['2', 'declining'],
      ],
      invalid: (context) => requestScreen(context.locale, context.request, true),
    }),
    pin: {
      on: { TEXT: 'confirming' },
    },
    confirming: pinCommandStep<PaymentRequestContext>({
      retry: 'pin',
      command: (context, pin) => ({
        type: 'payment.confirm',
        input: { msisdn: context.msisdn, holdId: context.request.holdId, pin },
      }),
      success: (context, value) =>
        saying(context.locale, 'flow.pay.done', { ...who(context.request), balance: moneyOf(value.balance) }),
    }),
    declining: commandStep<PaymentRequestContext>({
      command: (context) => ({
        type: 'payment.decline',
        input: { msisdn: context.msisdn, holdId: context.request.holdId },
      }),
      success: (context) => saying(context.locale, 'flow.request.declined', who(context.request)),
    }),
    done: { type: 'final' },
  },
  output: ({ context }) => context.screen,
});
