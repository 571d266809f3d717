/**
 * Menu sessions (USSD, and the IVR, STK and WAP after it) on the session runtime: restore the flow's
 * snapshot (or start the flow), send what the user did, wait until no command is running, keep the
 * snapshot (or end the session when the screen is final), and answer the screen. Flows do no I/O: their
 * `runCommand` actor is the runtime's, which keys each command by (channel, session, step).
 *
 * Beside the flow, a session keeps what channels with one small screen need: the snapshots of the screens
 * shown before (for `back` and `home`) and the page of a long screen shown now (for `more`).
 */
import {
  type AnyActorRef,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  fromPromise,
  waitFor,
} from 'xstate';
import {
  bindFlow,
  type FlowInput,
  isBusy,
  isFinal,
  journeyAt,
  type MenuStart,
  type PaymentRequest,
  type Screen,
  type SessionFlowId,
  screenOf,
  typed,
} from '../../flows/index.js';
import { type Locale, text } from '../../flows/texts/index.js';
import { type Keyring, type Logger, logger as defaultLogger, type Redis } from '../lib/index.js';
import type { CommandBus } from '../queue/index.js';
import {
  createSessionRuntime,
  type LiveState,
  type SessionRuntime,
  type StepOutcome,
  type StepScope,
} from './session-runtime.js';
import type { SessionChannel } from './session-store.js';
import type { SmsHandOff } from './sms-hand-off.js';

export interface SessionRunnerOptions {
  redis: Redis;
  /** Seals snapshots at rest. */
  keys: Keyring;
  /** The Redis key prefix (the config's `redisPrefix`). */
  prefix: string;
  bus: Pick<CommandBus, 'execute'>;
  /** How long one step waits for a command before telling the user the result comes by SMS. */
  commandTimeoutMs: number;
  /** The language of the "session expired" text when there is no session and nothing to start. Default `zh-CN`. */
  defaultLocale?: Locale;
  /** Session lifetimes per channel, seconds. Default: `sessionTtlSeconds`. */
  ttlSeconds?: Partial<Record<SessionChannel, number>>;
  /** Sessions the default runtime keeps beside Redis (see `SessionRuntimeOptions.cacheSessions`). */
  cacheSessions?: number;
  /** The runtime to step on; default a new one from the options above. */
  runtime?: SessionRuntime;
  /** Where unknown errors are logged. Default the gateway logger. */
  logger?: Logger;
  /** Hands a caller to SMS to open a wallet (sessions started with `openBySms`). */
  handOff?: Pick<SmsHandOff, 'offerOpen'>;
}

/** How a channel starts a session when none is stored (see `userProfile` and `pendingPaymentRequest`). */
export interface SessionStart {
  flow: SessionFlowId;
  msisdn: string;
  locale: Locale;
  /** The caller has a wallet (not closed): the full menu; otherwise the offer to open one. */
  registered: boolean;
  /** A merchant's payment request waiting for the caller's PIN: the session opens on it. */
  request?: PaymentRequest;
  /** Opening a wallet goes by SMS (the agreement sent there, `A` there opens it): a voice channel. */
  openBySms?: boolean;
}

/**
 * What the user asked of the session itself rather than of the flow (`repeat`: the screen shown again).
 * `back` comes from a key that is also an answer (USSD's and the IVR's `0`): a screen that takes `0`
 * answers it itself. `previous` comes from a key that is nothing else (the STK's backward move): only a
 * menu's own `0` (back, exit) stands for it, never a question's (freezing for 0 days); with no screen
 * behind, the screen is shown again.
 */
export type Navigation = 'back' | 'previous' | 'home' | 'more' | 'repeat';

export interface StepOptions {
  /** Names the request among its retries (USSD: the `text` path): the same again replays its answer. */
  request?: string;
  /** Back one screen, to the root menu, the next page of the screen shown, or that screen again. */
  nav?: Navigation;
  /** How many pages the channel needs to show a screen (for `more`). Default 1. */
  pages?: (screen: Screen) => number;
  /** The request id, for the log line of an unknown error. */
  requestId?: string;
  /**
   * Reads the input from the last request the session answered (USSD: what `text` adds to the path
   * answered before; nothing for a new session). Used instead of the event and `nav` when given.
   */
  inputOf?: (lastRequest: string | undefined, isNew: boolean) => { input: FlowInput; nav?: Navigation };
  /** A new session offers first to resume this dropped session of the caller (USSD, within its TTL). */
  resume?: string;
}

/** A screen and the page of it to show. */
export interface View {
  screen: Screen;
  page: number;
  /** The session is over (USSD `END`). */
  final: boolean;
}

