/**
 * The MT record (`sms_mt`): every outbound SMS with its status, queued → sent → delivered | failed, and
 * the SMSC's message ids its delivery receipts refer to. Rows are keyed by the id of the job that sends
 * them, so whoever queues an MT twice (a relay retried, an MO processed again) stores and sends it once.
 */
import type { Queue } from 'bullmq';
import { type Db, pgArray, type Trx } from '../../lib/db.js';
import { type OutboundSms, outboundJobOptions } from '../../queue/names.js';
import { messageIdForms, normalizeMessageId } from '../smpp/smpp.codec.js';

/** What is kept of a text that holds initial passwords once it has left. */
export const SENSITIVE_PLACEHOLDER = '[initial passwords are not kept]';

export interface QueuedMt {
  jobId: string;
  msisdn: string;
  text: string;
  reason: string;
  sensitive: boolean;
  outboxId?: string;
}

/** Stores MTs as `queued` (ignoring ones already stored) inside the caller's transaction. */
export async function recordQueued(db: Db | Trx, mts: readonly QueuedMt[]): Promise<void> {
  if (!mts.length) return;
  // One array per column: the relay stores hundreds at a time, and a multi-row VALUES list would bind
  // thousands of parameters.
  await db.raw(
    `INSERT INTO sms_mt (job_id, msisdn, text, reason, sensitive)
     SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::boolean[])
     ON CONFLICT (job_id) DO NOTHING`,
    [
      pgArray(mts.map((m) => m.jobId)),
      pgArray(mts.map((m) => m.msisdn)),
      pgArray(mts.map((m) => (m.sensitive ? SENSITIVE_PLACEHOLDER : m.text))),
      pgArray(mts.map((m) => m.reason)),
      pgArray(mts.map((m) => m.sensitive)),
    ],
  );
}

/** Stores and queues MTs that come from no outbox row (replies to MOs): the row first, then the job. */
export async function queueMts(db: Db, queue: Queue<OutboundSms>, mts: readonly QueuedMt[]): Promise<void> {
  if (!mts.length) return;
  await recordQueued(db, mts);
  await queue.addBulk(
    mts.map((m) => ({
      name: m.reason,
      data: {
        outboxId: m.outboxId ?? '',
        msisdn: m.msisdn,
        text: m.text,
        reason: m.reason,
        sensitive: m.sensitive,
      },
      opts: { ...outboundJobOptions, jobId: m.jobId, ...(m.sensitive ? { removeOnComplete: true } : {}) },
    })),
  );
}

/** The status of an MT, or null when no row holds it. */
export async function mtStatus(db: Db, jobId: string): Promise<string | null> {
  const row = await db('sms_mt').where({ job_id: jobId }).first('status');
  return row?.status ?? null;
}

export interface SentMt {
  jobId: string;
  messageIds: readonly string[];
  parts: number;
  attempts: number;
}

/** Records MTs the SMSC accepted, with the ids its receipts will name: one statement for the lot. */
export async function markSent(db: Db, sent: readonly SentMt[]): Promise<void> {
  if (!sent.length) return;
  // One id list per MT travels as one text joined by the unit separator (ids never hold it).
  await db.raw(
    `UPDATE sms_mt t
        SET status = CASE WHEN t.status = 'queued' THEN 'sent' ELSE t.status END,
            message_ids = string_to_array(u.ids, chr(31)), parts = u.parts, attempts = u.attempts,
            sent_at = now(), error = NULL
       FROM unnest(?::text[], ?::text[], ?::int[], ?::int[]) AS u(job_id, ids, parts, attempts)
      WHERE t.job_id = u.job_id`,
    [
      pgArray(sent.map((s) => s.jobId)),
      pgArray(sent.map((s) => s.messageIds.map(normalizeMessageId).join(ID_SEPARATOR))),
      pgArray(sent.map((s) => s.parts)),
      pgArray(sent.map((s) => s.attempts)),
    ],
  );
}

const ID_SEPARATOR = String.fromCharCode(31);

export async function markAttempt(db: Db, jobId: string, attempts: number, error: string): Promise<void> {
  await db('sms_mt')
    .where({ job_id: jobId })
    .update({ attempts, error: error.slice(0, 500) });
}

export async function markFailed(db: Db, jobId: string, error: string): Promise<void> {
  await db('sms_mt')
    .where({ job_id: jobId })
    .whereIn('status', ['queued', 'sent'])
    .update({ status: 'failed', error: error.slice(0, 500), done_at: db.fn.now() });
}

export type ReceiptOutcome = 'delivered' | 'failed' | 'pending';

/** A receipt's state as the MT's fate: only final states change the record. */
export function outcomeOf(state: string): ReceiptOutcome {
  switch (state) {
    case 'delivered':
      return 'delivered';
    case 'expired':
    case 'deleted':
    case 'undeliverable':
    case 'rejected':
      return 'failed';
    default:
      return 'pending';
  }
}

/**
 * Applies a delivery receipt to the MT holding its message id. A message of several parts is delivered
 * when every part is; any part failing fails it. Returns the job id of the MT updated, or null.
 */
export async function applyReceipt(
  db: Db,
  receipt: { messageId: string; state: string; error?: string },
): Promise<string | null> {
  const outcome = outcomeOf(receipt.state);
  const forms = pgArray(messageIdForms(receipt.messageId));
  if (outcome === 'pending') {
    const row = await db('sms_mt').whereRaw('message_ids && ?::text[]', [forms]).first('job_id');
    return row?.job_id ?? null;
  }
  const rows =
    outcome === 'delivered'
      ? await db('sms_mt')
          .whereRaw('message_ids && ?::text[]', [forms])
          .whereIn('status', ['sent', 'queued'])
          .update({
            delivered_parts: db.raw('delivered_parts + 1'),
            status: db.raw(
              "CASE WHEN delivered_parts + 1 >= coalesce(parts, 1) THEN 'delivered' ELSE status END",
            ),
            done_at: db.raw(
              'CASE WHEN delivered_parts + 1 >= coalesce(parts, 1) THEN now() ELSE done_at END',
            ),
          })
          .returning('job_id')
      : await db('sms_mt')
          .whereRaw('message_ids && ?::text[]', [forms])
          .whereIn('status', ['sent', 'queued'])
          .update({
            status: 'failed',
            error: `receipt: ${receipt.state}${receipt.error ? ` err:${receipt.error}` : ''}`,
            done_at: db.fn.now(),
          })
          .returning('job_id');
  return rows[0]?.job_id ?? null;
}
