/**
 * How a menu runs a journey: one state that invokes it as the child `journey`, mirrors the child's screen
 * on each of its snapshots (so the session shows one screen whichever machine is asking, and observers
 * of the menu see each change), forwards every input to it, and ends with the journey's final screen. The menu and the account
 * submenu both build their journey states with `journeyState`, name the actions it uses with
 * `hostActions`, and share these pieces.
 */
import { type AnyActorRef, type AnyMachineSnapshot, assign, type DoneActorEvent, sendTo } from 'xstate';
import { type BackToMenu, BUSY, errorScreen, type FlowStart, type JourneyOutput } from './kit.js';
import type { FlowInput, Screen } from './screen.js';

/** What a machine that runs journeys keeps: who, which language, the screen shown now. */
export interface JourneyHost extends FlowStart {
  screen: Screen;
}

type HostArgs = { context: JourneyHost };

/** Shows the screen `screen` works out, in a host machine with the context `C`. */
const showIn = <C extends JourneyHost>(screen: (context: C, event: FlowInput) => Screen) =>
  assign<C, FlowInput, undefined, FlowInput, never>(
    ({ context, event }) => ({ screen: screen(context, event) }) as Partial<C>,
  );

/** The actions a host's journey states name (`back` is the host's own, when it has a way back). */
export const hostActions = <C extends JourneyHost>() => ({
  /** The journey's screen, on each of its snapshots. */
  mirror: showIn<C>((_, event) => reportedScreen(event)),
  /** Every input goes to the journey. */
  forward: sendTo<C, FlowInput, undefined, AnyActorRef, FlowInput>(
    'journey',
    ({ event }: { event: FlowInput }) => event,
  ),
  /** The journey's final screen. */
  finish: showIn<C>((context, event) => finalScreen(event, errorScreen(context.locale))),
  /** The journey (or the host's own command) failed. */
  fail: showIn<C>((context) => errorScreen(context.locale)),
});

interface JourneyStateOptions<Back extends string, Input> {
  /** The child's input; by default who the user is and the language. */
  input?: (args: HostArgs) => Input;
  /** Where to go when the journey hands back to the menu (only the account submenu does). */
  back?: Back;
}

const defaultInput = ({ context }: HostArgs): FlowStart => ({
  msisdn: context.msisdn,
  locale: context.locale,
});

/**
 * A state that runs the journey `src` to its end. The host machine names the actions `mirror`, `forward`,
 * `finish`, `fail` (and `back` with the guard `wentBack` when `options.back` is given).
 */
export function journeyState<const Src extends string, const Back extends string = never, Input = FlowStart>(
  src: Src,
  options: JourneyStateOptions<Back, Input> = {},
) {
  const done = { target: 'done', actions: 'finish' } as const;
  const back = { guard: 'wentBack', target: options.back, actions: 'back' } as const;
  // Typed by whether `back` was given, so a host without a way back needs no `wentBack` guard.
  const onDone = (options.back ? [back, done] : [done]) as unknown as [NoInfer<Back>] extends [never]
    ? readonly [typeof done]
    : readonly [{ guard: 'wentBack'; target: NoInfer<Back>; actions: 'back' }, typeof done];
  return {
    invoke: {
      id: 'journey',
      src,
      input: (options.input ?? defaultInput) as (args: HostArgs) => NoInfer<Input>,
      // `onSnapshot` (not the `syncSnapshot` flag, which XState 5.33 ignores on `invoke`) subscribes the
      // host to the journey's snapshots, also after a restore: without it a journey that changes screen
      // after a command (a PIN asked again) would never wake an observer of the host.
      onSnapshot: { actions: 'mirror' },
      onDone,
      onError: { target: 'done', actions: 'fail' },
    },
    on: { '*': { actions: 'forward' } },
  } as const;
}

/** The screen a child journey reports in its snapshot event. */
export function reportedScreen(event: unknown): Screen {
  return (event as { snapshot: { context: { screen: Screen } } }).snapshot.context.screen;
}

/** A journey's output. */
export function journeyOutput(event: unknown): JourneyOutput {
  return (event as { output: JourneyOutput }).output;
}

/** The journey handed back to the menu instead of ending the session. */
export function handedBack(event: unknown): BackToMenu | null {
  const output = (event as { output?: JourneyOutput }).output;
  return output?.kind === 'back' ? output : null;
}

/** The final screen a journey ended with (a hand-back is not one). */
export function finalScreen(event: unknown, fallback: Screen): Screen {
  const output = journeyOutput(event);
  return output.kind === 'back' ? fallback : output;
}

/**
 * A journey spawned (not invoked) as the child `journey`, by a host that waits for the user in states of
 * its own between the journey's steps (the SMS conversation: a payment waits for its PIN across messages).
 * Spawned with `syncSnapshot`, so each of its snapshots wakes the host; it is persisted with the host.
 */
export const JOURNEY = { id: 'journey', syncSnapshot: true } as const;

/** The spawned journey waits for the user: raised by the host (see `waitingScreen`), with its screen now. */
export type JourneyWaits = { type: 'journey.waits'; screen: Screen };
export type JourneyDone = DoneActorEvent<Screen, 'journey'>;
/** What a spawned journey tells its host, and `journey.waits`. */
export type JourneyEvent =
  | { type: 'xstate.snapshot.journey'; snapshot: unknown }
  | JourneyDone
  | { type: 'xstate.error.actor.journey'; error: unknown; actorId: string }
  | JourneyWaits;

/**
 * The spawned journey's screen now, when it waits for the user (running, no command under way); else null.
 * Read from the journey itself, not from the snapshot event that woke the host: inputs sent to a journey
 * just after it started are handled before the host reads that event, so the event's snapshot may be older.
 */
export function waitingScreen(host: AnyActorRef): Screen | null {
  const journey: AnyActorRef | undefined = host.getSnapshot().children.journey;
  const now: AnyMachineSnapshot | undefined = journey?.getSnapshot();
  return now?.status === 'active' && !now.hasTag(BUSY) ? now.context.screen : null;
}
