/**
 * reverse: the merchant reverses (冲正) a payment of the same business day (China time), for example
 * after a failed delivery. Input: merchant, paymentId. Effect: the full amount goes back, merchant →
 * wallet, and the payment is marked reversed (the business day is the one it was posted on); the payer's spending today is given back too, and so is the merchant's fee; SMS, and the callback
 * `payment.reversed`.
 * Refusals: not_a_payment, already_reversed, reversal_after_refund (refund instead), reversal_window
 * (another day), insufficient_funds (the merchant's).
 */
import { businessDay } from '../lib/index.js';
import { queueCallback, RefusalError, refusals } from '../ledger/index.js';
import type { BatchedCommand } from './command.js';
import { returnFee } from './merchant-shared.js';
import { merchantAccount, merchantName, notifyOwner } from './shared.js';
import { paymentOf } from './payment-lookup.js';

export const reverse: BatchedCommand<'reverse'> = {
  kind: 'batched',
  needs: (input) => ({
    merchants: [input.merchant],
    transfers: [BigInt(input.paymentId)],
    fees: true,
    newTransfers: 2, // the reversal and the fee given back
  }),
  apply(book, input, { key }) {
    const merchant = merchantAccount(book, input.merchant);
    const paid = paymentOf(book, merchant, BigInt(input.paymentId));
    if (paid.reversed) throw new RefusalError(refusals.alreadyReversed());
    if (paid.refunded > 0n) throw new RefusalError(refusals.reversalAfterRefund());
    // The day the money moved: a confirmed payment request was created as a hold, earlier.
    if (businessDay(paid.posted_at ?? paid.created_at) !== book.today)
      throw new RefusalError(refusals.reversalWindow());
    const wallet = book.accountById(paid.debit_account_id);
    const moved = book.move({
      kind: 'reversal',
      from: merchant,
      to: wallet,
      amount: paid.amount,
      commandKey: key,
      originalId: paid.id,
      description: input.reason,
    });
    returnFee(book, merchant, paid, key);
    book.updateTransfer(paid, 'reversed', true);
    queueCallback(
      book,
      merchant,
      wallet,
      { event: 'payment.reversed', id: paid.id, reference: paid.reference, status: 'reversed', amount: paid.amount },
      key,
    );
    book.giveBackSpending(wallet, paid.amount);
    notifyOwner(
      book,
      wallet,
      'notify.reversal',
      { merchant: merchantName(book, merchant), amount: paid.amount, balance: wallet.balance },
      key,
    );
    return { transferId: moved.id.toString(), paymentId: input.paymentId, amount: paid.amount.toString() };
  },
};