export interface SessionRunner {
  /**
   * Runs one step. With no stored session, `start` starts the flow and its first screen is returned (the
   * event is sent too unless it is an empty text, which is how USSD opens a session); with neither, the
   * answer is a final "session expired" message.
   */
  step(
    channel: SessionChannel,
    sessionId: string,
    start: SessionStart | (() => Promise<SessionStart>) | null,
    event: FlowInput,
    options?: StepOptions,
  ): Promise<Screen>;
  /** `step`, answering the page to show and whether the session ended as well. */
  view(
    channel: SessionChannel,
    sessionId: string,
    start: SessionStart | (() => Promise<SessionStart>) | null,
    event: FlowInput,
    options?: StepOptions,
  ): Promise<View>;
  /**
   * One menu step inside a runtime step a channel runs itself, to keep state of its own beside the
   * menu's in the same record (STK: the command outstanding): `scope.saved` is the menu's state as this
   * step kept it, and the outcome's `keep` is what to keep of the menu.
   */
  stepIn(
    scope: StepScope,
    channel: SessionChannel,
    sessionId: string,
    start: SessionStart | (() => Promise<SessionStart>) | null,
    event: FlowInput,
    options?: StepOptions,
  ): Promise<StepOutcome<View>>;
  readonly runtime: SessionRuntime;
}

/** What a menu session keeps between steps. */
interface MenuState {
  flow: SessionFlowId;
  snapshot: unknown;
  /** The screens shown before this one on the way here, oldest (the root) first. */
  history: Shown[];
  page: number;
}

/** A new dial asked whether to resume the dropped session `resume`. */
interface OfferState {
  resume: string;
  locale: Locale;
}

const HISTORY_MAX = 12;

/** A menu session's flow left running in this process after a step (the runtime keeps it beside the record). */
class LiveFlow implements LiveState {
  constructor(
    readonly flow: SessionFlowId,
    readonly actor: AnyActorRef,
  ) {}
  dispose(): void {
    this.actor.stop();
  }
}

/** A screen shown before: where the flow was (`whereIs`) and its snapshot there. */
interface Shown {
  at: string;
  snapshot: unknown;
}

/**
 * The screens behind the one now shown at `now`, after leaving `left`: back at a screen already behind
 * (the account menu's own `0`, a journey handing back to the root), the way there is all that stays
 * behind it, so the history never grows round a loop; otherwise `left` is one more, the oldest dropped
 * past HISTORY_MAX.
 */
function historyAfter(history: Shown[], left: Shown, now: string): Shown[] {
  const again = history.findIndex((shown) => shown.at === now);
  if (again >= 0) return history.slice(0, again);
  return [...history, left].slice(-HISTORY_MAX);
}
const finalText = (value: string): Screen => ({ kind: 'message', text: value, final: true });

/** Where a flow is, however deep its journeys: two snapshots there show the same screen. */
function whereIs(snapshot: AnyMachineSnapshot): string {
  const at: unknown[] = [];
  let current: AnyMachineSnapshot | undefined = snapshot;
  while (current) {
    at.push(current.value);
    const child: { getSnapshot(): AnyMachineSnapshot } | undefined = (
      current.children as Record<string, { getSnapshot(): AnyMachineSnapshot } | undefined>
    ).journey;
    current = child?.getSnapshot();
  }
  return JSON.stringify(at);
}

/**
 * The screen takes `key` as an answer of its own (the root's `0` exits, the account menu's `0` goes back,
 * freezing for `0` days means until unfrozen): the flow answers it, not the session's navigation.
 */
const answers = (screen: Screen, key: string) =>
  screen.kind === 'menu'
    ? screen.options.some((o) => o.id === key)
    : screen.kind === 'prompt' && (screen.input.answers ?? []).includes(key);

