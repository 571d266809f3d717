/**
 * Pay a merchant: merchant code → amount in yuan (asked again while malformed) → payment PIN → result.
 * The PIN is never put in the context: the command is built from the event that carries it, so no
 * snapshot ever holds it.
 */
import { setup } from 'xstate';
import { amountInput, clip, digitsInput, moneyOf, prompt, runCommandPlaceholder } from './kit.js';
import {
  amountStep,
  askStep,
  endOnTimeout,
  type JourneyContext,
  journeyTypes,
  pinCommandStep,
} from './steps.js';
import { money, text } from './texts/index.js';

export interface PayContext extends JourneyContext {
  merchant: string;
  /** Fen as a decimal string (snapshots are JSON). */
  amount: string;
}

const MERCHANT_CODE = /^[A-Za-z0-9]{1,32}$/;
/** Codes are usually digits (`2001`) but may hold letters, so the input is not digits-only. */
const merchantInput = { ...digitsInput(1, 32), digitsOnly: false };

export const payMachine = setup({
  types: journeyTypes<PayContext>(),
  actors: { runCommand: runCommandPlaceholder },
}).createMachine({
  id: 'pay',
  context: ({ input }) => ({
    ...input,
    merchant: '',
    amount: '',
    screen: prompt(text(input.locale, 'flow.pay.merchant'), merchantInput),
  }),
  initial: 'merchant',
  on: { TIMEOUT: endOnTimeout() },
  states: {
    merchant: askStep<PayContext>({
      valid: (answer) => MERCHANT_CODE.test(answer),
      next: 'amount',
      accept: (context, merchant) => ({
        merchant,
        screen: prompt(text(context.locale, 'flow.pay.amount', { merchant: clip(merchant) }), amountInput),
      }),
      invalid: (context) => prompt(text(context.locale, 'flow.pay.merchant.invalid'), merchantInput),
    }),
    amount: amountStep<PayContext>((context, fen) =>
      text(context.locale, 'flow.pay.pin', { amount: money(fen), merchant: clip(context.merchant) }),
    ),
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
        text(context.locale, 'flow.pay.done', {
          amount: money(BigInt(context.amount)),
          merchant: clip(String(value.merchantName ?? context.merchant)),
          balance: moneyOf(value.balance),
        }),
    }),
    done: { type: 'final' },
  },
  output: ({ context }) => context.screen,
});
