/**
 * payment.confirm: the user confirms a merchant's payment request with the PIN; the hold is posted.
 * Input: msisdn, holdId, pin. Effect: the held money moves wallet → merchant; counts toward the daily
 * limit; the merchant's fee goes to the platform; SMS, and the callback `payment.paid`. Refusals: hold_not_pending (unknown, another user's, already posted or voided),
 * hold_expired, pin_locked, wrong_pin (counted), limit_daily, account_frozen/closed.
 */
import { queueCallback, RefusalError, refusals } from '../ledger/index.js';
import type { BatchedCommand } from './command.js';
import { chargeFee } from './merchant-shared.js';
import { checkPin, checkPinInBook, merchantName, msisdnOf, notifyOwner } from './shared.js';

export const paymentConfirm: BatchedCommand<'payment.confirm'> = {
  kind: 'batched',
  needs: (input) => ({
    wallets: [msisdnOf(input.msisdn)],
    transfers: [BigInt(input.holdId)],
    fees: true,
    newTransfers: 1, // the fee (the hold is posted, not created)
  }),
  prepare: (db, input, ctx) => checkPin(db, ctx, input.msisdn, input.pin),
  apply(book, input, { key, prepared }) {
    const { account, user } = book.payer(msisdnOf(input.msisdn));
    const hold = book.transfers.get(BigInt(input.holdId));
    if (hold?.kind !== 'hold' || hold.debit_account_id !== account.id)
      throw new RefusalError(refusals.holdNotPending());
    book.ensurePending(hold);
    checkPinInBook(book, user, prepared.pin, key);
    book.spend(user, account, hold.amount);
    book.postHold(hold);
    const merchant = book.accountById(hold.credit_account_id);
    chargeFee(book, merchant, hold, key);
    queueCallback(
      book,
      merchant,
      account,
      { event: 'payment.paid', id: hold.id, reference: hold.reference, status: 'paid', amount: hold.amount },
      key,
    );
    notifyOwner(
      book,
      account,
      'notify.hold.posted',
      { merchant: merchantName(book, merchant), amount: hold.amount, balance: account.balance },
      key,
    );
    return { holdId: input.holdId, status: 'posted', balance: account.balance.toString() };
  },
};
