/**
 * Open a wallet, for a caller who has none: the agreement in short (where the full terms are) with `1`
 * accept and `2` decline → `account.open`. The ledger generates the initial login password and payment
 * PIN and sends them by SMS (its outbox), so this screen never shows them. Declining opens nothing.
 */
import { setup } from 'xstate';
import { choiceMenu, type FlowStart, runCommandPlaceholder, saying } from './kit.js';
import type { Screen } from './screen.js';
import { commandStep, confirmStep, type JourneyContext, journeyTypes } from './steps.js';
import { type Locale, text } from './texts/index.js';

export interface OpenStart extends FlowStart {
  /** The channel the wallet is opened on, recorded by the ledger. */
  channel?: string;
}

export interface OpenContext extends OpenStart, JourneyContext {}

export const agreementScreen = (locale: Locale, invalid = false): Screen =>
  choiceMenu(
    locale,
    text(locale, 'flow.open.terms'),
    [
      ['1', 'flow.open.accept'],
      ['2', 'flow.open.decline'],
    ],
    invalid,
    { key: 'flow.open.terms' },
  );

export const openMachine = setup({
  types: journeyTypes<OpenContext, OpenStart>(),
  actors: { runCommand: runCommandPlaceholder },
}).createMachine({
  id: 'open',
  context: ({ input }) => ({ ...input, screen: agreementScreen(input.locale) }),
  initial: 'agreement',
  states: {
    agreement: confirmStep<OpenContext>({
      confirm: 'opening',
      cancelled: 'flow.open.declined',
      invalid: (context) => agreementScreen(context.locale, true),
    }),
    opening: commandStep<OpenContext>({
      command: (context) => ({
        type: 'account.open',
        input: {
          msisdn: context.msisdn,
          locale: context.locale,
          ...(context.channel ? { channel: context.channel } : {}),
        },
      }),
      success: (context) => saying(context.locale, 'flow.open.done'),
    }),
    done: { type: 'final' },
  },
  output: ({ context }) => context.screen,
});
