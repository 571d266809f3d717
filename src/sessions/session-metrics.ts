/**
 * What the sessions report for metrics, as plain callbacks (prom-client or anything else behind them; the
 * app wires them where it builds its registry, as the SMPP link's hooks are). Every label is a small fixed
 * set: a channel, an outcome, a flow's machine id, a screen kind; never who, what session or how much.
 * Called on every step, so an implementation must be cheap (no allocation per call).
 */
import type { SessionChannel } from './session-store.js';

/**
 * How a step ended: `answered` (it ran), `replayed` (a retried request answered from the record, nothing
 * run), `busy` (another step held the session past the wait: 503), `failed` (it threw).
 */
export type StepResult = 'answered' | 'replayed' | 'busy' | 'failed';

/**
 * How a session ended: `final` (its last screen, the user's or the flow's end), `error` (a step failed
 * and the session was closed with an apology), `expired` (a step came for a session that had lapsed),
 * `closed` (the channel closed it: the user or network ended the dialog or call, a new dial took it over,
 * a WAP logout). A session left to lapse unseen is not counted ended.
 */
export type SessionEnd = 'final' | 'error' | 'expired' | 'closed';

/** The kind of screen a flow answered with: a menu, a prompt for input, a message, or the last screen. */
export type ScreenKind = 'menu' | 'prompt' | 'message' | 'final';

export interface SessionMetrics {
  /** One step of a session on `channel`: how it ended, and its time in seconds (the lock's wait included). */
  step(channel: SessionChannel, result: StepResult, seconds: number): void;
  /** A step began a session (there was none). */
  started(channel: SessionChannel): void;
  /** A session ended, and how. */
  ended(channel: SessionChannel, how: SessionEnd): void;
  /**
   * A flow answered a step with a screen of `kind`. `flow`: the journey the user is in (a machine id of
   * `flows/`: `menu`, `pay`, `changePin`…), for the last screen the one the user answered in (a journey
   * begun and ended in one step, a balance from the root menu, counts under `menu`); on SMS, the
   * keyword's kind (`pay`, `balance`, `confirm`…).
   */
  flowStep(channel: SessionChannel, flow: string, kind: ScreenKind): void;
}

/** Reports nothing: the default where no metrics are wired (tests, tools). */
export const noSessionMetrics: SessionMetrics = {
  step() {},
  started() {},
  ended() {},
  flowStep() {},
};
