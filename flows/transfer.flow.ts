/**
 * Transfer to another wallet: the payee's mobile number (asked again while invalid) → amount in yuan
 * (asked again while malformed) → payment PIN → result. Like paying, the PIN never enters the context.
 */
import { assign, setup } from 'xstate';
import type { CommandResult } from '../src/commands/catalog.js';
import { parseYuan } from '../src/lib/money.js';
import { nationalMsisdn, normalizeMsisdn } from '../src/lib/msisdn.js';
import type { FlowInput, Screen } from './screen.js';
import { money, text } from './texts/index.js';
import {
  amountInput,
  BUSY,
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

export interface TransferContext extends FlowStart {
  screen: Screen;
  /** The payee, canonical (86…). */
  to: string;
  /** Fen as a decimal string (snapshots are JSON). */
  amount: string;
}

const msisdnInput = digitsInput(11, 14);

export const transferMachine = setup({
  types: {
    context: {} as TransferContext,
    input: {} as FlowStart,
    events: {} as FlowInput,
    output: {} as Screen,
  },
  actors: { runCommand: runCommandPlaceholder },
  guards: {
    wrongPin: refusedPin,
    isMsisdn: ({ event }) => normalizeMsisdn(typed(event)) !== null,
    isAmount: ({ event }) => parseYuan(typed(event)) !== null,
  },
}).createMachine({
  id: 'transfer',
  context: ({ input }) => ({
    ...input,
    to: '',
    amount: '',
    screen: prompt(text(input.locale, 'flow.transfer.to'), msisdnInput),
  }),
  initial: 'to',
  on: {
    TIMEOUT: {
      target: '.done',
      actions: assign({ screen: ({ context }) => finalMessage(text(context.locale, 'flow.timeout')) }),
    },
  },
  states: {
    to: {
      on: {
        TEXT: [
          {
            guard: 'isMsisdn',
            target: 'amount',
            actions: assign(({ context, event }) => {
              const to = normalizeMsisdn(typed(event)) as string;
              return {
                to,
                screen: prompt(
                  text(context.locale, 'flow.transfer.amount', { to: nationalMsisdn(to) }),
                  amountInput,
                ),
              };
            }),
          },
          {
            actions: assign({
              screen: ({ context }) => prompt(text(context.locale, 'flow.transfer.to.invalid'), msisdnInput),
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
                  text(context.locale, 'flow.transfer.pin', {
                    amount: money(fen),
                    to: nationalMsisdn(context.to),
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
      on: { TEXT: 'sending', SELECT: 'sending' },
    },
    sending: {
      tags: [BUSY],
      invoke: {
        src: 'runCommand',
        // The PIN comes from the event that entered this state and goes straight into the command.
        input: ({ context, event }) => ({
          type: 'transfer' as const,
          input: { msisdn: context.msisdn, to: context.to, amount: context.amount, pin: typed(event) },
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
                  text(context.locale, 'flow.transfer.done', {
                    amount: money(BigInt(context.amount)),
                    to: nationalMsisdn(context.to),
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
