/**
 * The steps journeys are built of, as state configs a journey puts under its own state names: a prompt
 * asked again until its answer is well formed (an amount in yuan is one), a menu of options (a
 * confirm-or-cancel question is one), and a command run once the user has answered (a PIN goes from the
 * event that entered the step straight into the command, and is asked again when the ledger refuses it).
 * Every step ends in the journey's `done` state (a result, an error, a timeout) and is typed by the
 * journey's context: a plain object config, so the journey names no action or guard for it.
 */
import { assign, type DoneActorEvent, type EventObject } from 'xstate';
import type { CommandResult } from '../src/commands/index.js';
import { parseYuan } from '../src/lib/index.js';
import {
  amountInput,
  BUSY,
  type CommandRequest,
  chose,
  errorScreen,
  type FlowStart,
  finalMessage,
  pinRetryScreen,
  prompt,
  refusedPin,
  resultScreen,
  timeoutScreen,
  typed,
} from './kit.js';
import type { FlowInput, Screen } from './screen.js';
import { type TextKey, text } from './texts/index.js';

/** What every journey keeps: who, which language, the screen shown now. */
export interface JourneyContext extends FlowStart {
  screen: Screen;
}

/** The `types` of a journey's `setup`: its context and input, flow inputs in, its final screen out. */
export const journeyTypes = <C extends JourneyContext, I extends FlowStart = FlowStart>() => ({
  context: {} as C,
  input: {} as I,
  events: {} as FlowInput,
  output: {} as Screen,
});

/** The event a finished command reports. */
type CommandDone = DoneActorEvent<CommandResult>;

/** An action that keeps what `update` works out from the context and the event. */
const change = <C extends JourneyContext, E extends EventObject = FlowInput>(
  update: (context: C, event: E) => Partial<C>,
) => assign<C, E, undefined, FlowInput, never>(({ context, event }) => update(context, event));

/** An action that shows the screen `screen` works out from the context and the event. */
const show = <C extends JourneyContext, E extends EventObject = FlowInput>(
  screen: (context: C, event: E) => Screen,
) => change<C, E>((context, event) => ({ screen: screen(context, event) }) as Partial<C>);

/** The journey ends with "timed out" (put under `on: { TIMEOUT }` of the machine or of a state). */
export const endOnTimeout = <C extends JourneyContext>(target: 'done' | '.done' = '.done') =>
  ({ target, actions: show<C>((context) => timeoutScreen(context.locale)) }) as const;

export interface AskOptions<C extends JourneyContext> {
  /** The answer is well formed. */
  valid: (answer: string) => boolean;
  /** The state a well-formed answer leads to. */
  next: string;
  /** What a well-formed answer keeps, with the next screen; nothing when the next state runs a command. */
  accept?: (context: C, answer: string) => Partial<C>;
  /** The prompt again, saying what was wrong with the answer. */
  invalid: (context: C) => Screen;
}

/** A prompt waiting for typed text: asked again (`invalid`) until the answer is well formed. */
export function askStep<C extends JourneyContext>({ valid, next, accept, invalid }: AskOptions<C>) {
  return {
    on: {
      TEXT: [
        {
          guard: ({ event }: { event: FlowInput }) => valid(typed(event)),
          target: next,
          actions: accept ? [change<C>((context, event) => accept(context, typed(event)))] : [],
        },
        { actions: show<C>(invalid) },
      ],
    },
  } as const;
}

/**
 * An amount in yuan, asked again while malformed; then on to `pin`, asked with `pinScreen`. The amount is
 * kept in fen as a decimal string (snapshots are JSON).
 */
export const amountStep = <C extends JourneyContext & { amount: string }>(
  pinScreen: (context: C, fen: bigint) => Screen,
) =>
  askStep<C>({
    valid: (answer) => parseYuan(answer) !== null,
    next: 'pin',
    accept: (context, answer) => {
      const fen = parseYuan(answer) as bigint;
      return { amount: fen.toString(), screen: pinScreen(context, fen) } as Partial<C>;
    },
    invalid: (context) => prompt(text(context.locale, 'flow.amount.invalid'), amountInput),
  });