export function createSessionRunner(options: SessionRunnerOptions): SessionRunner {
  // Its own options name what a runtime needs (Redis, keys, prefix, bus, deadline): one is made from them.
  const runtime = options.runtime ?? createSessionRuntime(options);
  const { metrics } = runtime;
  const log = options.logger ?? defaultLogger;
  const defaultLocale = options.defaultLocale ?? 'zh-CN';
  const handOff = options.handOff;
  const offerOpen = handOff
    ? fromPromise<void, { msisdn: string }>(({ input }) => handOff.offerOpen(input.msisdn))
    : undefined;
  const machines = new Map<SessionFlowId, AnyStateMachine>();
  const machineOf = (flow: SessionFlowId) => {
    let machine = machines.get(flow);
    if (!machine) {
      machine = bindFlow(flow, runtime.runCommand, offerOpen);
      machines.set(flow, machine);
    }
    return machine;
  };

  /** The offer to resume a dropped session, in the caller's language. */
  const resumeScreen = (locale: Locale, invalid = false): Screen => {
    const screen: Screen = {
      kind: 'menu',
      title: text(locale, 'flow.resume.title'),
      options: [
        { id: '1', label: text(locale, 'flow.resume.yes') },
        { id: '2', label: text(locale, 'flow.resume.no') },
      ],
    };
    return invalid ? { ...screen, title: `${text(locale, 'flow.menu.invalid')}\n${screen.title}` } : screen;
  };

  /** The dropped session's state; one itself left at a resume offer leads on to the session it offered. */
  async function takeDropped(channel: SessionChannel, sessionId: string): Promise<MenuState | null> {
    let state = (await runtime.take(channel, sessionId)) as MenuState | OfferState | null;
    for (let hops = 0; state && 'resume' in state && hops < 3; hops++)
      state = (await runtime.take(channel, state.resume)) as MenuState | OfferState | null;
    return state && !('resume' in state) ? state : null;
  }

  async function view(
    channel: SessionChannel,
    sessionId: string,
    start: SessionStart | (() => Promise<SessionStart>) | null,
    event: FlowInput,
    stepOptions: StepOptions = {},
  ): Promise<View> {
    return runtime.step<View>({
      channel,
      sessionId,
      request: stepOptions.request,
      requestId: stepOptions.requestId,
      commandTimeoutMs: options.commandTimeoutMs,
      run: (scope) => stepIn(scope, channel, sessionId, start, event, stepOptions),
    });
  }

  async function stepIn(
    scope: StepScope,
    channel: SessionChannel,
    sessionId: string,
    start: SessionStart | (() => Promise<SessionStart>) | null,
    event: FlowInput,
    stepOptions: StepOptions = {},
  ): Promise<StepOutcome<View>> {
    const beginOf = async () => (typeof start === 'function' ? await start() : start);
    // The flow the last step left running here, standing for the saved snapshot: this step owns it,
    // and lets it go unless it runs on.
    let live = scope.live instanceof LiveFlow ? scope.live : null;
    if (scope.live && !live) scope.live.dispose();
    const reuse = (flow: SessionFlowId): AnyActorRef | null => {
      const running = live?.flow === flow ? live.actor : null;
      if (running) live = null;
      return running;
    };
    try {
      return await runStep();
    } finally {
      live?.dispose();
    }

    async function runStep(): Promise<StepOutcome<View>> {
      let saved = scope.saved as (MenuState & { resume?: undefined }) | OfferState | null;
      const read = stepOptions.inputOf?.(scope.lastRequest, saved === null) ?? null;
      let input = read?.input ?? event;
      let nav = read ? read.nav : stepOptions.nav;
      if (saved && 'resume' in saved && saved.resume !== undefined) {
        // The caller was asked whether to resume a dropped session: `1` takes it over, `2` starts anew.
        const offer: OfferState = saved;
        const choice = typed(input);
        const taken = choice === '1' ? await takeDropped(channel, offer.resume) : null;
        if (choice === '1' && taken) {
          const actor = scope.actor(machineOf(taken.flow), { snapshot: taken.snapshot });
          const screen = screenOf(actor.getSnapshot());
          actor.stop();
          return { answer: { screen, page: 0, final: false }, keep: { ...taken, page: 0 } };
        }
        if (choice !== '1' && choice !== '2') {
          return {
            answer: { screen: resumeScreen(offer.locale, true), page: 0, final: false },
            keep: offer,
          };
        }
        // `2`, or `1` when the dropped session has gone meanwhile: start afresh.
        saved = null;
        input = { type: 'TEXT', text: '' };
        nav = undefined;
      }
      let state: MenuState;
      let actor: AnyActorRef;
      let send = true;
      if (saved) {
        // A record kept before history named where each screen was holds bare snapshots: those go.
        state = {
          ...(saved as MenuState),
          history: (saved as MenuState).history.filter((h) => h && 'at' in h),
        };
        const running = reuse(state.flow);
        if (running) {
          // The same flow, still running from the last step here: no need to rebuild it.
          actor = running;
          scope.adopt(actor);
        } else {
          // A persisted snapshot is plain JSON; XState rebuilds the state (and the running journey) from it.
          actor = scope.actor(machineOf(state.flow), { snapshot: state.snapshot });
        }
      } else {
        const begin = await beginOf();
        if (!begin) {
          const screen = finalText(text(defaultLocale, 'flow.expired'));
          return { answer: { screen, page: 0, final: true }, keep: null, end: 'expired' };
        }
        if (stepOptions.resume && scope.saved === null) {
          const offer: OfferState = { resume: stepOptions.resume, locale: begin.locale };
          return { answer: { screen: resumeScreen(begin.locale), page: 0, final: false }, keep: offer };
        }
        const { msisdn, locale, registered, request, openBySms } = begin;
        // Of the request, only what its screens need goes into the snapshot.
        const shown = request && {
          holdId: request.holdId,
          merchantName: request.merchantName,
          amount: request.amount,
        };
        const menuInput: MenuStart = {
          msisdn,
          locale,
          registered,
          channel,
          request: shown,
          ...(openBySms ? { openBySms } : {}),
        };
        state = { flow: begin.flow, snapshot: null, history: [], page: 0 };
        actor = scope.actor(machineOf(begin.flow), { input: menuInput });
        // An empty text opens the session (USSD): its first screen, nothing sent.
        send = !(input.type === 'TEXT' && input.text.trim() === '');
        nav = undefined;
        // An input applied at once (an STK item chosen on the SIM's own menu, which is the root menu)
        // moves on from the first screen, which then stays behind it: `back` returns there.
        if (send) state = { ...state, snapshot: actor.getPersistedSnapshot() };
      }
      // Handed on to the next step with what is kept, unless the session ends or fails.
      let handedOn = false;
      const goOn = (answer: View, keep: MenuState): StepOutcome<View> => {
        handedOn = true;
        return { answer, keep, live: new LiveFlow(keep.flow, actor) };
      };
      try {
        const before = actor.getSnapshot();
        const shownNow = screenOf(before);
        // Read now: a snapshot's journey is a live actor, which the event moves on.
        const wasAt = whereIs(before);
        const wasIn = journeyAt(before);
        // `more` on a screen of one page is an answer like any other (98 may be an amount).
        if (nav === 'more' && (stepOptions.pages?.(shownNow) ?? 1) <= 1) nav = undefined;
        // The screen shown, again (the IVR's `*`): nothing goes to the flow.
        if (nav === 'repeat') return goOn({ screen: shownNow, page: state.page, final: false }, state);
        if (nav === 'more' || (nav === 'home' && state.history.length === 0)) {
          const pages = stepOptions.pages?.(shownNow) ?? 1;
          const page = nav === 'more' ? Math.min(state.page + 1, pages - 1) : 0;
          return goOn({ screen: shownNow, page, final: false }, { ...state, page });
        }
        // The screen's own `0` (see Navigation): sent to the flow as the input the channel gave (`0`).
        const ownZero =
          nav === 'previous' ? shownNow.kind === 'menu' && answers(shownNow, '0') : answers(shownNow, '0');
        const goBack = (nav === 'back' || nav === 'previous') && !ownZero;
        if (nav === 'home' || (goBack && state.history.length > 0)) {
          const to = (nav === 'home' ? state.history[0] : state.history[state.history.length - 1]).snapshot;
          actor.stop();
          actor = scope.actor(machineOf(state.flow), { snapshot: to });
          const history = nav === 'home' ? [] : state.history.slice(0, -1);
          const kept: MenuState = { ...state, snapshot: to, history, page: 0 };
          return goOn({ screen: screenOf(actor.getSnapshot()), page: 0, final: false }, kept);
        }
        // Nothing behind, and `0` is no answer here: the screen again.
        if (nav === 'previous' && goBack)
          return goOn({ screen: shownNow, page: state.page, final: false }, state);
        if (send) actor.send(input);
        // Most steps run no command: settled at once, without waitFor's promise and timer.
        const sent = actor.getSnapshot();
        const settled = isBusy(sent)
          ? await waitFor(actor, (s) => !isBusy(s), { timeout: options.commandTimeoutMs + 5_000 })
          : sent;
        if (settled.status === 'error') throw settled.error;
        const screen = screenOf(settled);
        if (isFinal(settled)) {
          // The last screen belongs to the journey that ended with it (done by now, so read before).
          metrics.flowStep(channel, wasIn, 'final');
          return { answer: { screen, page: 0, final: true }, keep: null };
        }
        metrics.flowStep(channel, journeyAt(settled), screen.kind);
        // A new session has nothing behind its first screen unless an input moved it on at once.
        const moved = state.snapshot !== null && wasAt !== whereIs(settled);
        const history = moved
          ? historyAfter(state.history, { at: wasAt, snapshot: state.snapshot }, whereIs(settled))
          : state.history;
        const snapshot = actor.getPersistedSnapshot();
        return goOn({ screen, page: 0, final: false }, { ...state, snapshot, history, page: 0 });
      } catch (err) {
        // A bug, not a refusal (refusals are results): say so in the log, end the session kindly.
        log.error({ err, channel, sessionId, requestId: stepOptions.requestId }, 'session step failed');
        const locale =
          (actor.getSnapshot().context as { locale?: Locale } | undefined)?.locale ?? defaultLocale;
        const screen = finalText(text(locale, 'flow.error'));
        return { answer: { screen, page: 0, final: true }, keep: null, end: 'error' };
      } finally {
        if (!handedOn) actor.stop();
      }
    }
  }

  return {
    view,
    stepIn,
    async step(channel, sessionId, start, event, stepOptions) {
      return (await view(channel, sessionId, start, event, stepOptions)).screen;
    },
    runtime,
  };
}
