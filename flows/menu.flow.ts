/**
 * The root menu of a registered user, numbered as INTERFACES §4 says: `1` balance, `2` top up, `3` pay,
 * `4` transfer, `5` last transactions, `6` account, `0` exit. Each built journey runs as an invoked child
 * (id `journey`) whose screen is mirrored here, so a session shows one screen whichever machine is asking.
 */
import { assign, sendTo, setup } from 'xstate';
import type { CommandResult } from '../src/commands/catalog.js';
import { balanceMachine } from './balance.flow.js';
import { payMachine } from './pay.flow.js';
import type { FlowInput, Screen } from './screen.js';
import { statementMachine } from './statement.flow.js';
import { transferMachine } from './transfer.flow.js';
import { type Locale, text } from './texts/index.js';
import {
  type CommandRequest,
  errorScreen,
  finalMessage,
  type FlowStart,
  runCommandPlaceholder,
  typed,
} from './kit.js';
import type { PromiseActorLogic } from 'xstate';

export interface MenuContext extends FlowStart {
  /** The menu's own screen, and the running journey's as last reported (`screenOf` reads the live one). */
  screen: Screen;
}

export function menuScreen(locale: Locale, invalid = false): Screen {
  const title = text(locale, 'flow.menu.title');
  return {
    kind: 'menu',
    title: invalid ? `${text(locale, 'flow.menu.invalid')}\n${title}` : title,
    options: [
      { id: '1', label: text(locale, 'flow.menu.balance') },
      { id: '2', label: text(locale, 'flow.menu.topup') },
      { id: '3', label: text(locale, 'flow.menu.pay') },
      { id: '4', label: text(locale, 'flow.menu.transfer') },
      { id: '5', label: text(locale, 'flow.menu.statement') },
      { id: '6', label: text(locale, 'flow.menu.account') },
      { id: '0', label: text(locale, 'flow.menu.exit') },
    ],
  };
}

interface JourneySnapshot {
  context: { screen: Screen };
}

const chose =
  (...ids: string[]) =>
  ({ event }: { event: FlowInput }) =>
    ids.includes(typed(event));

export const menuMachine = setup({
  types: {
    context: {} as MenuContext,
    input: {} as FlowStart,
    events: {} as FlowInput,
    output: {} as Screen,
  },
  actors: {
    runCommand: runCommandPlaceholder,
    balance: balanceMachine,
    pay: payMachine,
    transfer: transferMachine,
    statement: statementMachine,
  },
  actions: {
    /** Mirrors the running journey's screen; each report also lets observers of the menu see the change. */
    mirror: assign(({ event }) => ({
      screen: (event as unknown as { snapshot: JourneySnapshot }).snapshot.context.screen,
    })),
    forward: sendTo('journey', ({ event }) => event),
    finish: assign(({ event }) => ({ screen: (event as unknown as { output: Screen }).output })),
    fail: assign(({ context }) => ({ screen: errorScreen(context.locale) })),
  },
  guards: {
    balance: chose('1'),
    unavailable: chose('2', '6'),
    pay: chose('3'),
    transfer: chose('4'),
    statement: chose('5'),
    exit: chose('0'),
  },
}).createMachine({
  id: 'menu',
  context: ({ input }) => ({ ...input, screen: menuScreen(input.locale) }),
  initial: 'menu',
  states: {
    menu: {
      on: {
        TIMEOUT: {
          target: 'done',
          actions: assign({ screen: ({ context }) => finalMessage(text(context.locale, 'flow.timeout')) }),
        },
        '*': [
          { guard: 'balance', target: 'balance' },
          { guard: 'pay', target: 'pay' },
          { guard: 'transfer', target: 'transfer' },
          { guard: 'statement', target: 'statement' },
          {
            guard: 'unavailable',
            target: 'done',
            actions: assign({
              screen: ({ context }) => finalMessage(text(context.locale, 'flow.unavailable')),
            }),
          },
          {
            guard: 'exit',
            target: 'done',
            actions: assign({ screen: ({ context }) => finalMessage(text(context.locale, 'flow.bye')) }),
          },
          { actions: assign({ screen: ({ context }) => menuScreen(context.locale, true) }) },
        ],
      },
    },
    balance: {
      invoke: {
        id: 'journey',
        src: 'balance',
        syncSnapshot: true,
        input: ({ context }) => ({ msisdn: context.msisdn, locale: context.locale }),
        onDone: { target: 'done', actions: 'finish' },
        onError: { target: 'done', actions: 'fail' },
      },
      on: { 'xstate.snapshot.journey': { actions: 'mirror' }, '*': { actions: 'forward' } },
    },
    pay: {
      invoke: {
        id: 'journey',
        src: 'pay',
        syncSnapshot: true,
        input: ({ context }) => ({ msisdn: context.msisdn, locale: context.locale }),
        onDone: { target: 'done', actions: 'finish' },
        onError: { target: 'done', actions: 'fail' },
      },
      on: { 'xstate.snapshot.journey': { actions: 'mirror' }, '*': { actions: 'forward' } },
    },
    transfer: {
      invoke: {
        id: 'journey',
        src: 'transfer',
        syncSnapshot: true,
        input: ({ context }) => ({ msisdn: context.msisdn, locale: context.locale }),
        onDone: { target: 'done', actions: 'finish' },
        onError: { target: 'done', actions: 'fail' },
      },
      on: { 'xstate.snapshot.journey': { actions: 'mirror' }, '*': { actions: 'forward' } },
    },
    statement: {
      invoke: {
        id: 'journey',
        src: 'statement',
        syncSnapshot: true,
        input: ({ context }) => ({ msisdn: context.msisdn, locale: context.locale }),
        onDone: { target: 'done', actions: 'finish' },
        onError: { target: 'done', actions: 'fail' },
      },
      on: { 'xstate.snapshot.journey': { actions: 'mirror' }, '*': { actions: 'forward' } },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => context.screen,
});

/** The logic `runCommand` is bound to: a command request in, a command result out. */
export type RunCommandLogic = PromiseActorLogic<CommandResult, CommandRequest>;

/** The menu with `runCommand` bound in it and in every journey it invokes. */
export function bindMenu(runCommand: RunCommandLogic) {
  return menuMachine.provide({
    actors: {
      runCommand,
      balance: balanceMachine.provide({ actors: { runCommand } }),
      pay: payMachine.provide({ actors: { runCommand } }),
      transfer: transferMachine.provide({ actors: { runCommand } }),
      statement: statementMachine.provide({ actors: { runCommand } }),
    },
  });
}
