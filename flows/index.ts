/** The flows: id → machine, and what the session runner needs to run any of them. */
import type { AnyMachineSnapshot } from 'xstate';
import { accountMachine, bindAccount } from './account.flow.js';
import { balanceMachine } from './balance.flow.js';
import { changePinMachine } from './change-pin.flow.js';
import { closeMachine } from './close.flow.js';
import { freezeMachine } from './freeze.flow.js';
import { helpMachine } from './help.flow.js';
import { BUSY, type OfferOpenLogic, type RunCommandLogic } from './kit.js';
import { bindMenu, menuMachine } from './menu.flow.js';
import { openMachine } from './open.flow.js';
import { payMachine } from './pay.flow.js';
import { paymentRequestMachine } from './payment-request.flow.js';
import type { Screen } from './screen.js';
import { smsMachine } from './sms.flow.js';
import { statementMachine } from './statement.flow.js';
import { topupMachine } from './topup.flow.js';
import { transferMachine } from './transfer.flow.js';
import { unfreezeMachine } from './unfreeze.flow.js';

export {
  accountMachine,
  balanceMachine,
  bindAccount,
  bindMenu,
  changePinMachine,
  closeMachine,
  freezeMachine,
  helpMachine,
  menuMachine,
  openMachine,
  payMachine,
  paymentRequestMachine,
  statementMachine,
  topupMachine,
  transferMachine,
  unfreezeMachine,
};
export type { OfferOpenLogic, RunCommandLogic };
export type { BackToMenu, CommandRequest, FlowStart, JourneyOutput } from './kit.js';
export { BUSY, fitsUssd, screenText, typed, ussdLength, ussdLimit } from './kit.js';
export type { MenuStart } from './menu.flow.js';
export { menuScreen } from './menu.flow.js';
export type { PaymentRequest, PaymentRequestStart } from './payment-request.flow.js';
export type { OpenStart } from './open.flow.js';
export type { FlowInput, InputSpec, Screen, ScreenOption } from './screen.js';
export {
  bindSms,
  type FindPaymentRequestsLogic,
  type SmsContext,
  type SmsEvent,
  type SmsIntentData,
  type SmsPending,
  type SmsStart,
  smsEvent,
  smsMachine,
} from './sms.flow.js';

/** Every machine, by its id: the menu, the submenu, each journey, and the SMS conversation. */
export const flows = {
  menu: menuMachine,
  sms: smsMachine,
  account: accountMachine,
  balance: balanceMachine,
  changePin: changePinMachine,
  close: closeMachine,
  freeze: freezeMachine,
  help: helpMachine,
  open: openMachine,
  pay: payMachine,
  paymentRequest: paymentRequestMachine,
  statement: statementMachine,
  topup: topupMachine,
  transfer: transferMachine,
  unfreeze: unfreezeMachine,
} as const;

/** Flows a session may start with. */
export type SessionFlowId = 'menu';

/** The flow with `runCommand` (and `offerOpen`, when given) bound, in it and in every journey it invokes. */
export function bindFlow(flow: SessionFlowId, runCommand: RunCommandLogic, offerOpen?: OfferOpenLogic) {
  switch (flow) {
    case 'menu':
      return bindMenu(runCommand, offerOpen);
  }
}

/** The journey a machine runs now (invoked with id `journey`), if any. */
function journeyOf(snapshot: AnyMachineSnapshot): AnyMachineSnapshot | null {
  if (snapshot.status !== 'active') return null;
  const child = (snapshot.children as Record<string, { getSnapshot(): AnyMachineSnapshot } | undefined>)
    .journey;
  const childSnapshot = child?.getSnapshot();
  return childSnapshot?.status === 'active' ? childSnapshot : null;
}

/**
 * The screen a flow shows now, as channels render it: the innermost running journey's, else the flow's own
 * `context.screen`, without its `say` (what it says by catalog key, for a front end with words of its own).
 */
export function screenOf(snapshot: AnyMachineSnapshot): Screen {
  const journey = journeyOf(snapshot);
  if (journey) return screenOf(journey);
  const { say: _wording, ...shown } = (snapshot.context as { screen: Screen }).screen;
  return shown;
}

/**
 * The journey a flow is in, however deep: the machine id (`menu`, `pay`, `changePin`, …) of the innermost
 * one running, else the flow's own. A small fixed set, for metrics.
 */
export function journeyAt(snapshot: AnyMachineSnapshot): string {
  const journey = journeyOf(snapshot);
  return journey ? journeyAt(journey) : snapshot.machine.id;
}

/** True while the flow (or a journey it runs, however deep) waits for a command: no screen to show yet. */
export function isBusy(snapshot: AnyMachineSnapshot): boolean {
  if (snapshot.status !== 'active') return false;
  const journey = journeyOf(snapshot);
  return snapshot.hasTag(BUSY) || (journey !== null && isBusy(journey));
}

/** True when the screen ends the session. */
export function isFinal(snapshot: AnyMachineSnapshot): boolean {
  const screen = screenOf(snapshot);
  return snapshot.status !== 'active' || (screen.kind === 'message' && screen.final);
}
