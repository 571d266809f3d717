/**
 * Drains the outbound SMS queue into the SMPP link at `SMPP_TPS` submit_sm a second (BullMQ's rate
 * limiter, shared by every sender process on the same Redis) and records each MT's fate in `sms_mt`.
 *
 * A job carries one MT or a batch of them (the replies written together); its MTs go out at once, the
 * window bounding the PDUs in flight.
 * - The limiter counts parts, not jobs: a job takes one unit as it starts, and the rest of its parts from
 *   the same counter before it submits (`chargeSubmits`). MTs the second has no room for wait for the
 *   next one: the job goes back to the queue (`RateLimitError`) and its sent MTs are not sent again.
 * - Throttled by the SMSC (`ESME_RTHROTTLED`, `ESME_RMSGQFUL`): the whole queue pauses a moment
 *   (`worker.rateLimit`) and the job goes back without spending an attempt.
 * - Lost link, no response: retried with the queue's backoff (the job's attempts).
 * - Refused for good (bad number…): that MT fails at once, never retried; the others go on.
 * - An MT already `sent` is not sent again when its job runs twice (a worker died after the submit).
 * - A sensitive MT's text arrives sealed (initial passwords): it is unsealed here, in memory, right before
 *   it is counted and encoded, and nowhere else.
 */
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { Batcher, type Db, type Keyring, logger, type Redis } from '../../lib/index.js';
import { OUTBOUND_SMS_QUEUE, type OutboundBatch, type OutboundSms } from '../../queue/index.js';
import { encodeMt } from '../smpp/index.js';
import { markAttempt, markFailed, markSent, mtStatuses, type SentMt } from './mt-store.js';

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
  /** Unseals sensitive MTs. */
  keyring: Keyring;
  shortCode: string;
  /** submit_sm per second, all senders together (`SMPP_TPS`). */
  tps: number;
  /** Jobs in flight in this process; the link's window bounds the PDUs anyway. Default 20. */
  concurrency?: number;
  /** How long the queue pauses after a throttling error, ms. Default 1000. */
  throttlePauseMs?: number;
  onSent?: (msisdn: string, parts: number) => void;
  onThrottled?: () => void;
}

/**
 * Takes from BullMQ's limiter counter (the job's start took one unit) what the job's MTs need beyond
 * that, MT by MT while the second has room; the first MT always goes, as a job of one always did.
 * Returns how many MTs may go, and the ms left in the second.
 * KEYS[1] the limiter key; ARGV: max, duration ms, then each MT's parts.
 */
const CHARGE_SUBMITS = `
local max = tonumber(ARGV[1])
local room = max - tonumber(redis.call('GET', KEYS[1]) or '0')
local extra = tonumber(ARGV[3]) - 1
local taken = 1
for i = 4, #ARGV do
  local parts = tonumber(ARGV[i])
  if extra + parts > room then break end
  extra = extra + parts
  taken = taken + 1
end
if extra > 0 then
  redis.call('INCRBY', KEYS[1], extra)
  -- The window may have closed since the job started: a counter with no expiry would never reset.
  if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
end
return {taken, redis.call('PTTL', KEYS[1])}
`;

type ChargingRedis = Redis & {
  chargeSubmits(key: string, max: number, durationMs: number, ...parts: number[]): Promise<[number, number]>;
};

/** The submit_sm an MT takes (the gateway's link encodes with the codec's defaults). */
function partsOf(text: string): number {
  try {
    return encodeMt(text).length;
  } catch {
    return 1; // too long to send: the link refuses it without a submit
  }
}

interface Outcome {
  sent: SentMt[];
  /** Refused for good. */
  refused: { mt: OutboundSms; message: string }[];
  /** Worth another try later (the link lost, no answer). */
  retry: { mt: OutboundSms; message: string }[];
  throttled: boolean;
}

