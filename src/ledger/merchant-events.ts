/**
 * What a merchant is told (INTERFACES §8): a payment's status as the merchant API names it, and the
 * callback body. Pure: commands build callbacks from the batch's rows, the API reads the same status
 * from the tables, so a merchant that missed a callback reads the same from `GET /api/payments/:id`.
 */
import { fenToJson, nationalMsisdn } from '../lib/index.js';
import type { AccountRow, Book, TransferRow } from './book.js';
import { msisdnOfWallet } from './codes.js';

/** The statuses of a payment request or payment (§8). */
export type PaymentStatus =
  | 'pending'
  | 'paid'
  | 'declined'
  | 'expired'
  | 'refunded'
  | 'partially_refunded'
  | 'reversed';

/** The status of a payment (a request's hold, or a direct payment) at `now`. */
export function paymentStatus(
  t: Pick<TransferRow, 'status' | 'expires_at' | 'void_reason' | 'reversed' | 'refunded' | 'amount'>,
  now: Date,
): PaymentStatus {
  if (t.status === 'pending') return t.expires_at && t.expires_at <= now ? 'expired' : 'pending';
  if (t.status === 'voided') return t.void_reason === 'expired' ? 'expired' : 'declined';
  if (t.reversed) return 'reversed';
  if (BigInt(t.refunded) >= BigInt(t.amount)) return 'refunded';
  return BigInt(t.refunded) > 0n ? 'partially_refunded' : 'paid';
}

/** Callback events: what settled. */
export type CallbackEvent =
  | 'payment.paid'
  | 'payment.declined'
  | 'payment.expired'
  | 'payment.reversed'
  | 'refund.approved'
  | 'refund.rejected'
  | 'payout.paid';

/** The callback body of §8, `{event, id, reference, status, amount, msisdn, at}`, amounts in fen. */
export interface CallbackBody {
  event: CallbackEvent;
  id: string;
  reference: string | null;
  status: string;
  amount: number | string;
  msisdn: string;
  at: string;
}

/**
 * Queues the callback of `event` about `id` to the merchant of `merchant` in the batch, with the
 * wallet on the other side; the body is fixed now, so retries sign the same bytes.
 */
export function queueCallback(
  book: Book,
  merchant: AccountRow,
  wallet: AccountRow,
  spec: { event: CallbackEvent; id: bigint; reference: string | null; status: string; amount: bigint },
  commandKey: string,
): void {
  const body: CallbackBody = {
    event: spec.event,
    id: spec.id.toString(),
    reference: spec.reference,
    status: spec.status,
    amount: fenToJson(spec.amount),
    msisdn: nationalMsisdn(msisdnOfWallet(wallet.code) ?? wallet.code),
    at: book.options.now.toISOString(),
  };
  book.callback(merchant, {
    event: spec.event,
    object_id: body.id,
    body: JSON.stringify(body),
    command_key: commandKey,
  });
}
