/**
 * Close the wallet (销户): confirm (`1`) or cancel (`2`) → `account.close`. The ledger refuses while money
 * is in the wallet or held for a merchant (balance_not_zero): the refusal text tells the user how to empty
 * it (transfer it to another wallet, or spend it), after which closing succeeds.
 */
import { setup } from 'xstate';
import { confirmMenu, runCommandPlaceholder, saying } from './kit.js';
import { commandStep, confirmStep, endOnTimeout, type JourneyContext, journeyTypes } from './steps.js';
import type { Locale } from './texts/index.js';

export type CloseContext = JourneyContext;

const question = (locale: Locale, invalid = false) =>
  confirmMenu(locale, 'flow.close.confirm', {}, invalid);

export const closeMachine = setup({
  types: journeyTypes<CloseContext>(),
  actors: { runCommand: runCommandPlaceholder },
}).createMachine({
  id: 'close',
  context: ({ input }) => ({ ...input, screen: question(input.locale) }),
  initial: 'confirm',
  on: { TIMEOUT: endOnTimeout() },
  states: {
    confirm: confirmStep<CloseContext>({
      confirm: 'closing',
      cancelled: 'flow.cancelled',
      invalid: (context) => question(context.locale, true),
    }),
    closing: commandStep<CloseContext>({
      command: (context) => ({ type: 'account.close', input: { msisdn: context.msisdn } }),
      success: (context) => saying(context.locale, 'flow.close.done'),
    }),
    done: { type: 'final' },
  },
  output: ({ context }) => context.screen,
});
