/**
 * payment: a user pays a merchant (支付).
 * Input: msisdn, merchant, amount, pin, reference?, description?. Effect: wallet → merchant; counts
 * toward the daily limit; SMS to the payer. Refusals: not_a_user, merchant_not_found, account_frozen/
 * closed, pin_locked, wrong_pin (counted), limit_per_payment, limit_daily, insufficient_funds,
 * counterparty_unavailable (merchant frozen). The merchant's fee (its basis points) goes to the platform's
 * fee account with the payment, and a merchant with a callback URL gets `payment.paid`.
 */
import { queueCallback } from '../ledger/index.js';
import type { BatchedCommand } from './command.js';
import { chargeFee } from './merchant-shared.js';
import { checkPin, checkPinInBook, merchantAccount, merchantName, msisdnOf, notifyOwner } from './shared.js';

export const payment: BatchedCommand<'payment'> = {
  kind: 'batched',
  needs: (input) => ({
    wallets: [msisdnOf(input.msisdn)],
    merchants: [input.merchant],
    fees: true,
    newTransfers: 2, // the payment and its fee
  }),
  prepare: (db, input, ctx) => checkPin(db, ctx, input.msisdn, input.pin),
  apply(book, input, { key, prepared }) {
    const { account, user } = book.payer(msisdnOf(input.msisdn));
    const merchant = merchantAccount(book, input.merchant);
    checkPinInBook(book, user, prepared.pin, key);
    book.spend(user, account, input.amount);
    const transfer = book.move({
      kind: 'payment',
      from: account,
      to: merchant,
      amount: input.amount,
      commandKey: key,
      reference: input.reference,
      description: input.description,
    });
    chargeFee(book, merchant, transfer, key);
    queueCallback(
      book,
      merchant,
      account,
      {
        event: 'payment.paid',
        id: transfer.id,
        reference: input.reference ?? null,
        status: 'paid',
        amount: input.amount,
      },
      key,
    );
    const name = merchantName(book, merchant);
    notifyOwner(
      book,
      account,
      'notify.payment',
      { merchant: name, amount: input.amount, balance: account.balance },
      key,
    );
    return {
      transferId: transfer.id.toString(),
      merchant: input.merchant,
      merchantName: name,
      balance: account.balance.toString(),
    };
  },
};
