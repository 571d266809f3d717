/**
 * refund.review: the merchant's reviewer decides a refund under review (退款审核).
 * Input: merchant, refundId, paymentId, decision (`approve` | `reject`), reviewer (the deciding key's
 * id). Effect: approve: merchant → the paying wallet, the payment's `refunded` grows, SMS; reject:
 * nothing moves. Either way the refund records the decision, and the merchant gets the callback
 * `refund.approved` or `refund.rejected`. The payment row is locked in the batch, so two approvals
 * racing never refund more than was paid: the second sees what the first left.
 * Refusals: not_a_refund (unknown, another merchant's), requester_cannot_review (the key that asked),
 * refund_not_pending (decided already), refund_too_large (others took what was left), already_reversed,
 * insufficient_funds (the merchant's), counterparty_unavailable.
 */
import { queueCallback, RefusalError, refusals } from '../ledger/index.js';
import type { BatchedCommand } from './command.js';
import { refundPayment } from './merchant-shared.js';
import { paymentOf } from './payment-lookup.js';
import { merchantAccount } from './shared.js';

export const refundReview: BatchedCommand<'refund.review'> = {
  kind: 'batched',
  needs: (input) => ({
    merchants: [input.merchant],
    transfers: [BigInt(input.paymentId)],
    refunds: [BigInt(input.refundId)],
  }),
  apply(book, input, { key }) {
    const merchant = merchantAccount(book, input.merchant);
    const refund = book.refunds.get(BigInt(input.refundId));
    if (!refund || refund.merchant_code !== input.merchant || refund.payment_id !== BigInt(input.paymentId))
      throw new RefusalError(refusals.notARefund());
    const reviewer = BigInt(input.reviewer);
    if (refund.requested_by === reviewer) throw new RefusalError(refusals.requesterCannotReview());
    if (refund.status !== 'pending_review') throw new RefusalError(refusals.refundNotPending(refund.status));
    const paid = paymentOf(book, merchant, refund.payment_id);
    const approve = input.decision === 'approve';
    const moved = approve ? refundPayment(book, merchant, paid, refund.amount, refund.reason, key) : null;
    const status = approve ? 'approved' : 'rejected';
    book.decideRefund(refund, status, reviewer, moved?.id ?? null);
    queueCallback(
      book,
      merchant,
      book.accountById(paid.debit_account_id),
      { event: `refund.${status}`, id: refund.id, reference: refund.reference, status, amount: refund.amount },
      key,
    );
    return {
      refundId: input.refundId,
      status,
      paymentId: input.paymentId,
      amount: refund.amount.toString(),
      refunded: paid.refunded.toString(),
    };
  },
};
