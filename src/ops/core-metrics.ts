/**
 * The metrics of the core, in prom-client: what the session runtime (every channel's steps and
 * sessions), the flows (the screens they answer), the command runner (commands run here) and the command
 * bus (commands awaited) report through their hooks. The layers below know only the hook interfaces;
 * this class is made with the process's parts (main's context) and registered on each app's registry.
 *
 * - `fen_session_steps_total{channel, outcome}`: steps on the one session runtime, `outcome` `answered`,
 *   `replayed` (a retried request answered from the record), `busy` (503), `failed`;
 *   `fen_session_step_seconds{channel}`; `fen_sessions_started_total{channel}`,
 *   `fen_sessions_ended_total{channel, how}` (`final`, `error`, `expired`, `closed`).
 * - `fen_flow_steps_total{channel, flow, screen}`: screens the flows answered, by the journey (a machine id
 *   of `flows/`; on SMS the keyword's kind) and the screen's kind (`menu`, `prompt`, `message`, `final`).
 * - `fen_commands_total{type, outcome}` and `fen_command_seconds{type}`: commands run in this process,
 *   `outcome` `ok`, the refusal code, or `error` (thrown). They count where the workers run: with the
 *   default `npm start`, on the gateway's `/metrics`; with `npm run worker` in a process of its own, in
 *   that process, which serves no `/metrics` (only the reads the gateway runs in place count here then).
 * - `fen_command_waits_total{type, outcome}` and `fen_command_wait_seconds{type}`: commands a channel or
 *   the API waited for, `outcome` `answered`, `late` (the deadline passed: "the result comes by SMS", or
 *   202) or `error` (the job failed). Always the gateway's, wherever the workers run.
 *
 * Labels are small fixed sets, never an MSISDN, a session, an amount or a reference. A step must stay
 * cheap (it is benchmarked): each label set's child is made once and kept, so a step builds no labels
 * object; prom-client still hashes a child's labels on each increment.
 */
import { Counter, Histogram, type Metric, type Registry } from 'prom-client';
import type { CommandMetrics } from '../commands/index.js';
import type { CommandWaitMetrics, WaitOutcome } from '../queue/index.js';
import type {
  ScreenKind,
  SessionChannel,
  SessionEnd,
  SessionMetrics,
  StepResult,
} from '../sessions/index.js';

/** Seconds: a step is milliseconds; a command waited for may take up to its channel's deadline. */
const STEP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const COMMAND_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Children of a metric by up to two label values, made on first use and kept. */
class Children<C> {
  private readonly byFirst = new Map<string, Map<string, C>>();
  constructor(private readonly make: (first: string, second: string) => C) {}
  get(first: string, second = ''): C {
    let inner = this.byFirst.get(first);
    if (!inner) {
      inner = new Map();
      this.byFirst.set(first, inner);
    }
    let child = inner.get(second);
    if (child === undefined) {
      child = this.make(first, second);
      inner.set(second, child);
    }
    return child;
  }
}

type Inc = { inc(value?: number): void };
type Observe = { observe(value: number): void };

