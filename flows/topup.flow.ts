/**
 * Top up with a recharge card (充值卡): card number (8-20 digits) → card PIN (4-12 digits, hidden) →
 * result with the amount and the new balance. Malformed input is asked again without running anything.
 * The card PIN is not the payment PIN: a wrong one is not counted against the user, so it is not re-asked
 * after the ledger refuses it (one answer, voucher_invalid, for a wrong number or a wrong PIN). Like a
 * payment PIN, it goes from the event straight into the command and never into the context.
 */
import { assign, setup } from 'xstate';
import {
  BUSY,
  digitsInput,
  errorScreen,
  type FlowStart,
  moneyOf,
  prompt,
  resultScreen,
  runCommandPlaceholder,
  timeoutScreen,
  typed,
} from './kit.js';
import type { FlowInput, Screen } from './screen.js';
import { text } from './texts/index.js';

export interface TopupContext extends FlowStart {
  screen: Screen;
  /** The card's serial number. */
  serial: string;
}

const serialInput = digitsInput(8, 20);
const cardPinInput = { ...digitsInput(4, 12), hidden: true };
const SERIAL = /^\d{8,20}$/;
const CARD_PIN = /^\d{4,12}$/;

export const topupMachine = setup({
  types: {
    context: {} as TopupContext,
    input: {} as FlowStart,
    events: {} as FlowInput,
    output: {} as Screen,
  },
  actors: { runCommand: runCommandPlaceholder },
  guards: {
    isSerial: ({ event }) => SERIAL.test(typed(event)),
    isCardPin: ({ event }) => CARD_PIN.test(typed(event)),
  },
}).createMachine({
  id: 'topup',
  context: ({ input }) => ({
    ...input,
    serial: '',
    screen: prompt(text(input.locale, 'flow.topup.serial'), serialInput),
  }),
  initial: 'serial',
  on: {
    TIMEOUT: { target: '.done', actions: assign({ screen: ({ context }) => timeoutScreen(context.locale) }) },
  },
  states: {
    serial: {
      on: {
        TEXT: [
          {
            guard: 'isSerial',
            target: 'cardPin',
            actions: assign(({ context, event }) => ({
              serial: typed(event),
              screen: prompt(text(context.locale, 'flow.topup.pin'), cardPinInput),
            })),
          },
          {
            actions: assign({
              screen: ({ context }) => prompt(text(context.locale, 'flow.topup.serial.invalid'), serialInput),
            }),
          },
        ],
      },
    },
    cardPin: {
      on: {
        TEXT: [
          { guard: 'isCardPin', target: 'toppingUp' },
          {
            actions: assign({
              screen: ({ context }) => prompt(text(context.locale, 'flow.topup.pin.invalid'), cardPinInput),
            }),
          },
        ],
      },
    },
    toppingUp: {
      tags: [BUSY],
      invoke: {
        src: 'runCommand',
        // The card PIN comes from the event that entered this state and goes straight into the command.
        input: ({ context, event }) => ({
          type: 'topup.card' as const,
          input: { msisdn: context.msisdn, serial: context.serial, cardPin: typed(event) },
        }),
        onDone: {
          target: 'done',
          actions: assign({
            screen: ({ context, event }) =>
              resultScreen(context.locale, event.output, (value) =>
                text(context.locale, 'flow.topup.done', {
                  amount: moneyOf(value.amount),
                  balance: moneyOf(value.balance),
                }),
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