export interface CommandStepOptions<C extends JourneyContext> {
  /** The command, from the context and what the user answered to enter the step (a PIN goes straight in). */
  command: (context: C, answer: string) => CommandRequest;
  /** The final screen when the command succeeded (`saying` a text); a refusal is told in the user's words. */
  success: (context: C, value: Record<string, unknown>) => Screen;
}

/** The screen a command step ends on: its success screen, or the refusal in the user's words. */
export function commandOutcome<C extends JourneyContext>(
  { success }: CommandStepOptions<C>,
  context: C,
  output: CommandResult,
): Screen {
  return resultScreen(context.locale, output, (value) => success(context, value));
}

/**
 * A busy step that runs a command and ends the journey with its result, or the error screen when it could
 * not be run at all.
 */
export function commandStep<C extends JourneyContext>(options: CommandStepOptions<C>) {
  const { command } = options;
  return {
    tags: [BUSY],
    invoke: {
      src: 'runCommand',
      input: ({ context, event }: { context: C; event: FlowInput }) => command(context, typed(event)),
      onDone: {
        target: 'done',
        actions: show<C, CommandDone>((context, event) => commandOutcome(options, context, event.output)),
      },
      onError: { target: 'done', actions: show<C, EventObject>((context) => errorScreen(context.locale)) },
    },
  } as const;
}

/**
 * A command step whose command takes the payment PIN just typed: when the ledger refuses the PIN (and has
 * not locked payments yet), back to the state `retry` that waits for it, showing the attempts left.
 */
export function pinCommandStep<C extends JourneyContext>(options: CommandStepOptions<C> & { retry: string }) {
  const step = commandStep(options);
  const again = {
    guard: refusedPin,
    target: options.retry,
    actions: show<C, CommandDone>((context, event) => pinRetryScreen(context.locale, event.output)),
  } as const;
  return { ...step, invoke: { ...step.invoke, onDone: [again, step.invoke.onDone] } } as const;
}

/** An option of a choice: what the user types or picks, the state it leads to, what it keeps or shows. */
export type Choice<C extends JourneyContext> = readonly [
  id: string,
  target: string,
  update?: (context: C) => Partial<C>,
];

export interface ChoiceOptions<C extends JourneyContext> {
  choices: readonly Choice<C>[];
  /** The menu again, with the "invalid option" note, after any other answer. */
  invalid: (context: C) => Screen;
}

/**
 * A menu waiting for one of its options (typed or picked); any other answer shows it again, and a timeout
 * ends the journey.
 */
export function choiceStep<C extends JourneyContext>({ choices, invalid }: ChoiceOptions<C>) {
  const picked = choices.map(([id, target, update]) => ({
    guard: chose(id),
    target,
    actions: update ? [change<C>(update)] : [],
  }));
  return {
    on: {
      // Any answer is a choice (typed or picked); a timeout is not, so it is named before the wildcard.
      TIMEOUT: endOnTimeout<C>('done'),
      '*': [...picked, { actions: show<C>(invalid) }],
    },
  } as const;
}

export interface ConfirmOptions<C extends JourneyContext> {
  /** The state `1` (confirm) leads to. */
  confirm: string;
  /** The final text `2` (cancel) ends the journey with. */
  cancelled: TextKey;
  /** The question again, with the "invalid option" note, after any other answer. */
  invalid: (context: C) => Screen;
}

/** A question answered by `1` confirm (on to the state `confirm`) or `2` cancel (the journey ends). */
export const confirmStep = <C extends JourneyContext>({ confirm, cancelled, invalid }: ConfirmOptions<C>) =>
  choiceStep<C>({
    choices: [
      ['1', confirm],
      ['2', 'done', (context) => ({ screen: finalMessage(text(context.locale, cancelled)) }) as Partial<C>],
    ],
    invalid,
  });
