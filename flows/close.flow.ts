/**
 * Close the wallet (销户): confirm (`1`) or cancel (`2`) → `account.close`. The ledger refuses while money
 * is in the wallet or held for a merchant (balance_not_zero): the refusal text tells the user how to empty
 * it (transfer it to another wallet, or spend it), after which closing succeeds.
 */
import { assign, setup } from 'xstate';
import {
  BUSY,
  chose,
  confirmMenu,
  errorScreen,
  type FlowStart,
  finalMessage,
  resultScreen,
  runCommandPlaceholder,
  timeoutScreen,
} from './kit.js';
import type { FlowInput, Screen } from './screen.js';
import { type Locale, text } from './texts/index.js';

export interface CloseContext extends FlowStart {
  screen: Screen;
}

const question = (locale: Locale, invalid = false) =>
  confirmMenu(locale, text(locale, 'flow.close.confirm'), invalid);

export const closeMachine = setup({
  types: {
    context: {} as CloseContext,
    input: {} as FlowStart,
    events: {} as FlowInput,
    output: {} as Screen,
  },
  actors: { runCommand: runCommandPlaceholder },
  actions: {
    timedOut: assign({ screen: ({ context }) => timeoutScreen(context.locale) }),
  },
  guards: { confirm: chose('1'), cancel: chose('2') },
}).createMachine({
  id: 'close',
  context: ({ input }) => ({ ...input, screen: question(input.locale) }),
  initial: 'confirm',
  on: {
    TIMEOUT: { target: '.done', actions: 'timedOut' },
  },
  states: {
    confirm: {
      on: {
        // Any answer is a choice (typed or picked); a timeout is not, so it is named before the wildcard.
        TIMEOUT: { target: 'done', actions: 'timedOut' },
        '*': [
          { guard: 'confirm', target: 'closing' },
          {
            guard: 'cancel',
            target: 'done',
            actions: assign({
              screen: ({ context }) => finalMessage(text(context.locale, 'flow.cancelled')),
            }),
          },
          { actions: assign({ screen: ({ context }) => question(context.locale, true) }) },
        ],
      },
    },
    closing: {
      tags: [BUSY],
      invoke: {
        src: 'runCommand',
        input: ({ context }) => ({ type: 'account.close' as const, input: { msisdn: context.msisdn } }),
        onDone: {
          target: 'done',
          actions: assign({
            screen: ({ context, event }) =>
              resultScreen(context.locale, event.output, () => text(context.locale, 'flow.close.done')),
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
