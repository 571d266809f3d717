/**
 * The MT record (`sms_mt`): every outbound SMS with its status, queued → sent → delivered | failed, and
 * the SMSC's message ids its delivery receipts refer to. Rows are keyed by the MT's own id (`job_id`:
 * `outbox-<id>`, `reply-<mo>-<n>`), so whoever queues an MT twice (a relay retried, an MO processed
 * again) stores it once; the job that carries it (the MT alone, or its batch: `batch_id`) sends it once.
 *
 * A sensitive MT (a new wallet's initial passwords) travels sealed: its row and its job hold the text
 * sealed under the PIN key, the sender unseals it right before the submit_sm, and once it is sent the row
 * keeps SENSITIVE_PLACEHOLDER instead.
 */
import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import { type Db, pgArray, type Trx } from '../../lib/index.js';
import { MAX_MTS_PER_JOB, type OutboundBatch, outboundJobOptions } from '../../queue/index.js';
import { messageIdForms, normalizeMessageId } from '../smpp/index.js';
import type { ProcessedMo } from './mo-store.js';

/** What is kept of a text that holds initial passwords once it has left (the outbox row and the MT's). */
export const SENSITIVE_PLACEHOLDER = '[sent; initial passwords are not kept]';

export interface QueuedMt {
  /** The MT's id (`sms_mt.job_id`). */
  jobId: string;
  msisdn: string;
  /** Sealed (`Keyring.seal`) when `sensitive`. */
  text: string;
  reason: string;
  sensitive: boolean;
}

/** MTs that travel as one job of the outbound queue, and the job's id. */
export interface MtBatch {
  id: string;
  mts: QueuedMt[];
}

/**
 * Splits MTs written together into the jobs that carry them, at most MAX_MTS_PER_JOB to a job, each MT
 * once: one MT travels under its own id, several under `batch-<first id>-<count>-<digest of all ids>`
 * (two batches that share a first MT, an MO answered twice at once, still get ids of their own).
 */
export function batchesOf(mts: readonly QueuedMt[]): MtBatch[] {
  const seen = new Set<string>();
  const unique = mts.filter((m) => !seen.has(m.jobId) && seen.add(m.jobId));
  const batches: MtBatch[] = [];
  for (let i = 0; i < unique.length; i += MAX_MTS_PER_JOB) {
    const chunk = unique.slice(i, i + MAX_MTS_PER_JOB);
    batches.push({ id: chunk.length === 1 ? chunk[0].jobId : batchIdOf(chunk), mts: chunk });
  }
  return batches;
}

function batchIdOf(mts: readonly QueuedMt[]): string {
  const digest = createHash('sha256')
    .update(mts.map((m) => m.jobId).join('\u0000'))
    .digest('base64url')
    .slice(0, 12);
  return `batch-${mts[0].jobId}-${mts.length}-${digest}`;
}

/** The columns of MT rows as one array each: a multi-row VALUES list would bind thousands of parameters. */
function mtColumns(batches: readonly MtBatch[]): string[] {
  const mts = batches.flatMap((b) => b.mts.map((m) => ({ m, batch: b.mts.length > 1 ? b.id : null })));
  return [
    pgArray(mts.map(({ m }) => m.jobId)),
    pgArray(mts.map(({ m }) => m.msisdn)),
    pgArray(mts.map(({ m }) => m.text)),
    pgArray(mts.map(({ m }) => m.reason)),
    pgArray(mts.map(({ m }) => m.sensitive)),
    pgArray(mts.map(({ batch }) => batch)),
  ];
}

const INSERT_MTS = `INSERT INTO sms_mt (job_id, msisdn, text, reason, sensitive, batch_id)
  SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::boolean[], ?::text[])
  ON CONFLICT (job_id) DO NOTHING`;

/** Stores MTs as `queued` (ignoring ones already stored) inside the caller's transaction. */
export async function recordQueued(db: Db | Trx, batches: readonly MtBatch[]): Promise<void> {
  if (!batches.length) return;
  await db.raw(INSERT_MTS, mtColumns(batches));
}

/** Stores and queues MTs that come from no outbox row (an offer to open a wallet): the rows first, then the job. */
export async function queueMts(db: Db, queue: Queue<OutboundBatch>, mts: readonly QueuedMt[]): Promise<void> {
  if (!mts.length) return;
  const batches = batchesOf(mts);
  await recordQueued(db, batches);
  await queueJobs(queue, batches);
}

/**
 * Stores the replies to MOs and marks those MOs answered, each keeping the text `answered` gives it (its
 * PINs masked, where until now it held the text sealed), in one statement: from here on the rows are
 * what is owed, whether or not their jobs reach Redis (`requeueStranded` sees to those that do not).
 * Returns the batches cut down to the MTs this call stored: a reply stored already (the MO answered
 * twice at once) belongs to the job of whoever stored it.
 */