export function startMtSender(options: MtSenderOptions): Worker<OutboundBatch> {
  const { db, link, keyring } = options;
  const throttlePauseMs = options.throttlePauseMs ?? 1000;
  const limiterMs = 1000;
  const redis = options.connection() as ChargingRedis;
  redis.defineCommand('chargeSubmits', { numberOfKeys: 1, lua: CHARGE_SUBMITS });
  // Submits answered while one update runs are recorded together by the next.
  const sentWrites = new Batcher<SentMt, undefined>(
    async (sent) => {
      await markSent(db, sent);
      return sent.map(() => undefined);
    },
    { max: 500, waitMs: 0, maxInFlight: 1, isolateFailures: true },
  );

  /** The job's MTs still to send: a job that ran before may have sent some. */
  async function unsent(job: Job<OutboundBatch>): Promise<OutboundSms[]> {
    const mts = job.data.mts;
    if (job.attemptsStarted <= 1 && job.stalledCounter === 0) return mts;
    const statuses = await mtStatuses(
      db,
      mts.map((m) => m.id),
    );
    return mts.filter((m) => !['sent', 'delivered', 'failed'].includes(statuses.get(m.id) ?? 'queued'));
  }

  async function send(mts: OutboundSms[], attempts: number): Promise<Outcome> {
    const outcome: Outcome = { sent: [], refused: [], retry: [], throttled: false };
    await Promise.all(
      mts.map(async (mt) => {
        try {
          const sent = await link.submit({
            source: options.shortCode,
            destination: mt.msisdn,
            text: mt.text,
          });
          const record = { jobId: mt.id, ...sent, attempts };
          outcome.sent.push(record);
          options.onSent?.(mt.msisdn, sent.parts);
        } catch (err) {
          const failure = err as SubmitFailure;
          const message = String(failure?.message ?? err);
          // Throttled: the queue pauses and the job comes back without spending an attempt.
          if (failure?.throttled) outcome.throttled = true;
          else if (failure?.retryable === false) outcome.refused.push({ mt, message });
          else outcome.retry.push({ mt, message });
        }
      }),
    );
    await Promise.all(outcome.sent.map((s) => sentWrites.submit(s)));
    return outcome;
  }

  /** The MT as it goes out: a sealed text in clear (a sensitive MT queued before sealing is as it was). */
  const inClear = (mt: OutboundSms): OutboundSms =>
    mt.sensitive && keyring.isSealed(mt.text) ? { ...mt, text: keyring.unseal(mt.text) } : mt;

  const worker: Worker<OutboundBatch> = new Worker<OutboundBatch>(
    OUTBOUND_SMS_QUEUE,
    async (job: Job<OutboundBatch>) => {
      const mts = (await unsent(job)).map(inClear);
      if (!mts.length) return { skipped: job.data.mts.length };
      const parts = mts.map((m) => partsOf(m.text));
      // One submit_sm in all: the unit the job's start took covers it.
      const [taken, windowLeftMs] =
        parts.length === 1 && parts[0] === 1
          ? [1, 0]
          : await redis.chargeSubmits(worker.keys.limiter, options.tps, limiterMs, ...parts);
      const attempts = job.attemptsMade + 1;
      const outcome = await send(mts.slice(0, taken), attempts);
      for (const { mt, message } of outcome.refused) await markFailed(db, [mt.id], message, attempts);
      if (outcome.retry.length)
        await markAttempt(
          db,
          outcome.retry.map((r) => r.mt.id),
          attempts,
          outcome.retry[0].message,
        );
      if (outcome.throttled) {
        options.onThrottled?.();
        await worker.rateLimit(throttlePauseMs);
        throw Worker.RateLimitError();
      }
      if (taken < mts.length) {
        await worker.rateLimit(Math.max(1, windowLeftMs));
        throw Worker.RateLimitError();
      }
      if (outcome.retry.length) throw new Error(outcome.retry[0].message);
      if (!outcome.sent.length && outcome.refused.length)
        throw new UnrecoverableError(outcome.refused[0].message);
      return { sent: outcome.sent.length, refused: outcome.refused.length };
    },
    {
      connection: options.connection(),
      prefix: options.prefix,
      concurrency: options.concurrency ?? 20,
      limiter: { max: options.tps, duration: limiterMs },
    },
  );
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (!final) return;
    markFailed(
      db,
      job.data.mts.map((m) => m.id),
      err.message,
    ).catch((e) => logger.error({ err: e }, 'could not mark MTs failed'));
  });
  worker.on('error', (err) => logger.error({ err }, 'MT sender error'));
  return worker;
}
