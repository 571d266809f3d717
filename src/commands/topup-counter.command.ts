/**
 * topup.counter: money paid in at a counter (营业厅) or by bank transfer.
 * Input: msisdn, amount, reference (the bank's or counter's). Effect: bank clearing → wallet; SMS.
 * Idempotent on the reference: the producer uses `topup:<reference>` as the command key.
 * Refusals: not_a_user, account_frozen/closed.
 */
import { SYSTEM } from '../ledger/index.js';
import type { BatchedCommand } from './command.js';
import { msisdnOf, notifyOwner } from './shared.js';

export const topupCounter: BatchedCommand<'topup.counter'> = {
  kind: 'batched',
  needs: (input) => ({ wallets: [msisdnOf(input.msisdn)], system: [SYSTEM.bankClearing] }),
  apply(book, input, { key }) {
    const { account } = book.payer(msisdnOf(input.msisdn));
    const transfer = book.move({
      kind: 'topup_counter',
      from: book.account(SYSTEM.bankClearing)!,
      to: account,
      amount: input.amount,
      commandKey: key,
      reference: input.reference,
    });
    notifyOwner(book, account, 'notify.topup', { amount: input.amount, balance: account.balance }, key);
    return { transferId: transfer.id.toString(), balance: account.balance.toString() };
  },
};
