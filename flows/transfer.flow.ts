/**
 * Transfer to another wallet: the payee's mobile number (asked again while invalid) → amount in yuan
 * (asked again while malformed) → payment PIN → result. Like paying, the PIN never enters the context.
 */
import { setup } from 'xstate';
import { nationalMsisdn, normalizeMsisdn } from '../src/lib/index.js';
import { amountInput, digitsInput, moneyOf, prompt, runCommandPlaceholder } from './kit.js';
import {
  amountStep,
  askStep,
  endOnTimeout,
  type JourneyContext,
  journeyTypes,
  pinCommandStep,
} from './steps.js';
import { money, text } from './texts/index.js';

export interface TransferContext extends JourneyContext {
  /** The payee, canonical (86…). */
  to: string;
  /** Fen as a decimal string (snapshots are JSON). */
  amount: string;
}

const msisdnInput = digitsInput(11, 14);

export const transferMachine = setup({
  types: journeyTypes<TransferContext>(),
  actors: { runCommand: runCommandPlaceholder },
}).createMachine({
  id: 'transfer',
  context: ({ input }) => ({
    ...input,
    to: '',
    amount: '',
    screen: prompt(text(input.locale, 'flow.transfer.to'), msisdnInput),
  }),
  initial: 'to',
  on: { TIMEOUT: endOnTimeout() },
  states: {
    to: askStep<TransferContext>({
      valid: (answer) => normalizeMsisdn(answer) !== null,
      next: 'amount',
      accept: (context, answer) => {
        const to = normalizeMsisdn(answer) as string;
        return {
          to,
          screen: prompt(
            text(context.locale, 'flow.transfer.amount', { to: nationalMsisdn(to) }),
            amountInput,
          ),
        };
      },
      invalid: (context) => prompt(text(context.locale, 'flow.transfer.to.invalid'), msisdnInput),
    }),
    amount: amountStep<TransferContext>((context, fen) =>
      text(context.locale, 'flow.transfer.pin', { amount: money(fen), to: nationalMsisdn(context.to) }),
    ),
    pin: {
      on: { TEXT: 'sending', SELECT: 'sending' },
    },
    sending: pinCommandStep<TransferContext>({
      retry: 'pin',
      command: (context, pin) => ({
        type: 'transfer',
        input: { msisdn: context.msisdn, to: context.to, amount: context.amount, pin },
      }),
      success: (context, value) =>
        text(context.locale, 'flow.transfer.done', {
          amount: money(BigInt(context.amount)),
          to: nationalMsisdn(context.to),
          balance: moneyOf(value.balance),
        }),
    }),
    done: { type: 'final' },
  },
  output: ({ context }) => context.screen,
});
