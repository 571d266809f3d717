/**
 * Change the payment PIN: current PIN → new PIN → new PIN again → `pin.change`.
 * - The new PIN is asked again when it is not 6 digits, is too simple (all the same, a run: the ledger's
 *   own rule, `isAcceptablePin`), or equals the current one; a second entry that differs says so and asks
 *   the new PIN again.
 * - A wrong current PIN (the ledger counts it, across channels) asks for the current PIN again, showing
 *   the attempts left, and then changes to the new PIN already given; `pin_locked` ends.
 *
 * Unlike the other journeys, this one cannot build its command from a single event: the command needs
 * the current and the new PIN, typed in different steps, and a session lives in a snapshot between
 * steps. So `pins` holds them only from the step that gives them to the command that uses them: the
 * current one wiped when the command has run (the new one stays while the current one is asked again),
 * both when the journey ends (a result, an error, a timeout), the new ones on a mismatch; the session
 * store deletes the snapshot when the journey ends.
 *
 * A front end that has both PINs in one message (the SMS keyword `GM old new`) gives them up front, in
 * the input, and the journey changes at once: the message is the whole request, checked by its grammar
 * (six digits, not the same twice), with the ledger's word on the rest (a PIN too simple: `pin_format`).
 */
import { assign, setup } from 'xstate';
import { isAcceptablePin } from '../src/lib/index.js';
import { asking, type FlowStart, pinInput, runCommandPlaceholder, saying, typed } from './kit.js';
import { askStep, endOnTimeout, type JourneyContext, journeyTypes, pinCommandStep } from './steps.js';
import type { Locale, TextKey } from './texts/index.js';

export interface ChangePinStart extends FlowStart {
  /** Both PINs, when the user gave them in one message. */
  pins?: { current: string; next: string };
}

export interface ChangePinContext extends JourneyContext {
  /** The PINs between the prompt that takes them and the command: never longer (see the header). */
  pins: { current: string; next: string };
}

const SIX_DIGITS = /^\d{6}$/;
const ask = (locale: Locale, key: TextKey) => asking(locale, key, {}, pinInput);
const NO_PINS = { current: '', next: '' };

export const changePinMachine = setup({
  types: journeyTypes<ChangePinContext, ChangePinStart>(),
  actors: { runCommand: runCommandPlaceholder },
  guards: {
    given: ({ context }) => context.pins.current !== '' && context.pins.next !== '',
    isSixDigits: ({ event }) => SIX_DIGITS.test(typed(event)),
    isCurrentPin: ({ context, event }) => typed(event) === context.pins.current,
    isTooSimple: ({ event }) => !isAcceptablePin(typed(event)),
    matchesNewPin: ({ context, event }) => typed(event) === context.pins.next,
  },
}).createMachine({
  id: 'changePin',
  context: ({ input }) => ({
    msisdn: input.msisdn,
    locale: input.locale,
    pins: input.pins ?? NO_PINS,
    screen: ask(input.locale, 'flow.pin.old'),
  }),
  initial: 'start',
  on: { TIMEOUT: endOnTimeout() },
  states: {
    /** Straight to the change when the input gave both PINs. */
    start: { always: [{ guard: 'given', target: 'changing' }, { target: 'current' }] },
    current: askStep<ChangePinContext>({
      valid: (answer) => SIX_DIGITS.test(answer),
      next: 'next',
      accept: (context, current) => ({
        pins: { current, next: '' },
        screen: ask(context.locale, 'flow.pin.new'),
      }),
      invalid: (context) => ask(context.locale, 'flow.pin.old.invalid'),
    }),
    next: {
      on: {
        TEXT: [
          {
            guard: 'isCurrentPin',
            actions: assign({ screen: ({ context }) => ask(context.locale, 'flow.pin.new.same') }),
          },
          {
            guard: 'isTooSimple',
            actions: assign({ screen: ({ context }) => ask(context.locale, 'flow.pin.new.format') }),
          },
          {
            target: 'again',
            actions: assign(({ context, event }) => ({
              pins: { current: context.pins.current, next: typed(event) },
              screen: ask(context.locale, 'flow.pin.confirm'),
            })),
          },
        ],
      },
    },
    again: {
      on: {
        TEXT: [
          { guard: 'matchesNewPin', target: 'changing' },
          {
            target: 'next',
            actions: assign(({ context }) => ({
              pins: { current: context.pins.current, next: '' },
              screen: ask(context.locale, 'flow.pin.mismatch'),
            })),
          },
        ],
      },
    },
    /** The current PIN was wrong: asked again, then the change goes on with the new PIN given before. */
    currentAgain: {
      on: {
        TEXT: [
          {
            // The PIN they have is the one they want: nothing to change to, so the new PIN is asked again.
            guard: 'matchesNewPin',
            target: 'next',
            actions: assign(({ context, event }) => ({
              pins: { current: typed(event), next: '' },
              screen: ask(context.locale, 'flow.pin.new.same'),
            })),
          },
          {
            guard: 'isSixDigits',
            target: 'changing',
            actions: assign(({ context, event }) => ({
              pins: { current: typed(event), next: context.pins.next },
            })),
          },
          { actions: assign({ screen: ({ context }) => ask(context.locale, 'flow.pin.old.invalid') }) },
        ],
      },
    },
    changing: {
      ...pinCommandStep<ChangePinContext>({
        retry: 'currentAgain',
        command: (context) => ({
          type: 'pin.change',
          input: { msisdn: context.msisdn, oldPin: context.pins.current, newPin: context.pins.next },
        }),
        success: (context) => saying(context.locale, 'flow.pin.done'),
      }),
      // The new PIN stays for a retry after a wrong current one: the user gave it twice already.
      exit: assign({ pins: ({ context }) => ({ current: '', next: context.pins.next }) }),
    },
    done: { type: 'final', entry: assign({ pins: NO_PINS }) },
  },
  output: ({ context }) => context.screen,
});
