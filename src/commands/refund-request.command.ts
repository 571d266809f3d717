/**
 * refund.request: a merchant's API key asks for a refund (退款), which waits for the merchant's reviewer
 * (refund.review): nothing moves yet. Input: merchant, paymentId, amount? (default: all that is left),
 * reason, reference, requestedBy (the asking key's id). Effect: a refund row `pending_review`.
 * Idempotent on the merchant's reference (key `refund-request:<merchant>:<reference>`). Refusals:
 * not_a_payment (unknown, another merchant's, not paid), already_reversed, refund_too_large (more than
 * what is left now; the approval checks again, against what is left then).
 */
import { insertRefund, paymentRecord, RefusalError, refusals } from '../ledger/index.js';
import type { SingleCommand } from './command.js';

export const refundRequest: SingleCommand<'refund.request'> = {
  kind: 'single',
  async run(trx, input) {
    const paid = await paymentRecord(trx, BigInt(input.paymentId));
    if (!paid || paid.merchant_code !== input.merchant || paid.status !== 'posted')
      throw new RefusalError(refusals.notAPayment());
    if (paid.reversed) throw new RefusalError(refusals.alreadyReversed());
    const left = paid.amount - paid.refunded;
    const amount = input.amount ?? left;
    if (left === 0n || amount > left) throw new RefusalError(refusals.refundTooLarge(left));
    const refundId = await insertRefund(trx, {
      merchant_code: input.merchant,
      payment_id: paid.id,
      amount,
      reason: input.reason,
      reference: input.reference,
      requested_by: BigInt(input.requestedBy),
    });
    return {
      refundId: refundId.toString(),
      status: 'pending_review',
      paymentId: input.paymentId,
      amount: amount.toString(),
    };
  },
};
