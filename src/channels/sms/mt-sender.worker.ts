/**
 * Drains the outbound SMS queue into the SMPP link at `SMPP_TPS` (BullMQ's rate limiter, shared by every
 * sender process on the same Redis) and records each MT's fate in `sms_mt`.
 *
 * - Throttled by the SMSC (`ESME_RTHROTTLED`, `ESME_RMSGQFUL`): the whole queue pauses a moment
 *   (`worker.rateLimit`) and the job goes back without spending an attempt.
 * - Lost link, no response: retried with the queue's backoff (the job's attempts).
 * - Refused for good (bad number…): failed at once, never retried.
 * - An MT already `sent` is not sent again when its job runs twice (a worker died after the submit).
 */
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Db } from '../../lib/db.js';
import { logger } from '../../lib/logger.js';
import type { Redis } from '../../lib/redis.js';
import { OUTBOUND_SMS_QUEUE, type OutboundSms } from '../../queue/names.js';
import { Batcher } from '../../lib/batcher.js';
import { markAttempt, markFailed, markSent, mtStatus, type SentMt } from './mt-store.js';

/** What the sender needs of an SMPP link (or a pool of binds). */
export interface MtSubmitter {
  readonly bound: boolean;
  submit(mt: {
    source: string;
    destination: string;
    text: string;
  }): Promise<{ messageIds: string[]; parts: number }>;
}

/** The shape of a submit failure the link reports. */
interface SubmitFailure {
  message?: string;
  retryable?: boolean;
  throttled?: boolean;
}

export interface MtSenderOptions {
  db: Db;
  connection: () => Redis;
  prefix: string;
  link: MtSubmitter;
  shortCode: string;
  /** Jobs per second, all senders together (`SMPP_TPS`). */
  tps: number;
  /** Jobs in flight in this process; the link's window bounds the PDUs anyway. Default 20. */
  concurrency?: number;
  /** How long the queue pauses after a throttling error, ms. Default 1000. */
  throttlePauseMs?: number;
  onSent?: (msisdn: string, parts: number) => void;
  onThrottled?: () => void;
}

export function startMtSender(options: MtSenderOptions): Worker<OutboundSms> {
  const { db, link } = options;
  const throttlePauseMs = options.throttlePauseMs ?? 1000;
  // Submits answered while one update runs are recorded together by the next.
  const sentWrites = new Batcher<SentMt, undefined>(
    async (sent) => {
      await markSent(db, sent);
      return sent.map(() => undefined);
    },
    { max: 500, waitMs: 0, maxInFlight: 1, isolateFailures: true },
  );
  const worker: Worker<OutboundSms> = new Worker<OutboundSms>(
    OUTBOUND_SMS_QUEUE,
    async (job: Job<OutboundSms>) => {
      const jobId = job.id as string;
      // Only a job that ran before (a retry, or a worker that died mid-job) may have sent already.
      if (job.attemptsStarted > 1 || job.stalledCounter > 0) {
        const status = await mtStatus(db, jobId);
        if (status === 'sent' || status === 'delivered') return { skipped: status };
      }
      try {
        const sent = await link.submit({
          source: options.shortCode,
          destination: job.data.msisdn,
          text: job.data.text,
        });
        await sentWrites.submit({ jobId, ...sent, attempts: job.attemptsMade + 1 });
        options.onSent?.(job.data.msisdn, sent.parts);
        return { messageIds: sent.messageIds };
      } catch (err) {
        const failure = err as SubmitFailure;
        const message = String(failure?.message ?? err);
        if (failure?.throttled) {
          options.onThrottled?.();
          await worker.rateLimit(throttlePauseMs);
          throw Worker.RateLimitError();
        }
        await markAttempt(db, jobId, job.attemptsMade + 1, message);
        if (failure?.retryable === false) throw new UnrecoverableError(message);
        throw err;
      }
    },
    {
      connection: options.connection(),
      prefix: options.prefix,
      concurrency: options.concurrency ?? 20,
      limiter: { max: options.tps, duration: 1000 },
    },
  );
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (!final) return;
    markFailed(db, job.id as string, err.message).catch((e) =>
      logger.error({ err: e }, 'could not mark an MT failed'),
    );
  });
  worker.on('error', (err) => logger.error({ err }, 'MT sender error'));
  return worker;
}
