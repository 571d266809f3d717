/**
 * Pay a merchant: merchant code → amount in yuan (asked again while malformed) → payment PIN → result.
 * The PIN is never put in the context: the command is built from the event that carries it, so no
 * snapshot ever holds it.
 */
import { assign, setup } from 'xstate';
import type { CommandResult } from '../src/commands/catalog.js';
import { parseYuan } from '../src/lib/money.js';
import type { FlowInput, Screen } from './screen.js';
import { money, text } from './texts/index.js';
import {
  amountInput,
  BUSY,
  clip,
  digitsInput,
  errorScreen,
  finalMessage,
  type FlowStart,
  moneyOf,
  pinInput,
  pinRetryScreen,
  prompt,
  refusedPin,
  resultScreen,
  runCommandPlaceholder,
  typed,
} from './kit.js';

export interface PayContext extends FlowStart {
  screen: Screen;
  merchant: string;
  /** Fen as a decimal string (snapshots are JSON). */
  amount: string;
}

const MERCHANT_CODE = /^[A-Za-z0-9]{1,32}$/;
/** Codes are usually digits (`2001`) but may hold letters, so the input is not digits-only. */
const merchantInput = { ...digitsInput(1, 32), digitsOnly: false };

export const payMachine = setup({
  types: {
    context: {} as PayContext,
    input: {} as FlowStart,
    events: {} as FlowInput,
    output: {} as Screen,
  },
  actors: { runCommand: runCommandPlaceholder },
  guards: {
    wrongPin: refusedPin,
    isMerchantCode: ({ event }) => MERCHANT_CODE.test(typed(event)),
    isAmount: ({ event }) => parseYuan(typed(event)) !== null,
  },
}).createMachine({
  id: 'pay',
  context: ({ input }) => ({
    ...input,
    merchant: '',
    amount: '',
    screen: prompt(text(input.locale, 'flow.pay.merchant'), merchantInput),
  }),
  initial: 'merchant',
  on: {
    TIMEOUT: {
      target: '.done',
      actions: assign({ screen: ({ context }) => finalMessage(text(context.locale, 'flow.timeout')) }),
    },
  },
  states: {
    merchant: {
      on: {
        TEXT: [
          {
            guard: 'isMerchantCode',
            target: 'amount',
            actions: assign(({ context, event }) => {
              const merchant = typed(event);
              return {
                merchant,
                screen: prompt(
                  text(context.locale, 'flow.pay.amount', { merchant: clip(merchant) }),
                  amountInput,
                ),
              };
            }),
          },
          {
            actions: assign({
              screen: ({ context }) =>
                prompt(text(context.locale, 'flow.pay.merchant.invalid'), merchantInput),
            }),
          },
        ],
      },
    },
    amount: {
      on: {
        TEXT: [
          {
            guard: 'isAmount',
            target: 'pin',
            actions: assign(({ context, event }) => {
              const fen = parseYuan(typed(event)) as bigint;
              return {
                amount: fen.toString(),
                screen: prompt(
                  text(context.locale, 'flow.pay.pin', {
                    amount: money(fen),
                    merchant: clip(context.merchant),
                  }),
                  pinInput,
                ),
              };
            }),
          },
          {
            actions: assign({
              screen: ({ context }) => prompt(text(context.locale, 'flow.amount.invalid'), amountInput),
            }),
          },
        ],
      },
    },
    pin: {
      on: { TEXT: 'paying', SELECT: 'paying' },
    },
    paying: {
      tags: [BUSY],
      invoke: {
        src: 'runCommand',
        // The PIN comes from the event that entered this state and goes straight into the command.
        input: ({ context, event }) => ({
          type: 'payment' as const,
          input: {
            msisdn: context.msisdn,
            merchant: context.merchant,
            amount: context.amount,
            pin: typed(event),
          },
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
                    amount: money(BigInt(context.amount)),
                    merchant: clip(String(value.merchantName ?? context.merchant)),
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
    done: { type: 'final' },
  },
  output: ({ context }) => context.screen,
});
