/**
 * Unfreeze the wallet (解冻): payment PIN → `account.unfreeze`. A wrong PIN (counted by the ledger,
 * across channels) asks again showing the attempts left; `pin_locked` ends. The PIN goes from the event
 * straight into the command and never into the context.
 */
import { assign, setup } from 'xstate';
import type { CommandResult } from '../src/commands/catalog.js';
import {
  BUSY,
  errorScreen,
  type FlowStart,
  pinInput,
  pinRetryScreen,
  prompt,
  refusedPin,
  resultScreen,
  runCommandPlaceholder,
  timeoutScreen,
  typed,
} from './kit.js';
import type { FlowInput, Screen } from './screen.js';
import { text } from './texts/index.js';

export interface UnfreezeContext extends FlowStart {
  screen: Screen;
}

export const unfreezeMachine = setup({
  types: {
    context: {} as UnfreezeContext,
    input: {} as FlowStart,
    events: {} as FlowInput,
    output: {} as Screen,
  },
  actors: { runCommand: runCommandPlaceholder },
  guards: { wrongPin: refusedPin },
}).createMachine({
  id: 'unfreeze',
  context: ({ input }) => ({ ...input, screen: prompt(text(input.locale, 'flow.unfreeze.pin'), pinInput) }),
  initial: 'pin',
  on: {
    TIMEOUT: { target: '.done', actions: assign({ screen: ({ context }) => timeoutScreen(context.locale) }) },
  },
  states: {
    pin: {
      on: { TEXT: 'unfreezing' },
    },
    unfreezing: {
      tags: [BUSY],
      invoke: {
        src: 'runCommand',
        // The PIN comes from the event that entered this state and goes straight into the command.
        input: ({ context, event }) => ({
          type: 'account.unfreeze' as const,
          input: { msisdn: context.msisdn, pin: typed(event) },
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
                resultScreen(context.locale, event.output, () => text(context.locale, 'flow.unfreeze.done')),
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
