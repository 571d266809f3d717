/**
 * The account submenu (INTERFACES §4, menu `6`): `1` change PIN, `2` freeze, `3` unfreeze, `4` close,
 * `5` language, `0` back. The first four run as invoked journeys the way the root menu runs its own (see
 * journey.ts) and end the session with their result. The language option switches between 中文 and
 * English with `account.locale`, so every later screen and SMS speaks it, and hands back to the root menu
 * in the new language; `0` hands back as it is.
 */
import { assign, setup } from 'xstate';
import { changePinMachine } from './change-pin.flow.js';
import { closeMachine } from './close.flow.js';
import { freezeMachine } from './freeze.flow.js';
import { hostActions, journeyState } from './journey.js';
import {
  BUSY,
  choiceMenu,
  type FlowStart,
  finalMessage,
  type JourneyOutput,
  type RunCommandLogic,
  refusalText,
  runCommandPlaceholder,
} from './kit.js';
import type { FlowInput, Screen } from './screen.js';
import { choiceStep } from './steps.js';
import { type Locale, text } from './texts/index.js';
import { unfreezeMachine } from './unfreeze.flow.js';

export interface AccountContext extends FlowStart {
  screen: Screen;
  /** Set when the submenu hands back to the root menu: the note to show on top of it ('' for none). */
  back: { note: string } | null;
}

export function accountScreen(locale: Locale, invalid = false): Screen {
  return choiceMenu(
    locale,
    text(locale, 'flow.account.title'),
    [
      ['1', 'flow.account.pin'],
      ['2', 'flow.account.freeze'],
      ['3', 'flow.account.unfreeze'],
      ['4', 'flow.account.close'],
      ['5', 'flow.account.language'],
      ['0', 'flow.menu.back'],
    ],
    invalid,
  );
}

/** The language the option `5` switches to. */
export const otherLocale = (locale: Locale): Locale => (locale === 'zh-CN' ? 'en' : 'zh-CN');

export const accountMachine = setup({
  types: {
    context: {} as AccountContext,
    input: {} as FlowStart,
    events: {} as FlowInput,
    output: {} as JourneyOutput,
  },
  actors: {
    runCommand: runCommandPlaceholder,
    changePin: changePinMachine,
    freeze: freezeMachine,
    unfreeze: unfreezeMachine,
    close: closeMachine,
  },
  actions: hostActions<AccountContext>(),
}).createMachine({
  id: 'account',
  context: ({ input }) => ({ ...input, back: null, screen: accountScreen(input.locale) }),
  initial: 'menu',
  states: {
    menu: choiceStep<AccountContext>({
      choices: [
        ['1', 'changePin'],
        ['2', 'freeze'],
        ['3', 'unfreeze'],
        ['4', 'close'],
        ['5', 'switchingLanguage'],
        ['0', 'done', () => ({ back: { note: '' } })],
      ],
      invalid: (context) => accountScreen(context.locale, true),
    }),
    changePin: journeyState('changePin'),
    freeze: journeyState('freeze'),
    unfreeze: journeyState('unfreeze'),
    close: journeyState('close'),
    switchingLanguage: {
      tags: [BUSY],
      invoke: {
        src: 'runCommand',
        input: ({ context }) => ({
          type: 'account.locale' as const,
          input: { msisdn: context.msisdn, locale: otherLocale(context.locale) },
        }),
        onDone: {
          target: 'done',
          actions: assign(({ context, event }) => {
            if (!event.output.ok) {
              return { screen: finalMessage(refusalText(context.locale, event.output.error)) };
            }
            const locale = otherLocale(context.locale);
            return { locale, back: { note: text(locale, 'flow.language.done') } };
          }),
        },
        onError: { target: 'done', actions: 'fail' },
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }): JourneyOutput =>
    context.back ? { kind: 'back', locale: context.locale, note: context.back.note } : context.screen,
});

/** The submenu with `runCommand` bound in it and in every journey it invokes. */
export function bindAccount(runCommand: RunCommandLogic) {
  const bound = { actors: { runCommand } };
  return accountMachine.provide({
    actors: {
      runCommand,
      changePin: changePinMachine.provide(bound),
      freeze: freezeMachine.provide(bound),
      unfreeze: unfreezeMachine.provide(bound),
      close: closeMachine.provide(bound),
    },
  });
}