export async function recordAnswers(
  db: Db,
  batches: readonly MtBatch[],
  answered: readonly ProcessedMo[],
): Promise<MtBatch[]> {
  const { rows } = await db.raw(
    `WITH replies AS (${INSERT_MTS} RETURNING job_id),
     answered AS (
       UPDATE sms_mo s SET status = 'processed', processed_at = now(), text = a.text
         FROM unnest(?::bigint[], ?::text[]) AS a(id, text)
        WHERE s.id = a.id AND s.status = 'received'
     )
     SELECT job_id FROM replies`,
    [...mtColumns(batches), pgArray(answered.map((a) => a.id)), pgArray(answered.map((a) => a.text))],
  );
  const stored = new Set((rows as { job_id: string }[]).map((r) => r.job_id));
  return batches
    .map((b) => ({ id: b.id, mts: b.mts.filter((m) => stored.has(m.jobId)) }))
    .filter((b) => b.mts.length > 0);
}

/** Queues the jobs of stored MTs; a job id already in the queue (waiting, retrying, done) adds nothing. */
export async function queueJobs(queue: Queue<OutboundBatch>, batches: readonly MtBatch[]): Promise<void> {
  if (!batches.length) return;
  await queue.addBulk(
    batches.map((b) => ({
      name: b.mts.length === 1 ? b.mts[0].reason : 'batch',
      data: {
        mts: b.mts.map((m) => ({
          id: m.jobId,
          msisdn: m.msisdn,
          text: m.text,
          reason: m.reason,
          sensitive: m.sensitive,
        })),
      },
      opts: {
        ...outboundJobOptions,
        jobId: b.id,
        ...(b.mts.some((m) => m.sensitive) ? { removeOnComplete: true } : {}),
      },
    })),
  );
}

/**
 * Queues again the MTs still `queued` after `staleSeconds` whose rows are their only record (replies and
 * offers; the outbox relay owns its own), each under the id of the job that was to carry it: a job that
 * is only slow (the link down for an hour) is not queued twice. A sensitive MT's row holds its text
 * sealed, as its job would.
 */
export async function requeueStranded(
  db: Db,
  queue: Queue<OutboundBatch>,
  staleSeconds: number,
): Promise<number> {
  // Whole batches at a time: a job re-added with part of its MTs would hide the rest behind its id.
  const { rows } = await db.raw(
    `WITH stranded AS (
       SELECT job_id, msisdn, text, reason, sensitive, coalesce(batch_id, job_id) AS carrier, created_at
         FROM sms_mt
        WHERE status = 'queued' AND job_id NOT LIKE 'outbox-%'
          AND created_at < now() - make_interval(secs => ?)
     ), carriers AS (
       SELECT carrier FROM stranded GROUP BY carrier ORDER BY min(created_at) LIMIT 100
     )
     SELECT s.* FROM stranded s JOIN carriers USING (carrier) ORDER BY s.carrier, s.job_id`,
    [staleSeconds],
  );
  const batches = new Map<string, QueuedMt[]>();
  for (const r of rows as {
    job_id: string;
    msisdn: string;
    text: string;
    reason: string;
    sensitive: boolean;
    carrier: string;
  }[]) {
    const mts = batches.get(r.carrier) ?? [];
    mts.push({ jobId: r.job_id, msisdn: r.msisdn, text: r.text, reason: r.reason, sensitive: r.sensitive });
    batches.set(r.carrier, mts);
  }
  await queueJobs(
    queue,
    [...batches].map(([id, mts]) => ({ id, mts })),
  );
  return rows.length;
}

/** The status of each MT in `jobIds` that has a row. */
export async function mtStatuses(db: Db, jobIds: readonly string[]): Promise<Map<string, string>> {
  const rows = await db('sms_mt').whereIn('job_id', jobIds).select('job_id', 'status');
  return new Map(rows.map((r: { job_id: string; status: string }) => [r.job_id, r.status]));
}

/** The status of an MT, or null when no row holds it. */
export async function mtStatus(db: Db, jobId: string): Promise<string | null> {
  return (await mtStatuses(db, [jobId])).get(jobId) ?? null;
}

export interface SentMt {
  jobId: string;
  messageIds: readonly string[];
  parts: number;
  attempts: number;
}

/**
 * Records MTs the SMSC accepted, with the ids its receipts will name: one statement for the lot. A
 * sensitive MT's sealed text gives way to SENSITIVE_PLACEHOLDER: once it is sent nothing needs it.
 */
