/**
 * The merchants' side of the ledger as the merchant API and the callback queue see it: payments with
 * their refunds, refunds under review, the callbacks' outbox and log, settlements, and the day's rows of
 * the reconciliation (streamed). Writes here are the refund request (a command's) and the callback
 * delivery log; money moves only through the Book.
 */
import type { Readable } from 'node:stream';
import { businessDayRange, type Db, pgArray, type Trx } from '../lib/index.js';
import type { RefundRow, TransferRow } from './book.js';

/** A payment (a request's hold or a direct payment) with the merchant it was made to and the payer's wallet. */
export interface PaymentRecord extends TransferRow {
  merchant_code: string;
  wallet_code: string;
}

/** A payment by id, any merchant's (the caller checks whose it is), or null when no payment has this id. */
export async function paymentRecord(db: Db | Trx, id: bigint): Promise<PaymentRecord | null> {
  const row = await db('transfers as t')
    .join('merchants as m', 'm.account_id', 't.credit_account_id')
    .join('accounts as w', 'w.id', 't.debit_account_id')
    .where('t.id', id.toString())
    .whereIn('t.kind', ['hold', 'payment'])
    .first('t.*', 'm.code as merchant_code', 'w.code as wallet_code');
  return row ?? null;
}

/** The refunds asked for a payment, oldest first. */
export async function refundsOf(db: Db | Trx, paymentId: bigint): Promise<RefundRow[]> {
  return db('refunds').where({ payment_id: paymentId.toString() }).orderBy('id').select('*');
}

export async function refundRecord(db: Db | Trx, id: bigint): Promise<RefundRow | null> {
  return (await db('refunds').where({ id: id.toString() }).first('*')) ?? null;
}

/** Records a refund under review; returns its id. */
export async function insertRefund(
  trx: Trx,
  row: Pick<RefundRow, 'merchant_code' | 'payment_id' | 'amount' | 'reason' | 'reference' | 'requested_by'>,
): Promise<bigint> {
  const [inserted] = await trx('refunds')
    .insert({
      ...row,
      payment_id: row.payment_id.toString(),
      amount: row.amount.toString(),
      requested_by: row.requested_by.toString(),
    })
    .returning('id');
  return inserted.id;
}

/** A callback as the delivery worker needs it: its body and where and how to send it. */
export interface CallbackDelivery {
  id: bigint;
  merchant_code: string;
  body: string;
  delivered_at: Date | null;
  gave_up_at: Date | null;
  callback_url: string | null;
  callback_secret: string | null;
}

/** Whether any callback waits to be queued: one read of the partial index, no lock, no transaction. */
export async function anyUnqueuedCallbacks(db: Db): Promise<boolean> {
  const { rows } = await db.raw(
    'SELECT EXISTS (SELECT 1 FROM merchant_callbacks WHERE queued_at IS NULL) AS waiting',
  );
  return rows[0].waiting === true;
}

/** Locks up to `limit` callbacks not yet queued, oldest first, skipping those another relay holds. */
export async function claimUnqueuedCallbacks(trx: Trx, limit: number): Promise<bigint[]> {
  const { rows } = await trx.raw(
    'SELECT id FROM merchant_callbacks WHERE queued_at IS NULL ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED',
    [limit],
  );
  return rows.map((r: { id: bigint }) => r.id);
}

export async function markCallbacksQueued(trx: Trx, ids: readonly bigint[]): Promise<void> {
  if (!ids.length) return;
  await trx.raw('UPDATE merchant_callbacks SET queued_at = now() WHERE id = ANY(?::bigint[])', [pgArray(ids)]);
}

export async function callbackDelivery(db: Db, id: bigint): Promise<CallbackDelivery | null> {
  const row = await db('merchant_callbacks as c')
    .join('merchants as m', 'm.code', 'c.merchant_code')
    .where('c.id', id.toString())
    .first(
      'c.id',
      'c.merchant_code',
      'c.body',
      'c.delivered_at',
      'c.gave_up_at',
      'm.callback_url',
      'm.callback_secret',
    );
  return row ?? null;
}

/** One delivery attempt: its HTTP status (null when nothing answered), its error, and what it settled. */
export interface CallbackAttempt {
  status: number | null;
  error: string | null;
  delivered: boolean;
  gaveUp: boolean;
}

/**
 * Records an attempt. A delivered callback is recorded once: the first 2xx sets `delivered_at`, and the
 * worker sends nothing for a callback that has it (a job run again after a crash).
 */
export async function recordCallbackAttempt(db: Db, id: bigint, attempt: CallbackAttempt): Promise<void> {
  await db('merchant_callbacks')
    .where({ id: id.toString() })
    .update({
      attempts: db.raw('attempts + 1'),
      last_status: attempt.status,
      last_error: attempt.error,
      last_attempt_at: db.fn.now(),
      delivered_at: attempt.delivered ? db.raw('coalesce(delivered_at, now())') : db.raw('delivered_at'),
      gave_up_at: attempt.gaveUp ? db.fn.now() : db.raw('gave_up_at'),
    });
}

