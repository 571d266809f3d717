/**
 * Pay a merchant: merchant code → amount in yuan (asked again while malformed) → payment PIN → result.
 * A front end that has both already (the SMS keyword `ZF 2001 12.50`) gives them up front, in the input,
 * and the journey starts at the PIN.
 * The PIN is never put in the context: the command is built from the event that carries it, so no
 * snapshot ever holds it.
 */
import { setup } from 'xstate';
import {
  amountInput,
  asking,
  clip,
  digitsInput,
  type FlowStart,
  moneyOf,
  pinInput,
  prompt,
  runCommandPlaceholder,
  saying,
} from './kit.js';
import type { Screen } from './screen.js';
import {
  amountStep,
  askStep,
  endOnTimeout,
  type JourneyContext,
  journeyTypes,
  pinCommandStep,
} from './steps.js';
import { type Locale, money, text } from './texts/index.js';

export interface PayStart extends FlowStart {
  /** The merchant code and the amount (fen, a decimal string), when the user gave both already. */
  merchant?: string;
  amount?: string;
}

export interface PayContext extends JourneyContext {
  merchant: string;
  /** Fen as a decimal string (snapshots are JSON). */
  amount: string;
}

const MERCHANT_CODE = /^[A-Za-z0-9]{1,32}$/;
/** Codes are usually digits (`2001`) but may hold letters, so the input is not digits-only. */
const merchantInput = { ...digitsInput(1, 32), digitsOnly: false };

const pinScreen = (locale: Locale, merchant: string, fen: bigint): Screen =>
  asking(locale, 'flow.pay.pin', { amount: money(fen), merchant: clip(merchant) }, pinInput);

export const payMachine = setup({
  types: journeyTypes<PayContext, PayStart>(),
  actors: { runCommand: runCommandPlaceholder },
  guards: { answered: ({ context }) => context.merchant !== '' && context.amount !== '' },
}).createMachine({
  id: 'pay',
  context: ({ input }) => {
    const merchant = input.merchant ?? '';
    const amount = input.amount ?? '';
    const answered = merchant !== '' && amount !== '';
    return {
      msisdn: input.msisdn,
      locale: input.locale,
      merchant: answered ? merchant : '',
      amount: answered ? amount : '',
      screen: answered
        ? pinScreen(input.locale, merchant, BigInt(amount))
        : prompt(text(input.locale, 'flow.pay.merchant'), merchantInput),
    };
  },
  initial: 'start',
  on: { TIMEOUT: endOnTimeout() },
  states: {
    /** Straight to the PIN when the input gave the merchant and the amount. */
    start: { always: [{ guard: 'answered', target: 'pin' }, { target: 'merchant' }] },
    merchant: askStep<PayContext>({
      valid: (answer) => MERCHANT_CODE.test(answer),
      next: 'amount',
      accept: (context, merchant) => ({
        merchant,
        screen: prompt(text(context.locale, 'flow.pay.amount', { merchant: clip(merchant) }), amountInput),
      }),
      invalid: (context) => prompt(text(context.locale, 'flow.pay.merchant.invalid'), merchantInput),
    }),
    amount: amountStep<PayContext>((context, fen) => pinScreen(context.locale, context.merchant, fen)),
    pin: {
      on: { TEXT: 'paying', SELECT: 'paying' },
    },
    paying: pinCommandStep<PayContext>({
      retry: 'pin',
      command: (context, pin) => ({
        type: 'payment',
        input: { msisdn: context.msisdn, merchant: context.merchant, amount: context.amount, pin },
      }),
      success: (context, value) =>
        saying(context.locale, 'flow.pay.done', {
          amount: money(BigInt(context.amount)),
          merchant: clip(String(value.merchantName ?? context.merchant)),
          balance: moneyOf(value.balance),
        }),
    }),
    done: { type: 'final' },
  },
  output: ({ context }) => context.screen,
});
