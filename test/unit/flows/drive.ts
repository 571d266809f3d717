/**
 * Drives a flow machine with a fake `runCommand`, recording every screen, every command request, and
 * (for the state-coverage check) every state the machine and its journeys pass through. Every screen a
 * drive reaches must fit one USSD page, whichever test drives it: the size check travels with the drive,
 * not with a test that would need the others to have run first.
 */
import { type AnyStateMachine, createActor, fromPromise, waitFor } from 'xstate';
import type { CommandResult, CommandType } from '../../../src/commands/catalog.js';
import {
  bindAccount,
  bindMenu,
  type CommandRequest,
  flows,
  isBusy,
  type RunCommandLogic,
  type Screen,
  screenOf,
  screenText,
  fitsUssd,
} from '../../../flows/index.js';
import type { Locale } from '../../../flows/texts/index.js';
import { recordStates } from './coverage.js';

export const MSISDN = '8613800138000';

export type Respond = (request: CommandRequest) => CommandResult;

export const ok =
  (value: Record<string, unknown>): Respond =>
  () => ({ ok: true, value });
export const refused =
  (code: string, message = code): Respond =>
  () => ({ ok: false, error: { code, message } });

/** Answers the calls in turn; the last answer repeats. */
export function inTurn(...answers: Respond[]): Respond {
  let call = 0;
  return (request) => answers[Math.min(call++, answers.length - 1)](request);
}

/** Answers by command type; a type not listed is refused as unexpected. */
export function byType(answers: Partial<Record<CommandType, Respond>>): Respond {
  return (request) => (answers[request.type] ?? refused('unexpected'))(request);
}

export type FlowName = keyof typeof flows;

export function fakeCommands(respond: Respond) {
  const requests: CommandRequest[] = [];
  const runCommand: RunCommandLogic = fromPromise<CommandResult, CommandRequest>(async ({ input }) => {
    requests.push(input);
    // Answer on a later tick, as the queue does: a screen change that wakes no observer then hangs the test.
    await new Promise((resolve) => setTimeout(resolve, 1));
    return respond(input);
  });
  return { requests, runCommand };
}

export function machineFor(flow: FlowName, runCommand: RunCommandLogic): AnyStateMachine {
  if (flow === 'menu') return bindMenu(runCommand);
  if (flow === 'account') return bindAccount(runCommand);
  if (flow === 'help') return flows.help;
  return (flows[flow] as AnyStateMachine).provide({ actors: { runCommand } });
}

/** A registered caller of the menu unless `start` says otherwise. */
export function inputFor(flow: FlowName, locale: Locale, start: Record<string, unknown> = {}) {
  return { msisdn: MSISDN, locale, ...(flow === 'menu' ? { registered: true } : {}), ...start };
}

/**
 * Throws, naming the screen, unless every screen fits one USSD page (182 GSM characters, or 80 when it
 * holds Chinese).
 */
export function expectFitUssd(screens: Screen[], what: string): void {
  for (const screen of screens) {
    const shown = screenText(screen);
    if (!fitsUssd(screen)) {
      throw new Error(`${what}: a screen does not fit one USSD page (${[...shown].length}): ${shown}`);
    }
  }
}

export interface Drive {
  /** The first screen, then one per input. */
  screens: Screen[];
  requests: CommandRequest[];
  last: Screen;
  /** The persisted snapshot after the last step, as JSON. */
  persisted: string;
  done: boolean;
}

/** `inputs`: texts typed, or `TIMEOUT`, or `SELECT:<id>` for an item picked (STK). */
export async function drive(
  flow: FlowName,
  inputs: string[],
  respond: Respond = refused('unexpected'),
  locale: Locale = 'en',
  start: Record<string, unknown> = {},
): Promise<Drive> {
  const { requests, runCommand } = fakeCommands(respond);
  const actor = createActor(machineFor(flow, runCommand), {
    input: inputFor(flow, locale, start),
    inspect: recordStates,
  }).start();
  const screens: Screen[] = [screenOf(await waitFor(actor, (s) => !isBusy(s)))];
  for (const input of inputs) {
    if (input === 'TIMEOUT') actor.send({ type: 'TIMEOUT' });
    else if (input.startsWith('SELECT:')) actor.send({ type: 'SELECT', id: input.slice('SELECT:'.length) });
    else actor.send({ type: 'TEXT', text: input });
    screens.push(screenOf(await waitFor(actor, (s) => !isBusy(s))));
  }
  expectFitUssd(screens, `${flow} ${inputs.join('*')} (${locale})`);
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
