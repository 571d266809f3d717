/**
 * How channels and the API hand commands to the workers. `send` enqueues (the job id is the command's
 * idempotency key, so sending twice is a no-op); `execute` also waits for the result, up to a
 * deadline: a USSD or IVR step cannot wait long, and past the deadline the user is told the result
 * comes by SMS (the command still runs, exactly once).
 */
import { type JobsOptions, Queue, QueueEvents } from 'bullmq';
import { type Keyring, normalizeMsisdn, type Redis } from '../lib/index.js';
import {
  AUDIT_ID,
  type Command,
  type CommandResult,
  type CommandType,
  fingerprintOf,
  partitionKey,
  REPLY_BY,
  REQUEST_ID,
  sealSecrets,
} from '../commands/index.js';
import {
  auditedJobIdOf,
  commandQueueName,
  ENVELOPE,
  type Envelope,
  envelopeIdOf,
  fnv1a,
  jobIdOf,
} from './names.js';

export const commandJobOptions: JobsOptions = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 100 },
  // Finished jobs stay a day so a duplicate enqueue finds them; the ledger's own idempotency covers the rest.
  removeOnComplete: { age: 24 * 3600, count: 200_000 },
  removeOnFail: { age: 14 * 24 * 3600 },
};

/** The outcome of `execute` when the command's job failed (its retries spent, or it could never run). */
const FAILED: CommandResult = {
  ok: false,
  error: { code: 'failed', message: 'the command could not be completed; operators have been alerted' },
};

/** The pending outcome of `execute` when the deadline passes first. */
export const PENDING: CommandResult = {
  ok: false,
  error: { code: 'pending', message: 'accepted; the result will come by SMS' },
};

/**
 * How an awaited command (`execute`) ended for its caller: `answered` (its result, a success or a refusal,
 * came in time), `late` (the deadline passed first: the caller said the result comes by SMS, or answered
 * 202), `error` (its job failed: "operators have been alerted").
 */
export type WaitOutcome = 'answered' | 'late' | 'error';

/**
 * What the bus reports for metrics: each awaited command, as its caller saw it (the gateway's view, where
 * channels and the API wait, whichever process runs the workers). Labels: a command type and the outcome.
 */
export interface CommandWaitMetrics {
  waited(type: CommandType, outcome: WaitOutcome, seconds: number): void;
}

export interface CommandBusOptions {
  connection: Redis;
  /** Seals commands' secrets before they reach Redis and keys their fingerprints. */
  keys: Keyring;
  /** A factory for the blocking connections QueueEvents need. */
  blockingConnection: () => Redis;
  prefix: string;
  partitions: number;
  /** Commands packed into one job by `sendMany`. Default 100. */
  commandsPerJob?: number;
  /**
   * Runs read-only commands (balance, statement) in this process instead of through the queue: a read has
   * no effect to make exactly once, and a queue round trip would only add latency. Writes always queue.
   */
  reads?: {
    isReadOnly(type: CommandType): boolean;
    run(command: Command): Promise<CommandResult>;
  };
  /** Where awaited commands are reported. Default: nowhere. */
  metrics?: CommandWaitMetrics;
}

export class CommandBus {
  private readonly queues: Queue[];
  private readonly events = new Map<number, QueueEvents>();

  constructor(private readonly options: CommandBusOptions) {
    this.queues = Array.from(
      { length: options.partitions },
      (_, i) => new Queue(commandQueueName(i), { connection: options.connection, prefix: options.prefix }),
    );
    // Every add in flight listens for the queue closing; hundreds at once are normal here, not a leak.
    for (const q of this.queues) q.setMaxListeners(10_000);
  }

  get allQueues(): readonly Queue[] {
    return this.queues;
  }

  partitionOf(command: Command): number {
    const key = partitionKey(command);
    return fnv1a(normalizeMsisdn(key) ?? key) % this.options.partitions;
  }

  /** The job id of a command: its key and its keyed fingerprint. */
  jobIdOf(command: Command): string {
    return jobIdOf(command.key, fingerprintOf(this.options.keys, command));
  }

  /** One job for many commands: sealed and fingerprinted once, not once per command. */
  private envelopeOf(commands: Command[]) {
    const json = JSON.stringify(commands.map((c) => ({ key: c.key, type: c.type, input: c.input })));
    const { keys } = this.options;
    return {
      name: ENVELOPE,
      data: { sealed: keys.seal(json) } satisfies Envelope,
      opts: { ...commandJobOptions, jobId: envelopeIdOf(keys.fingerprint(json)) },
    };
  }

  /** What a job carries: the input with its secrets sealed. */
  private dataOf(command: Command): unknown {
    return sealSecrets(this.options.keys, command.input);
  }

  async send<T extends CommandType>(command: Command<T>): Promise<void> {
    await this.queues[this.partitionOf(command)].add(command.type, this.dataOf(command), {
      ...commandJobOptions,
      jobId: this.jobIdOf(command),
    });
  }

