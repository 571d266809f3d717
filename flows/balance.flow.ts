/** Balance: asks the ledger and shows the balance and what is available (the balance less holds). */
import { assign, setup } from 'xstate';
import type { FlowInput, Screen } from './screen.js';
import { text } from './texts/index.js';
import {
  BUSY,
  errorScreen,
  finalMessage,
  type FlowStart,
  moneyOf,
  resultScreen,
  runCommandPlaceholder,
} from './kit.js';

export interface BalanceContext extends FlowStart {
  screen: Screen;
}

export const balanceMachine = setup({
  types: {
    context: {} as BalanceContext,
    input: {} as FlowStart,
    events: {} as FlowInput,
    output: {} as Screen,
  },
  actors: { runCommand: runCommandPlaceholder },
}).createMachine({
  id: 'balance',
  context: ({ input }) => ({ ...input, screen: finalMessage('') }),
  initial: 'asking',
  states: {
    asking: {
      tags: [BUSY],
      invoke: {
        src: 'runCommand',
        input: ({ context }) => ({ type: 'balance' as const, input: { msisdn: context.msisdn } }),
        onDone: {
          target: 'done',
          actions: assign({
            screen: ({ context, event }) =>
              resultScreen(context.locale, event.output, (value) =>
                text(context.locale, 'flow.balance', {
                  balance: moneyOf(value.balance),
                  available: moneyOf(value.available ?? value.balance),
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
