/** Balance: asks the ledger and shows the balance and what is available (the balance less holds). */
import { assign, setup } from 'xstate';
import type { FlowInput, Screen } from './screen.js';
import { text } from './texts/index.js';
import {
  BUSY,
  type FlowStart,
  finalMessage,
  moneyOf,
  refusalText,
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
              finalMessage(
                event.output.ok
                  ? text(context.locale, 'flow.balance', {
                      balance: moneyOf(event.output.value.balance),
                      available: moneyOf(event.output.value.available ?? event.output.value.balance),
                    })
                  : refusalText(context.locale, event.output.error),
              ),
          }),
        },
        onError: {
          target: 'done',
          actions: assign({ screen: ({ context }) => finalMessage(text(context.locale, 'flow.error')) }),
        },
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => context.screen,
});
