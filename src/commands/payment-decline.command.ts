/**
 * payment.decline: the user declines a merchant's payment request (QX), or the merchant withdraws it.
 * Input: msisdn, holdId. Effect: the hold is voided and the money is free again; SMS, and the merchant's
 * callback: `payment.expired` when the request had expired (the sweep voids those), else
 * `payment.declined`. Refusals: hold_not_pending.
 */
import { queueCallback, RefusalError, refusals } from '../ledger/index.js';
import type { BatchedCommand } from './command.js';
import { merchantName, msisdnOf, notifyOwner } from './shared.js';

export const paymentDecline: BatchedCommand<'payment.decline'> = {
  kind: 'batched',
  needs: (input) => ({ wallets: [msisdnOf(input.msisdn)], transfers: [BigInt(input.holdId)] }),
  apply(book, input, { key }) {
    const user = book.users.get(msisdnOf(input.msisdn));
    const hold = book.transfers.get(BigInt(input.holdId));
    if (!user || !hold || hold.kind !== 'hold' || hold.debit_account_id !== user.account_id) {
      throw new RefusalError(refusals.holdNotPending());
    }
    const expired = hold.expires_at !== null && hold.expires_at <= book.options.now;
    book.voidHold(hold, expired ? 'expired' : 'declined');
    const account = book.accountById(hold.debit_account_id);
    const merchant = book.accountById(hold.credit_account_id);
    const status = expired ? 'expired' : 'declined';
    queueCallback(
      book,
      merchant,
      account,
      { event: `payment.${status}`, id: hold.id, reference: hold.reference, status, amount: hold.amount },
      key,
    );
    notifyOwner(
      book,
      account,
      'notify.hold.voided',
      { merchant: merchantName(book, merchant), amount: hold.amount },
      key,
    );
    return { holdId: input.holdId, status: 'voided' };
  },
};
