/** The flows: id → machine, and what the session runner needs to run any of them. */
import type { AnyMachineSnapshot } from 'xstate';
import { balanceMachine } from './balance.flow.js';
import { bindMenu, menuMachine, type RunCommandLogic } from './menu.flow.js';
import { payMachine } from './pay.flow.js';
import type { Screen } from './screen.js';
import { statementMachine } from './statement.flow.js';
import { BUSY } from './kit.js';
import { transferMachine } from './transfer.flow.js';

export { balanceMachine, menuMachine, payMachine, statementMachine, transferMachine, bindMenu };
export type { RunCommandLogic };
export type { CommandRequest, FlowStart } from './kit.js';
export { fitsUssd, screenText } from './kit.js';
export type { FlowInput, InputSpec, Screen, ScreenOption } from './screen.js';

export const flows = {
  menu: menuMachine,
  balance: balanceMachine,
  pay: payMachine,
  statement: statementMachine,
  transfer: transferMachine,
} as const;

/** Flows a session may start with. */
export type SessionFlowId = 'menu';

/** The flow with `runCommand` bound, in it and in every journey it invokes. */
export function bindFlow(flow: SessionFlowId, runCommand: RunCommandLogic) {
  switch (flow) {
    case 'menu':
      return bindMenu(runCommand);
  }
}

/** The journey the menu runs now (invoked with id `journey`), if any. */
function journeyOf(snapshot: AnyMachineSnapshot): AnyMachineSnapshot | null {
  if (snapshot.status !== 'active') return null;
  const child = (snapshot.children as Record<string, { getSnapshot(): AnyMachineSnapshot } | undefined>)
    .journey;
  const childSnapshot = child?.getSnapshot();
  return childSnapshot?.status === 'active' ? childSnapshot : null;
}

/** The screen a flow shows now: the running journey's, else the flow's own `context.screen`. */
export function screenOf(snapshot: AnyMachineSnapshot): Screen {
  const journey = journeyOf(snapshot);
  return ((journey ?? snapshot).context as { screen: Screen }).screen;
}

/** True while the flow (or the journey it runs) waits for a command: no screen to show yet. */
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
