/**
 * refund: a merchant gives back part or all of a payment at once (退款), with no review; the merchant
 * API asks for refunds under review instead (refund.request, refund.review).
 * Input: merchant, paymentId, amount? (default: all that is left), reason. Effect: merchant → the
 * paying wallet; the payment's `refunded` grows; SMS. Refusals: not_a_payment (unknown, another
 * merchant's, or not a posted payment), already_reversed, refund_too_large, insufficient_funds (the
 * merchant's), counterparty_unavailable (the wallet frozen or closed).
 */
import type { BatchedCommand } from './command.js';
import { refundPayment } from './merchant-shared.js';
import { paymentOf } from './payment-lookup.js';
import { merchantAccount } from './shared.js';

export const refund: BatchedCommand<'refund'> = {
  kind: 'batched',
  needs: (input) => ({ merchants: [input.merchant], transfers: [BigInt(input.paymentId)] }),
  apply(book, input, { key }) {
    const merchant = merchantAccount(book, input.merchant);
    const paid = paymentOf(book, merchant, BigInt(input.paymentId));
    const moved = refundPayment(book, merchant, paid, input.amount, input.reason, key);
    return {
      transferId: moved.id.toString(),
      paymentId: input.paymentId,
      amount: moved.amount.toString(),
      refunded: paid.refunded.toString(),
    };
  },
};
