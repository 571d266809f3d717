/**
 * payout: a merchant pays a prize to a user (派奖).
 * Input: merchant, msisdn, amount, reference, description?. Effect: merchant → wallet; SMS, and the
 * callback `payout.paid`. Idempotent on the
 * reference (key `payout:<merchant>:<reference>`). Refusals: merchant_not_found, payee_not_found,
 * insufficient_funds (the merchant's), account_frozen, counterparty_unavailable (wallet frozen/closed).
 */
import { queueCallback } from '../ledger/index.js';
import type { BatchedCommand } from './command.js';
import { merchantAccount, merchantName, msisdnOf, notifyOwner, payeeWallet } from './shared.js';

export const payout: BatchedCommand<'payout'> = {
  kind: 'batched',
  needs: (input) => ({ wallets: [msisdnOf(input.msisdn)], merchants: [input.merchant] }),
  apply(book, input, { key }) {
    const merchant = merchantAccount(book, input.merchant);
    const wallet = payeeWallet(book, msisdnOf(input.msisdn));
    const moved = book.move({
      kind: 'payout',
      from: merchant,
      to: wallet,
      amount: input.amount,
      commandKey: key,
      reference: input.reference,
      description: input.description,
    });
    queueCallback(
      book,
      merchant,
      wallet,
      { event: 'payout.paid', id: moved.id, reference: input.reference, status: 'paid', amount: input.amount },
      key,
    );
    const name = merchantName(book, merchant);
    notifyOwner(
      book,
      wallet,
      'notify.payout',
      { merchant: name, amount: input.amount, balance: wallet.balance },
      key,
    );
    return { transferId: moved.id.toString(), balance: wallet.balance.toString() };
  },
};
