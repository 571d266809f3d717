/**
 * Transfer to another wallet: the payee's mobile number (asked again while invalid) → amount in yuan
 * (asked again while malformed) → payment PIN → result. A front end that has the payee and the amount
 * already (the SMS keyword `ZZ 13900139000 5`) gives them up front and the journey starts at the PIN.
 * Like paying, the PIN never enters the context.
 */
import { setup } from 'xstate';
import { nationalMsisdn, normalizeMsisdn } from '../src/lib/index.js';
import {
  amountInput,
  asking,
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

export interface TransferStart extends FlowStart {
  /** The payee (canonical, 86…) and the amount (fen, a decimal string), when the user gave both already. */
  to?: string;
  amount?: string;
}

export interface TransferContext extends JourneyContext {
  /** The payee, canonical (86…). */
  to: string;
  /** Fen as a decimal string (snapshots are JSON). */
  amount: string;
}

const msisdnInput = digitsInput(11, 14);

const pinScreen = (locale: Locale, to: string, fen: bigint): Screen =>
  asking(locale, 'flow.transfer.pin', { amount: money(fen), to: nationalMsisdn(to) }, pinInput);

export const transferMachine = setup({
  types: journeyTypes<TransferContext, TransferStart>(),
  actors: { runCommand: runCommandPlaceholder },
  guards: { answered: ({ context }) => context.to !== '' && context.amount !== '' },
}).createMachine({
  id: 'transfer',
  context: ({ input }) => {
    const to = (input.to && normalizeMsisdn(input.to)) || '';
    const amount = input.amount ?? '';
    const answered = to !== '' && amount !== '';
    return {
      msisdn: input.msisdn,
      locale: input.locale,
      to: answered ? to : '',
      amount: answered ? amount : '',
      screen: answered
        ? pinScreen(input.locale, to, BigInt(amount))
        : prompt(text(input.locale, 'flow.transfer.to'), msisdnInput),
    };
  },
  initial: 'start',
  on: { TIMEOUT: endOnTimeout() },
  states: {
    /** Straight to the PIN when the input gave the payee and the amount. */
    start: { always: [{ guard: 'answered', target: 'pin' }, { target: 'to' }] },
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
    amount: amountStep<TransferContext>((context, fen) => pinScreen(context.locale, context.to, fen)),
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
        saying(context.locale, 'flow.transfer.done', {
          amount: money(BigInt(context.amount)),
          to: nationalMsisdn(context.to),
          balance: moneyOf(value.balance),
        }),
    }),
    done: { type: 'final' },
  },
  output: ({ context }) => context.screen,
});
