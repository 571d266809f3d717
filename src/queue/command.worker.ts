/**
 * The command workers: one BullMQ worker per partition, thin. Each job is decoded into a command and
 * handed to the runner; with `concurrency` N, up to N jobs wait together in the runner's batcher and
 * share one transaction. A refusal is a result (the job completes); a thrown error is a transient
 * failure that BullMQ retries with backoff; a command that can never run fails at once and stays in
 * the failed set for operators.
 */
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { logger, type Redis } from '../lib/index.js';
import {
  AUDIT_ID,
  type Command,
  type CommandResult,
  type CommandRunner,
  type CommandType,
  InvalidCommandError,
  REQUEST_ID,
} from '../commands/index.js';
import { commandQueueName, ENVELOPE, type Envelope, keyOfJob } from './names.js';

export interface CommandWorkerOptions {
  connection: () => Redis;
  prefix: string;
  partitions: number;
  concurrency: number;
  lockDuration: number;
  runner: CommandRunner;
  /** Called after every completed job (the outbox relay listens, to forward notifications at once). */
  onCompleted?: () => void;
}

/** In an envelope a command that can never run is answered as invalid, so the others still complete. */
function asRefusalOrThrow(err: unknown): CommandResult {
  if (err instanceof InvalidCommandError)
    return { ok: false, error: { code: 'invalid', message: err.message } };
  throw err;
}

/** A transport field of a job's command (`REQUEST_ID`, `AUDIT_ID`), when it carries one. */
function transportOf(job: Job, field: string): string | undefined {
  const data: unknown = job.data;
  if (data === null || typeof data !== 'object' || !(field in data)) return undefined;
  const value = (data as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}

/** The id of the HTTP request a job's command came from, when it came from one. */
const requestIdOf = (job: Job) => transportOf(job, REQUEST_ID);

export function startCommandWorkers(options: CommandWorkerOptions): Worker[] {
  const handle = async (job: Job): Promise<CommandResult | CommandResult[]> => {
    if (job.name === ENVELOPE) {
      // Every command of the envelope meets the others in the batcher. One that throws (a transient
      // failure) fails the job; the retry gets the finished ones' stored results back, applies the rest.
      let commands: Command[];
      try {
        commands = options.runner.openEnvelope(job.data as Envelope);
      } catch (err) {
        if (err instanceof InvalidCommandError) throw new UnrecoverableError(err.message);
        throw err;
      }
      return Promise.all(commands.map((c) => options.runner.run(c).catch(asRefusalOrThrow)));
    }
    try {
      const result = await options.runner.run({
        key: keyOfJob(job.id!),
        type: job.name as CommandType,
        input: job.data,
      });
      // A command an HTTP request asked for (an operator's, a merchant's): its outcome under the
      // request's id, so one id leads from the request line through the queue to the ledger's answer.
      const reqId = requestIdOf(job);
      if (reqId)
        logger.info(
          { reqId, key: keyOfJob(job.id!), type: job.name, outcome: result.ok ? 'ok' : result.error.code },
          'command done',
        );
      return result;
    } catch (err) {
      if (err instanceof InvalidCommandError) throw new UnrecoverableError(err.message);
      throw err;
    }
  };
  return Array.from({ length: options.partitions }, (_, i) => {
    const worker = new Worker(commandQueueName(i), handle, {
      connection: options.connection(),
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDuration,
      stalledInterval: Math.max(500, Math.floor(options.lockDuration / 2)),
      maxStalledCount: 5,
    });
    worker.on('failed', (job, err) => {
      logger.warn(
        {
          reqId: job ? requestIdOf(job) : undefined,
          jobId: job?.id,
          type: job?.name,
          attempts: job?.attemptsMade,
          err: err.message,
        },
        'command failed',
      );
      // Failed for good (BullMQ sets `finishedOn` only then): an operator's row says so, not `pending`.
      const auditId = job?.finishedOn ? transportOf(job, AUDIT_ID) : undefined;
      if (auditId)
        options.runner
          .settleFailedAudit(auditId)
          .catch((e) => logger.error({ err: e, auditId }, 'audit: a failed command was not recorded'));
    });
    worker.on('error', (err) => logger.error({ err }, 'command worker error'));
    if (options.onCompleted) worker.on('completed', options.onCompleted);
    return worker;
  });
}
