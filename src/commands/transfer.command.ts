/**
 * transfer: phone-to-phone transfer (手机转帐).
 * Input: msisdn, to, amount, pin. Effect: wallet → wallet; counts toward the payer's daily limit; SMS
 * to both. Refusals: not_a_user, payee_not_found, same_account, account_frozen/closed,
 * counterparty_unavailable, pin_locked, wrong_pin (counted), limit_per_payment, limit_daily,
 * insufficient_funds.
 */
import { nationalMsisdn } from '../lib/index.js';
import type { BatchedCommand } from './command.js';
import { checkPin, checkPinInBook, msisdnOf, notifyOwner, payeeWallet } from './shared.js';

export const transfer: BatchedCommand<'transfer'> = {
  kind: 'batched',
  needs: (input) => ({ wallets: [msisdnOf(input.msisdn), msisdnOf(input.to)] }),
  prepare: (db, input, ctx) => checkPin(db, ctx, input.msisdn, input.pin),
  apply(book, input, { key, prepared }) {
    const from = msisdnOf(input.msisdn);
    const to = msisdnOf(input.to);
    const { account, user } = book.payer(from);
    const payee = payeeWallet(book, to);
    checkPinInBook(book, user, prepared.pin, key);
    book.spend(user, account, input.amount);
    const moved = book.move({
      kind: 'transfer',
      from: account,
      to: payee,
      amount: input.amount,
      commandKey: key,
    });
    notifyOwner(
      book,
      account,
      'notify.transfer.out',
      { to: nationalMsisdn(to), amount: input.amount, balance: account.balance },
      key,
    );
    notifyOwner(
      book,
      payee,
      'notify.transfer.in',
      { from: nationalMsisdn(from), amount: input.amount, balance: payee.balance },
      key,
    );
    return { transferId: moved.id.toString(), to, balance: account.balance.toString() };
  },
};
