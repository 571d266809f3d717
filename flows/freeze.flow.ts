/**
 * Freeze the wallet (冻结): how many days (1-365, or empty / 0: until the user unfreezes it) → confirm
 * (`1`) or cancel (`2`) → `account.freeze`. A frozen wallet takes part in no transaction; with days, the
 * ledger's scheduler unfreezes it when they are over. No PIN: freezing only protects the wallet.
 */
import { setup } from 'xstate';
import { businessDay } from '../src/lib/index.js';
import { confirmMenu, digitsInput, prompt, runCommandPlaceholder, saying } from './kit.js';
import type { Screen } from './screen.js';
import {
  askStep,
  commandStep,
  confirmStep,
  endOnTimeout,
  type JourneyContext,
  journeyTypes,
} from './steps.js';
import { type Locale, text } from './texts/index.js';

export interface FreezeContext extends JourneyContext {
  /** 0: until the user unfreezes it. */
  days: number;
}

// `0` days is an answer here (until unfrozen), not the USSD key for "back".
const daysInput = { ...digitsInput(0, 3), minLength: 0, answers: ['0'] };

/** The days typed: 0 for empty or zero, null when it is not 0-365. */
export function parseDays(value: string): number | null {
  if (value === '') return 0;
  if (!/^\d{1,3}$/.test(value)) return null;
  const days = Number(value);
  return days <= 365 ? days : null;
}

function question(locale: Locale, days: number, invalid = false): Screen {
  return days
    ? confirmMenu(locale, 'flow.freeze.confirm.days', { days: String(days) }, invalid)
    : confirmMenu(locale, 'flow.freeze.confirm.open', {}, invalid);
}

export const freezeMachine = setup({
  types: journeyTypes<FreezeContext>(),
  actors: { runCommand: runCommandPlaceholder },
}).createMachine({
  id: 'freeze',
  context: ({ input }) => ({
    ...input,
    days: 0,
    screen: prompt(text(input.locale, 'flow.freeze.days'), daysInput),
  }),
  initial: 'days',
  on: { TIMEOUT: endOnTimeout() },
  states: {
    days: askStep<FreezeContext>({
      valid: (answer) => parseDays(answer) !== null,
      next: 'confirm',
      accept: (context, answer) => {
        const days = parseDays(answer) as number;
        return { days, screen: question(context.locale, days) };
      },
      invalid: (context) => prompt(text(context.locale, 'flow.freeze.days.invalid'), daysInput),
    }),
    confirm: confirmStep<FreezeContext>({
      confirm: 'freezing',
      cancelled: 'flow.cancelled',
      invalid: (context) => question(context.locale, context.days, true),
    }),
    freezing: commandStep<FreezeContext>({
      command: (context) => ({
        type: 'account.freeze',
        input: context.days ? { msisdn: context.msisdn, days: context.days } : { msisdn: context.msisdn },
      }),
      success: (context, value) =>
        typeof value.frozenUntil === 'string'
          ? saying(context.locale, 'flow.freeze.done.until', {
              date: businessDay(new Date(value.frozenUntil)),
            })
          : saying(context.locale, 'flow.freeze.done'),
    }),
    done: { type: 'final' },
  },
  output: ({ context }) => context.screen,
});