  /**
   * Enqueues many at once (bulk producers: the scheduler, imports, benchmarks), grouped by partition and
   * packed `perJob` to a job (an envelope): BullMQ's own cost per job, not the ledger, is what limits a
   * queue of small commands. An envelope's id is the fingerprint of what it holds, so sending the same
   * list twice is one job; a command sent again on its own is another job that the ledger answers from
   * its stored result, so nothing applies twice either way.
   */
  async sendMany(commands: Command[], perJob = this.options.commandsPerJob ?? 100): Promise<void> {
    const byPartition = new Map<number, Command[]>();
    for (const c of commands) {
      const p = this.partitionOf(c);
      const list = byPartition.get(p);
      if (list) list.push(c);
      else byPartition.set(p, [c]);
    }
    await Promise.all(
      [...byPartition].map(([p, list]) => {
        const jobs = [];
        for (let i = 0; i < list.length; i += perJob) {
          const slice = list.slice(i, i + perJob);
          jobs.push(
            slice.length === 1
              ? {
                  name: slice[0].type,
                  data: this.dataOf(slice[0]),
                  opts: { ...commandJobOptions, jobId: this.jobIdOf(slice[0]) },
                }
              : this.envelopeOf(slice),
          );
        }
        return this.queues[p].addBulk(jobs as never);
      }),
    );
  }

  /**
   * Enqueues and waits for the result; `PENDING` when `timeoutMs` passes first. The deadline covers the
   * enqueue too: while Redis is unreachable ioredis holds the add and sends it when Redis is back, so
   * the command is still accepted, and the caller must not hang meanwhile.
   *
   * `smsIfLate`: the caller is a user on a channel that stops waiting at the deadline (USSD, IVR, SMS)
   * and is told the result comes by SMS. The command carries the deadline, and a refusal that comes near
   * or after it is sent to the user by SMS (a success sends its own). Operator and merchant calls don't
   * set it: they read the result later.
   *
   * `requestId`: the HTTP request's id, carried with the job so the worker's log lines about the command
   * carry it too (not part of the command's fingerprint).
   *
   * `auditId`: the operator's audit row written ahead of the command; the command's own transaction sets
   * its outcome. Each audited call is a job of its own (the row's id is in the job id), so an operator
   * repeating a call (a top-up of the same reference) reaches the runner, which answers from the stored
   * result and settles that call's row too: no row waits on a job it is not part of.
   */
  async execute<T extends CommandType>(
    command: Command<T>,
    timeoutMs = 10_000,
    options: { smsIfLate?: boolean; requestId?: string | null; auditId?: string } = {},
  ): Promise<CommandResult> {
    const began = performance.now();
    const result = await this.resultOf(command, timeoutMs, options);
    const outcome: WaitOutcome = result === PENDING ? 'late' : result === FAILED ? 'error' : 'answered';
    this.options.metrics?.waited(command.type, outcome, (performance.now() - began) / 1000);
    return result;
  }

  /** `execute` without its metrics: the command run in place or on a worker, within the deadline. */
  private async resultOf<T extends CommandType>(
    command: Command<T>,
    timeoutMs: number,
    options: { smsIfLate?: boolean; requestId?: string | null; auditId?: string },
  ): Promise<CommandResult> {
    const deadline = Date.now() + timeoutMs;
    if (options.smsIfLate)
      command = { ...command, input: { ...(command.input as object), [REPLY_BY]: deadline } as never };
    if (options.requestId)
      command = {
        ...command,
        input: { ...(command.input as object), [REQUEST_ID]: options.requestId } as never,
      };
    if (options.auditId)
      command = { ...command, input: { ...(command.input as object), [AUDIT_ID]: options.auditId } as never };
    const reads = this.options.reads;
    if (reads?.isReadOnly(command.type)) {
      const result = await withinDeadline(reads.run(command), timeoutMs);
      return result ?? PENDING;
    }
    const partition = this.partitionOf(command);
    const enqueued = (async () => {
      const events = await this.eventsOf(partition);
      const jobId = options.auditId
        ? auditedJobIdOf(this.jobIdOf(command), options.auditId)
        : this.jobIdOf(command);
      const job = await this.queues[partition].add(command.type, this.dataOf(command), {
        ...commandJobOptions,
        jobId,
      });
      return { events, job };
    })();
    const ready = await withinDeadline(enqueued, deadline - Date.now());
    if (!ready) return PENDING;
    try {
      return (await ready.job.waitUntilFinished(
        ready.events,
        Math.max(1, deadline - Date.now()),
      )) as CommandResult;
    } catch (err) {
      if (/timed out/i.test(String((err as Error).message))) return PENDING;
      return FAILED;
    }
  }

  private async eventsOf(partition: number): Promise<QueueEvents> {
    let events = this.events.get(partition);
    if (!events) {
      events = new QueueEvents(commandQueueName(partition), {
        connection: this.options.blockingConnection(),
        prefix: this.options.prefix,
      });
      this.events.set(partition, events);
      await events.waitUntilReady();
    }
    return events;
  }

  async close(): Promise<void> {
    await Promise.all([...this.events.values()].map((e) => e.close()));
    await Promise.all(this.queues.map((q) => q.close()));
  }
}

/** The promise's value, or null when `ms` passes first (the promise goes on; its error is dropped). */
function withinDeadline<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  promise.catch(() => undefined);
  return Promise.race([
    promise,
    new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), Math.max(0, ms)))),
  ]).finally(() => clearTimeout(timer));
}
