import { type AccountRow, type Book, RefusalError, refusals, type TransferRow } from '../ledger/index.js';

/** A posted payment (direct, or a confirmed payment request) made to this merchant, or a refusal. */
export function paymentOf(book: Book, merchant: AccountRow, id: bigint): TransferRow {
  const paid = book.transfers.get(id);
  const isPayment = paid && (paid.kind === 'payment' || paid.kind === 'hold') && paid.status === 'posted';
  if (!paid || !isPayment || paid.credit_account_id !== merchant.id)
    throw new RefusalError(refusals.notAPayment());
  return paid;
}
