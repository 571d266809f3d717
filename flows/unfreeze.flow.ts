/**
 * Unfreeze the wallet (解冻): payment PIN → `account.unfreeze`. A wrong PIN (counted by the ledger,
 * across channels) asks again showing the attempts left; `pin_locked` ends. The PIN goes from the event
 * straight into the command and never into the context.
 */
import { setup } from 'xstate';
import { pinInput, prompt, runCommandPlaceholder, saying } from './kit.js';
import { endOnTimeout, type JourneyContext, journeyTypes, pinCommandStep } from './steps.js';
import { text } from './texts/index.js';

export type UnfreezeContext = JourneyContext;

export const unfreezeMachine = setup({
  types: journeyTypes<UnfreezeContext>(),
  actors: { runCommand: runCommandPlaceholder },
}).createMachine({
  id: 'unfreeze',
  context: ({ input }) => ({ ...input, screen: prompt(text(input.locale, 'flow.unfreeze.pin'), pinInput) }),
  initial: 'pin',
  on: { TIMEOUT: endOnTimeout() },
  states: {
    pin: {
      on: { TEXT: 'unfreezing' },
    },
    unfreezing: pinCommandStep<UnfreezeContext>({
      retry: 'pin',
      command: (context, pin) => ({ type: 'account.unfreeze', input: { msisdn: context.msisdn, pin } }),
      success: (context) => saying(context.locale, 'flow.unfreeze.done'),
    }),
    done: { type: 'final' },
  },
  output: ({ context }) => context.screen,
});
