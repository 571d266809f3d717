/**
 * Open a wallet, for a caller who has none: the agreement in short (where the full terms are) with `1`
 * accept and `2` decline → `account.open`. The ledger generates the initial login password and payment
 * PIN and sends them by SMS (its outbox), so this screen never shows them. Declining opens nothing.
 */
import { assign, setup } from 'xstate';
import {
  BUSY,
  chose,
  choiceMenu,
  errorScreen,
  type FlowStart,
  finalMessage,
  resultScreen,
  runCommandPlaceholder,
  timeoutScreen,
} from './kit.js';
import type { FlowInput, Screen } from './screen.js';
import { type Locale, text } from './texts/index.js';

export interface OpenStart extends FlowStart {
  /** The channel the wallet is opened on, recorded by the ledger. */
  channel?: string;
}

export interface OpenContext extends OpenStart {
  screen: Screen;
}

export const agreementScreen = (locale: Locale, invalid = false): Screen =>
  choiceMenu(
    locale,
    text(locale, 'flow.open.terms'),
    [
      ['1', 'flow.open.accept'],
      ['2', 'flow.open.decline'],
    ],
    invalid,
  );

export const openMachine = setup({
  types: {
    context: {} as OpenContext,
    input: {} as OpenStart,
    events: {} as FlowInput,
    output: {} as Screen,
  },
  actors: { runCommand: runCommandPlaceholder },
  actions: {
    timedOut: assign({ screen: ({ context }) => timeoutScreen(context.locale) }),
  },
  guards: { accept: chose('1'), decline: chose('2') },
}).createMachine({
  id: 'open',
  context: ({ input }) => ({ ...input, screen: agreementScreen(input.locale) }),
  initial: 'agreement',
  states: {
    agreement: {
      on: {
        // Any answer is a choice (typed or picked); a timeout is not, so it is named before the wildcard.
        TIMEOUT: { target: 'done', actions: 'timedOut' },
        '*': [
          { guard: 'accept', target: 'opening' },
          {
            guard: 'decline',
            target: 'done',
            actions: assign({
              screen: ({ context }) => finalMessage(text(context.locale, 'flow.open.declined')),
            }),
          },
          { actions: assign({ screen: ({ context }) => agreementScreen(context.locale, true) }) },
        ],
      },
    },
    opening: {
      tags: [BUSY],
      invoke: {
        src: 'runCommand',
        input: ({ context }) => ({
          type: 'account.open' as const,
          input: {
            msisdn: context.msisdn,
            locale: context.locale,
            ...(context.channel ? { channel: context.channel } : {}),
          },
        }),
        onDone: {
          target: 'done',
          actions: assign({
            screen: ({ context, event }) =>
              resultScreen(context.locale, event.output, () => text(context.locale, 'flow.open.done')),
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
