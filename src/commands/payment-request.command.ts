/**
 * payment.request: a merchant asks a user to pay (a push payment). The money is held at once, so the
 * merchant knows it is there, and stays held until the user confirms with the PIN (payment.confirm),
 * declines (payment.decline) or the request expires (the maintenance sweep voids it).
 * Input: merchant, msisdn, amount, reference, description?. Effect: a pending transfer wallet →
 * merchant with the request's number `n` (the smallest its wallet's other waiting requests leave
 * free: 1–3); the wallet's available balance drops; an SMS naming merchant, amount and `n` that says how
 * to answer (the PIN alone when it is the only request waiting, `n PIN` when there are several, `QX n`
 * to decline). The daily limit is counted when the user confirms. Result: holdId, status, expiresAt,
 * requestNo. Refusals: merchant_not_found, not_a_user, account_frozen/closed, limit_per_payment,
 * too_many_requests (3 already waiting, the batch's own included), insufficient_funds.
 */
import { nextRequestNo, waitingRequests } from '../ledger/index.js';
import type { BatchedCommand } from './command.js';
import { merchantAccount, merchantName, msisdnOf, notifyOwner } from './shared.js';

export const paymentRequest: BatchedCommand<'payment.request'> = {
  kind: 'batched',
  needs: (input) => {
    const msisdn = msisdnOf(input.msisdn);
    return { wallets: [msisdn], merchants: [input.merchant], pendingRequestsOf: [msisdn] };
  },
  apply(book, input, { key }) {
    const merchant = merchantAccount(book, input.merchant);
    const { account, user } = book.payer(msisdnOf(input.msisdn));
    book.checkPerPayment(user, input.amount);
    const waiting = waitingRequests(book, account);
    const requestNo = nextRequestNo(waiting);
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
        requestNo,
      },
      expiresAt,
    );
    notifyOwner(
      book,
      account,
      waiting.length === 0 ? 'notify.hold' : 'notify.hold.several',
      {
        merchant: merchantName(book, merchant),
        amount: input.amount,
        n: requestNo,
        count: waiting.length + 1,
      },
      key,
    );
    return {
      holdId: hold.id.toString(),
      status: 'pending',
      expiresAt: expiresAt.toISOString(),
      requestNo,
    };
  },
};
