/**
 * The root menu, numbered as INTERFACES §4 says. A registered user: `1` balance, `2` top up, `3` pay,
 * `4` transfer, `5` last transactions, `6` account, `9` help, `0` exit. A caller with no wallet: `1` open
 * a wallet, `0` exit. A user with a merchant's payment request waiting starts in that request, and the
 * session ends with it. Each journey runs as an invoked child (id `journey`, see journey.ts) whose screen
 * is mirrored here, so a session shows one screen whichever machine is asking.
 */
import { assign, setup } from 'xstate';
import { accountMachine, bindAccount } from './account.flow.js';
import { balanceMachine } from './balance.flow.js';
import { helpMachine } from './help.flow.js';
import { handedBack, hostActions, journeyState } from './journey.js';
import {
  choiceMenu,
  BUSY,
  finalMessage,
  type FlowStart,
  noted,
  type OfferOpenLogic,
  offerOpenPlaceholder,
  type RunCommandLogic,
  runCommandPlaceholder,
} from './kit.js';
import { openMachine } from './open.flow.js';
import { payMachine } from './pay.flow.js';
import { type PaymentRequest, paymentRequestMachine } from './payment-request.flow.js';
import type { FlowInput, Screen } from './screen.js';
import { statementMachine } from './statement.flow.js';
import { choiceStep } from './steps.js';
import { type Locale, text } from './texts/index.js';
import { topupMachine } from './topup.flow.js';
import { transferMachine } from './transfer.flow.js';

export type { RunCommandLogic };

/** How a session starts the menu: who calls, whether they have a wallet, a request waiting for them. */
export interface MenuStart extends FlowStart {
  registered: boolean;
  /** A merchant's payment request waiting for this user's PIN: the session is about it alone. */
  request?: PaymentRequest;
  /** The channel the session runs on (`ussd`, `ivr`, …), recorded when a wallet is opened. */
  channel?: string;
  /**
   * The channel cannot show the agreement (a voice call): opening hands the caller to SMS through the
   * `offerOpen` actor, the agreement goes out by SMS and the user's `A` there opens the wallet.
   */
  openBySms?: boolean;
}

export interface MenuContext extends MenuStart {
  /** The menu's own screen, and the running journey's as last reported (`screenOf` reads the live one). */
  screen: Screen;
}

export function menuScreen(locale: Locale, invalid = false): Screen {
  return choiceMenu(
    locale,
    text(locale, 'flow.menu.title'),
    [
      ['1', 'flow.menu.balance'],
      ['2', 'flow.menu.topup'],
      ['3', 'flow.menu.pay'],
      ['4', 'flow.menu.transfer'],
      ['5', 'flow.menu.statement'],
      ['6', 'flow.menu.account'],
      ['9', 'flow.menu.help'],
      ['0', 'flow.menu.exit'],
    ],
    invalid,
  );
}

/** The menu of a caller with no wallet. */
export function guestScreen(locale: Locale, invalid = false): Screen {
  return choiceMenu(
    locale,
    text(locale, 'flow.guest.title'),
    [
      ['1', 'flow.guest.open'],
      ['0', 'flow.menu.exit'],
    ],
    invalid,
  );
}

const bye = (context: MenuContext) => ({ screen: finalMessage(text(context.locale, 'flow.bye')) });

export const menuMachine = setup({
  types: {
    context: {} as MenuContext,
    input: {} as MenuStart,
    events: {} as FlowInput,
    output: {} as Screen,
  },
  actors: {
    runCommand: runCommandPlaceholder,
    offerOpen: offerOpenPlaceholder,
    balance: balanceMachine,
    topup: topupMachine,
    pay: payMachine,
    transfer: transferMachine,
    statement: statementMachine,
    account: accountMachine,
    help: helpMachine,
    open: openMachine,
    paymentRequest: paymentRequestMachine,
  },
  actions: {
    ...hostActions<MenuContext>(),
    /** Back from the account submenu, perhaps in another language now. */
    back: assign(({ context, event }) => {
      const locale = handedBack(event)?.locale ?? context.locale;
      return { locale, screen: noted(handedBack(event)?.note ?? '', menuScreen(locale)) };
    }),
  },
  guards: {
    hasRequest: ({ context }) => Boolean(context.request),
    registered: ({ context }) => context.registered,
    opensBySms: ({ context }) => Boolean(context.openBySms),
    wentBack: ({ event }) => handedBack(event) !== null,
  },
}).createMachine({
  id: 'menu',
  context: ({ input }) => ({
    ...input,
    screen: input.registered ? menuScreen(input.locale) : guestScreen(input.locale),
  }),
  initial: 'start',
  states: {
    /** Picks the first screen: the waiting request, the menu, or the offer to open a wallet. */
    start: {
      always: [
        { guard: 'hasRequest', target: 'request' },
        { guard: 'registered', target: 'menu' },
        { target: 'guest' },
      ],
    },
    menu: choiceStep<MenuContext>({
      choices: [
        ['1', 'balance'],
        ['2', 'topup'],
        ['3', 'pay'],
        ['4', 'transfer'],
        ['5', 'statement'],
        ['6', 'account'],
        ['9', 'help'],
        ['0', 'done', bye],
      ],
      invalid: (context) => menuScreen(context.locale, true),
    }),
    guest: choiceStep<MenuContext>({
      choices: [
        ['1', 'opening'],
        ['0', 'done', bye],
      ],
      invalid: (context) => guestScreen(context.locale, true),
    }),
    /** Opening here (the agreement and `1`), or by SMS when the channel hands it over. */
    opening: {
      always: [{ guard: 'opensBySms', target: 'offering' }, { target: 'open' }],
    },
    offering: {
      tags: [BUSY],
      invoke: {
        src: 'offerOpen',
        input: ({ context }) => ({ msisdn: context.msisdn }),
        onDone: {
          target: 'done',
          actions: assign(({ context }) => ({ screen: finalMessage(text(context.locale, 'flow.open.sms')) })),
        },
        onError: { target: 'done', actions: 'fail' },
      },
    },
    balance: journeyState('balance'),
    topup: journeyState('topup'),
    pay: journeyState('pay'),
    transfer: journeyState('transfer'),
    statement: journeyState('statement'),
    account: journeyState('account', { back: 'menu' }),
    help: journeyState('help'),
    open: journeyState('open', {
      input: ({ context }) => ({
        msisdn: context.msisdn,
        locale: context.locale,
        channel: (context as MenuContext).channel,
      }),
    }),
    request: journeyState('paymentRequest', {
      input: ({ context }) => ({
        msisdn: context.msisdn,
        locale: context.locale,
        request: (context as MenuContext).request as PaymentRequest,
      }),
    }),
    done: { type: 'final' },
  },
  output: ({ context }) => context.screen,
});

/**
 * The menu with `runCommand` bound in it and in every journey it invokes, however deep, and `offerOpen`
 * (for a channel that opens by SMS) when given.
 */
export function bindMenu(runCommand: RunCommandLogic, offerOpen?: OfferOpenLogic) {
  const bound = { actors: { runCommand } };
  return menuMachine.provide({
    actors: {
      runCommand,
      ...(offerOpen ? { offerOpen } : {}),
      balance: balanceMachine.provide(bound),
      topup: topupMachine.provide(bound),
      pay: payMachine.provide(bound),
      transfer: transferMachine.provide(bound),
      statement: statementMachine.provide(bound),
      account: bindAccount(runCommand),
      help: helpMachine,
      open: openMachine.provide(bound),
      paymentRequest: paymentRequestMachine.provide(bound),
    },
  });
}