export class CoreMetrics implements SessionMetrics, CommandMetrics, CommandWaitMetrics {
  private readonly steps = new Counter({
    name: 'fen_session_steps_total',
    help: 'Session steps on the session runtime, by channel and outcome (answered, replayed, busy, failed)',
    labelNames: ['channel', 'outcome'],
    registers: [],
  });
  private readonly stepSeconds = new Histogram({
    name: 'fen_session_step_seconds',
    help: 'Time of a session step (the lock, the flow and its command waits), by channel',
    labelNames: ['channel'],
    buckets: STEP_BUCKETS,
    registers: [],
  });
  private readonly startedTotal = new Counter({
    name: 'fen_sessions_started_total',
    help: 'Sessions begun, by channel',
    labelNames: ['channel'],
    registers: [],
  });
  private readonly endedTotal = new Counter({
    name: 'fen_sessions_ended_total',
    help: 'Sessions ended, by channel and how (final, error, expired, closed)',
    labelNames: ['channel', 'how'],
    registers: [],
  });
  private readonly flowSteps = new Counter({
    name: 'fen_flow_steps_total',
    help: 'Screens the flows answered, by channel, journey (on SMS the keyword) and screen kind',
    labelNames: ['channel', 'flow', 'screen'],
    registers: [],
  });
  private readonly commands = new Counter({
    name: 'fen_commands_total',
    help: 'Commands run in this process, by type and outcome (ok, the refusal code, or error)',
    labelNames: ['type', 'outcome'],
    registers: [],
  });
  private readonly commandSeconds = new Histogram({
    name: 'fen_command_seconds',
    help: 'Time to run a command in this process (checks, batch and transaction), by type',
    labelNames: ['type'],
    buckets: COMMAND_BUCKETS,
    registers: [],
  });
  private readonly waits = new Counter({
    name: 'fen_command_waits_total',
    help: 'Commands a channel or the API waited for, by type and outcome (answered, late, error)',
    labelNames: ['type', 'outcome'],
    registers: [],
  });
  private readonly waitSeconds = new Histogram({
    name: 'fen_command_wait_seconds',
    help: 'Time a channel or the API waited for a command (cut at its deadline), by type',
    labelNames: ['type'],
    buckets: COMMAND_BUCKETS,
    registers: [],
  });

  private readonly stepChildren = new Children<Inc>((c, o) => this.steps.labels(c, o));
  private readonly stepTimers = new Children<Observe>((c) => this.stepSeconds.labels(c));
  private readonly startedChildren = new Children<Inc>((c) => this.startedTotal.labels(c));
  private readonly endedChildren = new Children<Inc>((c, how) => this.endedTotal.labels(c, how));
  /** By channel and flow: the four screen kinds' children at once. */
  private readonly flowChildren = new Children<Record<ScreenKind, Inc>>((c, flow) => ({
    menu: this.flowSteps.labels(c, flow, 'menu'),
    prompt: this.flowSteps.labels(c, flow, 'prompt'),
    message: this.flowSteps.labels(c, flow, 'message'),
    final: this.flowSteps.labels(c, flow, 'final'),
  }));
  private readonly commandChildren = new Children<Inc>((t, o) => this.commands.labels(t, o));
  private readonly commandTimers = new Children<Observe>((t) => this.commandSeconds.labels(t));
  private readonly waitChildren = new Children<Inc>((t, o) => this.waits.labels(t, o));
  private readonly waitTimers = new Children<Observe>((t) => this.waitSeconds.labels(t));

  step(channel: SessionChannel, result: StepResult, seconds: number): void {
    this.stepChildren.get(channel, result).inc();
    this.stepTimers.get(channel).observe(seconds);
  }

  started(channel: SessionChannel): void {
    this.startedChildren.get(channel).inc();
  }

  ended(channel: SessionChannel, how: SessionEnd): void {
    this.endedChildren.get(channel, how).inc();
  }

  flowStep(channel: SessionChannel, flow: string, kind: ScreenKind): void {
    this.flowChildren.get(channel, flow)[kind].inc();
  }

  ran(type: string, outcome: string, seconds: number): void {
    this.commandChildren.get(type, outcome).inc();
    this.commandTimers.get(type).observe(seconds);
  }

  waited(type: string, outcome: WaitOutcome, seconds: number): void {
    this.waitChildren.get(type, outcome).inc();
    this.waitTimers.get(type).observe(seconds);
  }

  /** Puts every series on an app's registry (each app has its own; one set of counters feeds them all). */
  register(registry: Registry): void {
    const all: Metric<string>[] = [
      this.steps,
      this.stepSeconds,
      this.startedTotal,
      this.endedTotal,
      this.flowSteps,
      this.commands,
      this.commandSeconds,
      this.waits,
      this.waitSeconds,
    ];
    for (const metric of all) registry.registerMetric(metric);
  }
}
