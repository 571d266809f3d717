/** Drives a flow machine with a fake `runCommand`, recording every screen and every command request. */
import { type AnyStateMachine, createActor, fromPromise, waitFor } from 'xstate';
import type { CommandResult } from '../../../src/commands/catalog.js';
import {
  balanceMachine,
  bindMenu,
  type CommandRequest,
  isBusy,
  payMachine,
  type RunCommandLogic,
  type Screen,
  screenOf,
  statementMachine,
  transferMachine,
} from '../../../flows/index.js';
import type { Locale } from '../../../flows/texts/index.js';

export const MSISDN = '8613800138000';

export type Respond = (request: CommandRequest) => CommandResult;

export const ok =
  (value: Record<string, unknown>): Respond =>
  () => ({ ok: true, value });
export const refused =
  (code: string, message = code): Respond =>
  () => ({ ok: false, error: { code, message } });

export type FlowName = 'menu' | 'balance' | 'pay' | 'transfer' | 'statement';

export function fakeCommands(respond: Respond) {
  const requests: CommandRequest[] = [];
  const runCommand: RunCommandLogic = fromPromise<CommandResult, CommandRequest>(async ({ input }) => {
    requests.push(input);
    return respond(input);
  });
  return { requests, runCommand };
}

export function machineFor(flow: FlowName, runCommand: RunCommandLogic): AnyStateMachine {
  switch (flow) {
    case 'menu':
      return bindMenu(runCommand);
    case 'balance':
      return balanceMachine.provide({ actors: { runCommand } });
    case 'pay':
      return payMachine.provide({ actors: { runCommand } });
    case 'transfer':
      return transferMachine.provide({ actors: { runCommand } });
    case 'statement':
      return statementMachine.provide({ actors: { runCommand } });
  }
}

/** Every screen any test reached, for the USSD size check. */
export const seen: { locale: Locale; screen: Screen }[] = [];

export interface Drive {
  /** The first screen, then one per input. */
  screens: Screen[];
  requests: CommandRequest[];
  last: Screen;
  /** The persisted snapshot after the last step, as JSON. */
  persisted: string;
  done: boolean;
}

export async function drive(
  flow: FlowName,
  inputs: string[],
  respond: Respond = refused('unexpected'),
  locale: Locale = 'en',
): Promise<Drive> {
  const { requests, runCommand } = fakeCommands(respond);
  const actor = createActor(machineFor(flow, runCommand), { input: { msisdn: MSISDN, locale } }).start();
  const screens: Screen[] = [screenOf(await waitFor(actor, (s) => !isBusy(s)))];
  for (const input of inputs) {
    actor.send(input === 'TIMEOUT' ? { type: 'TIMEOUT' } : { type: 'TEXT', text: input });
    screens.push(screenOf(await waitFor(actor, (s) => !isBusy(s))));
  }
  for (const screen of screens) seen.push({ locale, screen });
  const snapshot = actor.getSnapshot();
  const result = {
    screens,
    requests,
    last: screens[screens.length - 1],
    persisted: JSON.stringify(actor.getPersistedSnapshot()),
    done: snapshot.status === 'done',
  };
  actor.stop();
  return result;
}

/** The text of a prompt or message screen. */
export function textOf(screen: Screen): string {
  return screen.kind === 'menu' ? screen.title : screen.text;
}