/** A callback as the operator's log shows it. */
export interface CallbackLogRow {
  id: bigint;
  merchant_code: string;
  event: string;
  object_id: string;
  body: string;
  created_at: Date;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
  gave_up_at: Date | null;
}

/** A merchant's callbacks, newest first, `before` an id for paging; only those about `objectId` if given. */
export async function callbackLog(
  db: Db,
  merchant: string,
  options: { limit: number; before?: bigint; objectId?: string },
): Promise<CallbackLogRow[]> {
  const q = db('merchant_callbacks').where({ merchant_code: merchant });
  if (options.before !== undefined) q.where('id', '<', options.before.toString());
  if (options.objectId !== undefined) q.where({ object_id: options.objectId });
  return q
    .orderBy('id', 'desc')
    .limit(options.limit)
    .select(
      'id',
      'merchant_code',
      'event',
      'object_id',
      'body',
      'created_at',
      'attempts',
      'last_status',
      'last_error',
      'last_attempt_at',
      'delivered_at',
      'gave_up_at',
    );
}

/** A day's settlement of one merchant: its net moved to (positive) or from (negative) the clearing account. */
export interface SettlementRow {
  merchant_code: string;
  day: string;
  transfer_id: bigint;
  /** Signed, fen: what left the merchant's account for settlement clearing. */
  net: bigint;
  posted_at: Date;
}

/** The settlements of business day `day` (every merchant's, or one's). */
export async function settlementsOf(db: Db, day: string, merchant?: string): Promise<SettlementRow[]> {
  const { rows } = await db.raw(
    `SELECT m.code AS merchant_code, t.reference AS day, t.id AS transfer_id, t.posted_at,
            CASE WHEN t.debit_account_id = m.account_id THEN t.amount ELSE -t.amount END AS net
       FROM transfers t
       JOIN merchants m ON m.account_id IN (t.debit_account_id, t.credit_account_id)
      WHERE t.kind = 'settlement' AND t.reference = ? AND (?::text IS NULL OR m.code = ?)
      ORDER BY m.code`,
    [day, merchant ?? null, merchant ?? null],
  );
  return rows;
}

/** The merchants whose accounts moved on business day `day` (settlements aside): those the day close settles. */
export async function merchantsMovedOn(db: Db, day: string): Promise<string[]> {
  const { from, to } = businessDayRange(day);
  const { rows } = await db.raw(
    `SELECT m.code FROM merchants m
      WHERE EXISTS (SELECT 1 FROM transfers t
                     WHERE (t.debit_account_id = m.account_id OR t.credit_account_id = m.account_id)
                       AND t.status = 'posted' AND t.kind <> 'settlement'
                       AND t.posted_at >= ? AND t.posted_at < ?)
      ORDER BY m.code`,
    [from.toISOString(), to.toISOString()],
  );
  return rows.map((r: { code: string }) => r.code);
}

/** One row of a reconciliation, as read: the route words it into CSV. */
export interface ReconciliationRecord {
  merchant: string;
  id: bigint;
  posted_at: Date;
  /** `payment` (a direct payment or a paid request), `refund`, `reversal`, `payout`. */
  kind: string;
  reference: string | null;
  wallet: string;
  amount: bigint;
  /** The fee charged with a payment; on a reversal, the fee it gave back. */
  fee: bigint;
  status: TransferRow['status'];
  refunded: bigint;
  reversed: boolean;
}

/**
 * The day's payments, refunds, reversals and payouts of one merchant (or all), by merchant then id, as a
 * stream read through a cursor: a busy merchant's day never sits in memory whole.
 */
export function reconciliationRecords(db: Db, day: string, merchant?: string): Readable {
  const { from, to } = businessDayRange(day);
  return db
    .raw(
      `SELECT m.code AS merchant, t.id, t.posted_at,
              CASE WHEN t.kind = 'hold' THEN 'payment' ELSE t.kind END AS kind,
              CASE WHEN t.kind = 'refund' THEN r.reference ELSE t.reference END AS reference,
              w.code AS wallet, t.amount,
              CASE WHEN t.kind = 'reversal' THEN coalesce(o.fee, 0) ELSE t.fee END AS fee,
              t.status, t.refunded, t.reversed
         FROM merchants m
         JOIN transfers t
           ON (t.credit_account_id = m.account_id AND t.kind IN ('payment', 'hold'))
           OR (t.debit_account_id = m.account_id AND t.kind IN ('refund', 'reversal', 'payout'))
         JOIN accounts w
           ON w.id = CASE WHEN t.credit_account_id = m.account_id THEN t.debit_account_id ELSE t.credit_account_id END
         LEFT JOIN refunds r ON t.kind = 'refund' AND r.transfer_id = t.id
         LEFT JOIN transfers o ON t.kind = 'reversal' AND o.id = t.original_id
        WHERE t.status = 'posted' AND t.posted_at >= ? AND t.posted_at < ?
          AND (?::text IS NULL OR m.code = ?)
        ORDER BY m.code, t.id`,
      [from.toISOString(), to.toISOString(), merchant ?? null, merchant ?? null],
    )
    .stream({ highWaterMark: 500 });
}
