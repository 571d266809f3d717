/**
 * payment.request: a merchant asks a user to pay (a push payment). The money is held at once, so the
 * merchant knows it is there, and stays held until the user confirms with the PIN (payment.confirm),
 * declines (payment.decline) or the request expires (the maintenance sweep voids it).
 * Input: merchant, msisdn, amount, reference, description?. Effect: a pending transfer wallet →
 * merchant; the wallet's available balance drops; SMS asking for the PIN. The daily limit is counted
 * when the user confirms. Refusals: merchant_not_found, not_a_user, account_frozen/closed,
 * limit_per_payment, insufficient_funds.
 */
import type { BatchedCommand } from './command.js';
import { merchantAccount, merchantName, msisdnOf, notifyOwner } from './shared.js';

export const paymentRequest: BatchedCommand<'payment.request'> = {
  kind: 'batched',
  needs: (input) => ({ wallets: [msisdnOf(input.msisdn)], merchants: [input.merchant] }),
  apply(book, input, { key }) {
    const merchant = merchantAccount(book, input.merchant);
    const { account, user } = book.payer(msisdnOf(input.msisdn));
    book.checkPerPayment(user, input.amount);
    const expiresAt = new Date(book.options.now.getTime() + book.options.holdTtlMs);
    const hold = book.hold(
      {
        kind: 'hold',
        from: account,
        to: merchant,
        amount: input.amount,
        commandKey: key,
        reference: input.reference,
        description: input.description,
      },
      expiresAt,
    );
    notifyOwner(
      book,
      account,
      'notify.hold',
      { merchant: merchantName(book, merchant), amount: input.amount },
      key,
    );
    return { holdId: hold.id.toString(), status: 'pending', expiresAt: expiresAt.toISOString() };
  },
};
