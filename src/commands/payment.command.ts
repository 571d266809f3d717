/**
 * payment: a user pays a merchant (支付).
 * Input: msisdn, merchant, amount, pin, reference?, description?. Effect: wallet → merchant; counts
 * toward the daily limit; SMS to the payer. Refusals: not_a_user, merchant_not_found, account_frozen/
 * closed, pin_locked, wrong_pin (counted), limit_per_payment, limit_daily, insufficient_funds,
 * counterparty_unavailable (merchant frozen).
 */
import type { BatchedCommand } from './command.js';
import { checkPin, checkPinInBook, merchantAccount, merchantName, msisdnOf, notifyOwner } from './shared.js';

export const payment: BatchedCommand<'payment'> = {
  kind: 'batched',
  needs: (input) => ({ wallets: [msisdnOf(input.msisdn)], merchants: [input.merchant] }),
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
