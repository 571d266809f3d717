/** Balance: asks the ledger and shows the balance and what is available (the balance less holds). */
import { setup } from 'xstate';
import { finalMessage, moneyOf, runCommandPlaceholder, saying } from './kit.js';
import { type CommandStepOptions, commandStep, type JourneyContext, journeyTypes } from './steps.js';

export type BalanceContext = JourneyContext;

/** The journey's one step: a host where the keyword is the whole request (SMS) runs it without the journey. */
export const balanceStep: CommandStepOptions<BalanceContext> = {
  command: (context) => ({ type: 'balance', input: { msisdn: context.msisdn } }),
  success: (context, value) =>
    saying(context.locale, 'flow.balance', {
      balance: moneyOf(value.balance),
      available: moneyOf(value.available ?? value.balance),
    }),
};

export const balanceMachine = setup({
  types: journeyTypes<BalanceContext>(),
  actors: { runCommand: runCommandPlaceholder },
}).createMachine({
  id: 'balance',
  context: ({ input }) => ({ ...input, screen: finalMessage('') }),
  initial: 'asking',
  states: {
    asking: commandStep(balanceStep),
    done: { type: 'final' },
  },
  output: ({ context }) => context.screen,
});
