/**
 * refund: a merchant gives back part or all of a payment (退款, after the merchant's review).
 * Input: merchant, paymentId, amount? (default: all that is left), reason. Effect: merchant → the
 * paying wallet; the payment's `refunded` grows; SMS. Refusals: not_a_payment (unknown, another
 * merchant's, or not a posted payment), already_reversed, refund_too_large, insufficient_funds (the
 * merchant's), counterparty_unavailable (the wallet frozen or closed).
 */
import { RefusalError, refusals } from '../ledger/index.js';
import type { BatchedCommand } from './command.js';
import { merchantAccount, merchantName, notifyOwner } from './shared.js';
import { paymentOf } from './payment-lookup.js';

export const refund: BatchedCommand<'refund'> = {
  kind: 'batched',
  needs: (input) => ({ merchants: [input.merchant], transfers: [BigInt(input.paymentId)] }),
  apply(book, input, { key }) {
    const merchant = merchantAccount(book, input.merchant);
    const paid = paymentOf(book, merchant, BigInt(input.paymentId));
    if (paid.reversed) throw new RefusalError(refusals.alreadyReversed());
    const left = paid.amount - paid.refunded;
    const amount = input.amount ?? left;
    if (amount > left || left === 0n) throw new RefusalError(refusals.refundTooLarge(left));
    const wallet = book.accountById(paid.debit_account_id);
    const moved = book.move({
      kind: 'refund',
      from: merchant,
      to: wallet,
      amount,
      commandKey: key,
      originalId: paid.id,
      description: input.reason,
    });
    book.updateTransfer(paid, 'refunded', paid.refunded + amount);
    notifyOwner(
      book,
      wallet,
      'notify.refund',
      { merchant: merchantName(book, merchant), amount, balance: wallet.balance },
      key,
    );
    return {
      transferId: moved.id.toString(),
      paymentId: input.paymentId,
      amount: amount.toString(),
      refunded: paid.refunded.toString(),
    };
  },
};
