/**
 * Merchant callbacks (INTERFACES §8): the commands write them to the `merchant_callbacks` outbox in the
 * transaction of the settlement they report; the relay here moves them to a BullMQ queue (job id
 * `cb-<id>`, so a relay that dies between the add and the mark re-adds a job BullMQ already has), and
 * the worker POSTs each with `X-Fen-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of "<t>.<body>">` under
 * the merchant's callback secret, until a 2xx. The retry waits follow one custom backoff strategy: the
 * first `CALLBACK_FIRST_RETRY_MS` (≤ 10 s), each later one double the one before, never more than an
 * hour, for 24 hours after the callback was queued; then it is given up (the log says so, and the
 * merchant reads the outcome from `GET /api/payments/:id`). Every attempt is recorded (attempts, last
 * status, last error) for the operator's callback log. A callback recorded as delivered is never sent
 * again, even if its job runs again.
 */
import { createHmac } from 'node:crypto';
import { type Job, Queue, Worker } from 'bullmq';
import { type Db, DrainLoop, type Keyring, logger, type Redis } from '../lib/index.js';
import {
  callbackDelivery,
  anyUnqueuedCallbacks,
  claimUnqueuedCallbacks,
  markCallbacksQueued,
  recordCallbackAttempt,
} from '../ledger/index.js';
import { MERCHANT_CALLBACK_QUEUE } from './names.js';

/** The job of one callback: its outbox row's id. */
export interface CallbackJob {
  callbackId: string;
}

/** How callbacks are retried. */
export interface CallbackRetry {
  /** The first wait, ms (≤ 10 s per §8). */
  firstDelayMs: number;
  /** The longest wait, ms. Default one hour. */
  maxDelayMs?: number;
  /** How long after it was queued a callback is still tried, ms. Default 24 hours. */
  forMs?: number;
}

const HOUR_MS = 3_600_000;
const BACKOFF = 'merchant-callback';

/** The wait after the `failures`-th failed attempt (1, 2, …): doubling from the first, capped. */
export function callbackDelay(failures: number, retry: CallbackRetry): number {
  const max = retry.maxDelayMs ?? HOUR_MS;
  // 2^40 ms is past any cap: no overflow into Infinity for a long-failing callback.
  return Math.min(max, retry.firstDelayMs * 2 ** Math.min(failures - 1, 40));
}

/**
 * The wait before the next attempt after the `failures`-th failure of a callback queued at `queuedAt`,
 * or -1 (BullMQ's "do not retry") when that attempt would come past the retry period.
 */
export function nextCallbackDelay(failures: number, queuedAt: number, now: number, retry: CallbackRetry): number {
  const delay = callbackDelay(failures, retry);
  return now + delay - queuedAt > (retry.forMs ?? 24 * HOUR_MS) ? -1 : delay;
}

/** The `X-Fen-Signature` header value for `body` sent at unix second `t`. */
export function callbackSignature(secret: string, body: string, t: number): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** Moves callbacks from the outbox to the queue: on a timer, and at once when commands complete (`kick`). */
export class CallbackRelay extends DrainLoop {
  readonly queue: Queue<CallbackJob>;

  constructor(
    private readonly db: Db,
    connection: Redis,
    prefix: string,
    pollMs = 1_000,
    batchSize = 500,
  ) {
    super(batchSize, pollMs, 'callback relay');
    this.queue = new Queue<CallbackJob>(MERCHANT_CALLBACK_QUEUE, { connection, prefix });
  }

  protected override anyWaiting(): Promise<boolean> {
    return anyUnqueuedCallbacks(this.db);
  }

  /** Queues what is waiting; returns how many callbacks were queued. */
  async relayOnce(): Promise<number> {
    return this.db.transaction(async (trx) => {
      const ids = await claimUnqueuedCallbacks(trx, this.batchSize);
      if (!ids.length) return 0;
      await this.queue.addBulk(
        ids.map((id) => ({
          name: 'callback',
          data: { callbackId: id.toString() },
          opts: {
            jobId: `cb-${id}`,
            // The backoff strategy ends the retries (it answers -1 after 24 hours), not a count.
            attempts: 100_000,
            backoff: { type: BACKOFF },
            removeOnComplete: { age: 7 * 24 * 3600 },
            removeOnFail: { age: 30 * 24 * 3600 },
          },
        })),
      );
      await markCallbacksQueued(trx, ids);
      return ids.length;
    });
  }

  override async stop(): Promise<void> {
    await super.stop();
    await this.queue.close();
  }
}

export interface CallbackWorkerOptions {
  db: Db;
  /** Opens the merchants' sealed callback secrets. */
  keys: Keyring;
  connection: () => Redis;
  prefix: string;
  retry: CallbackRetry;
  /** How long one POST may take, ms. */
  timeoutMs: number;
  /** Callbacks in flight in this process. Default 20. */
  concurrency?: number;
}

/** The worker that POSTs callbacks and records each attempt. */
export function startCallbackWorker(options: CallbackWorkerOptions): Worker<CallbackJob> {
  const { db, keys, retry } = options;
  const handle = async (job: Job<CallbackJob>) => {
    const id = BigInt(job.data.callbackId);
    const callback = await callbackDelivery(db, id);
    if (!callback || callback.delivered_at) return { delivered: true, sent: false };
    if (!callback.callback_url || !callback.callback_secret) {
      // The merchant has no callback URL any more: nothing to send to, ever.
      await recordCallbackAttempt(db, id, { status: null, error: 'no callback URL', delivered: false, gaveUp: true });
      return { delivered: false, sent: false };
    }
    const t = Math.floor(Date.now() / 1000);
    const signature = callbackSignature(keys.unseal(callback.callback_secret), callback.body, t);
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(callback.callback_url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-fen-signature': signature },
        body: callback.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      status = res.status;
      await res.body?.cancel();
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    const delivered = status !== null && status >= 200 && status < 300;
    const gaveUp = !delivered && nextCallbackDelay(job.attemptsMade + 1, job.timestamp, Date.now(), retry) < 0;
    await recordCallbackAttempt(db, id, {
      status,
      error: error ?? (delivered ? null : `HTTP ${status}`),
      delivered,
      gaveUp,
    });
    if (!delivered) throw new Error(`callback ${id} not accepted: ${error ?? `HTTP ${status}`}`);
    return { delivered: true, sent: true, status };
  };
  const worker = new Worker<CallbackJob>(MERCHANT_CALLBACK_QUEUE, handle, {
    connection: options.connection(),
    prefix: options.prefix,
    concurrency: options.concurrency ?? 20,
    settings: {
      backoffStrategy: (attemptsMade, _type, _err, job) =>
        nextCallbackDelay(attemptsMade, job?.timestamp ?? Date.now(), Date.now(), retry),
    },
  });
  worker.on('failed', (job, err) =>
    logger.info({ jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'merchant callback not accepted'),
  );
  worker.on('error', (err) => logger.error({ err }, 'callback worker error'));
  return worker;
}
