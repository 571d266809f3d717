/**
 * Freeze the wallet (冻结): how many days (1-365, or empty / 0: until the user unfreezes it) → confirm
 * (`1`) or cancel (`2`) → `account.freeze`. A frozen wallet takes part in no transaction; with days, the
 * ledger's scheduler unfreezes it when they are over. No PIN: freezing only protects the wallet.
 */
import { assign, setup } from 'xstate';
import {
  BUSY,
  chose,
  confirmMenu,
  digitsInput,
  errorScreen,
  type FlowStart,
  finalMessage,
  prompt,
  resultScreen,
  runCommandPlaceholder,
  timeoutScreen,
  typed,
} from './kit.js';
import type { FlowInput, Screen } from './screen.js';
import { type Locale, text } from './texts/index.js';

export interface FreezeContext extends FlowStart {
  screen: Screen;
  /** 0: until the user unfreezes it. */
  days: number;
}

const daysInput = { ...digitsInput(0, 3), minLength: 0 };

/** The days typed: 0 for empty or zero, null when it is not 0-365. */
export function parseDays(value: string): number | null {
  if (value === '') return 0;
  if (!/^\d{1,3}$/.test(value)) return null;
  const days = Number(value);
  return days <= 365 ? days : null;
}

function question(locale: Locale, days: number, invalid = false): Screen {
  const asked = days
    ? text(locale, 'flow.freeze.confirm.days', { days })
    : text(locale, 'flow.freeze.confirm.open');
  return confirmMenu(locale, asked, invalid);
}

export const freezeMachine = setup({
  types: {
    context: {} as FreezeContext,
    input: {} as FlowStart,
    events: {} as FlowInput,
    output: {} as Screen,
  },
  actors: { runCommand: runCommandPlaceholder },
  actions: {
    timedOut: assign({ screen: ({ context }) => timeoutScreen(context.locale) }),
  },
  guards: {
    isDays: ({ event }) => parseDays(typed(event)) !== null,
    confirm: chose('1'),
    cancel: chose('2'),
  },
}).createMachine({
  id: 'freeze',
  context: ({ input }) => ({
    ...input,
    days: 0,
    screen: prompt(text(input.locale, 'flow.freeze.days'), daysInput),
  }),
  initial: 'days',
  on: {
    TIMEOUT: { target: '.done', actions: 'timedOut' },
  },
  states: {
    days: {
      on: {
        TEXT: [
          {
            guard: 'isDays',
            target: 'confirm',
            actions: assign(({ context, event }) => {
              const days = parseDays(typed(event)) as number;
              return { days, screen: question(context.locale, days) };
            }),
          },
          {
            actions: assign({
              screen: ({ context }) => prompt(text(context.locale, 'flow.freeze.days.invalid'), daysInput),
            }),
          },
        ],
      },
    },
    confirm: {
      on: {
        // Any answer is a choice (typed or picked); a timeout is not, so it is named before the wildcard.
        TIMEOUT: { target: 'done', actions: 'timedOut' },
        '*': [
          { guard: 'confirm', target: 'freezing' },
          {
            guard: 'cancel',
            target: 'done',
            actions: assign({
              screen: ({ context }) => finalMessage(text(context.locale, 'flow.cancelled')),
            }),
          },
          { actions: assign({ screen: ({ context }) => question(context.locale, context.days, true) }) },
        ],
      },
    },
    freezing: {
      tags: [BUSY],
      invoke: {
        src: 'runCommand',
        input: ({ context }) => ({
          type: 'account.freeze' as const,
          input: context.days ? { msisdn: context.msisdn, days: context.days } : { msisdn: context.msisdn },
        }),
        onDone: {
          target: 'done',
          actions: assign({
            screen: ({ context, event }) =>
              resultScreen(context.locale, event.output, (value) =>
                typeof value.frozenUntil === 'string'
                  ? text(context.locale, 'flow.freeze.done.until', { date: value.frozenUntil.slice(0, 10) })
                  : text(context.locale, 'flow.freeze.done'),
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