export async function markSent(db: Db, sent: readonly SentMt[]): Promise<void> {
  if (!sent.length) return;
  // One id list per MT travels as one text joined by the unit separator (ids never hold it).
  await db.raw(
    `UPDATE sms_mt t
        SET status = CASE WHEN t.status = 'queued' THEN 'sent' ELSE t.status END,
            message_ids = string_to_array(u.ids, chr(31)), parts = u.parts, attempts = u.attempts,
            sent_at = now(), error = NULL,
            text = CASE WHEN t.sensitive THEN ? ELSE t.text END
       FROM unnest(?::text[], ?::text[], ?::int[], ?::int[]) AS u(job_id, ids, parts, attempts)
      WHERE t.job_id = u.job_id`,
    [
      SENSITIVE_PLACEHOLDER,
      pgArray(sent.map((s) => s.jobId)),
      pgArray(sent.map((s) => s.messageIds.map(normalizeMessageId).join(ID_SEPARATOR))),
      pgArray(sent.map((s) => s.parts)),
      pgArray(sent.map((s) => s.attempts)),
    ],
  );
}

const ID_SEPARATOR = String.fromCharCode(31);

/** Records a failed try of MTs that will be tried again. */
export async function markAttempt(
  db: Db,
  jobIds: readonly string[],
  attempts: number,
  error: string,
): Promise<void> {
  if (!jobIds.length) return;
  await db('sms_mt')
    .whereIn('job_id', jobIds)
    .update({ attempts, error: error.slice(0, 500) });
}

/** Gives up on MTs not sent (one that was sent has its fate told by its receipts). */
export async function markFailed(
  db: Db,
  jobIds: readonly string[],
  error: string,
  attempts?: number,
): Promise<void> {
  if (!jobIds.length) return;
  await db('sms_mt')
    .whereIn('job_id', jobIds)
    .where('status', 'queued')
    .update({
      status: 'failed',
      error: error.slice(0, 500),
      done_at: db.fn.now(),
      ...(attempts === undefined ? {} : { attempts }),
    });
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

export interface Receipt {
  messageId: string;
  state: string;
  error?: string;
}

/**
 * Applies a delivery receipt to the MT holding its message id. A message of several parts is delivered
 * when every part is; any part failing fails it. Returns the job id of the MT it reports on (for a final
 * state, only if it changed the MT), or null.
 */
export async function applyReceipt(db: Db, receipt: Receipt): Promise<string | null> {
  return (await applyReceipts(db, [receipt]))[0];
}

/**
 * Applies receipts in one statement (they come back as fast as MTs go out). Receipts for parts of one
 * MT in the same batch add up; a failed part fails the MT whatever its siblings say.
 */
export async function applyReceipts(db: Db, receipts: readonly Receipt[]): Promise<(string | null)[]> {
  if (!receipts.length) return [];
  // One row per form of each id (hex and decimal): the SMSC may write either.
  const n: number[] = [];
  const forms: string[] = [];
  const outcomes: ReceiptOutcome[] = [];
  const errors: (string | null)[] = [];
  receipts.forEach((receipt, i) => {
    const outcome = outcomeOf(receipt.state);
    const error =
      outcome === 'failed'
        ? `receipt: ${receipt.state}${receipt.error ? ` err:${receipt.error}` : ''}`
        : null;
    for (const form of messageIdForms(receipt.messageId)) {
      n.push(i);
      forms.push(form);
      outcomes.push(outcome);
      errors.push(error);
    }
  });
  const { rows } = await db.raw(
    `WITH r AS (
       SELECT * FROM unnest(?::int[], ?::text[], ?::text[], ?::text[]) AS r(n, form, outcome, error)
     ), hit AS (
       SELECT DISTINCT r.n, t.id, r.outcome, r.error
         FROM r JOIN sms_mt t ON t.message_ids @> ARRAY[r.form]
     ), agg AS (
       SELECT id, count(*) FILTER (WHERE outcome = 'delivered') AS delivered,
              min(error) FILTER (WHERE outcome = 'failed') AS failed
         FROM hit GROUP BY id
     ), changed AS (
       UPDATE sms_mt t
          SET delivered_parts = t.delivered_parts + agg.delivered,
              status = CASE WHEN agg.failed IS NOT NULL THEN 'failed'
                            WHEN t.delivered_parts + agg.delivered >= coalesce(t.parts, 1) THEN 'delivered'
                            ELSE t.status END,
              error = coalesce(agg.failed, t.error),
              done_at = CASE WHEN agg.failed IS NOT NULL
                               OR t.delivered_parts + agg.delivered >= coalesce(t.parts, 1) THEN now()
                             ELSE t.done_at END
         FROM agg
        WHERE t.id = agg.id AND t.status IN ('sent', 'queued')
          AND (agg.delivered > 0 OR agg.failed IS NOT NULL)
       RETURNING t.id
     )
     SELECT hit.n, t.job_id
       FROM hit JOIN sms_mt t ON t.id = hit.id
      WHERE hit.outcome = 'pending' OR hit.id IN (SELECT id FROM changed)
      ORDER BY hit.n, t.id`,
    [pgArray(n), pgArray(forms), pgArray(outcomes), pgArray(errors)],
  );
  const jobs: (string | null)[] = receipts.map(() => null);
  for (const row of rows as { n: number; job_id: string }[]) jobs[row.n] ??= row.job_id;
  return jobs;
}
