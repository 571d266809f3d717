/**
 * settlement: the close of a business day moves a merchant's net of that day (payments less fees,
 * refunds, reversals and payouts; earlier settlements aside) from its merchant account to the
 * settlement clearing account, as one transfer (a negative net comes back from clearing). Input:
 * merchant, day (`YYYY-MM-DD`, China time). Idempotent per merchant and day: the day close sends it
 * under the key `settlement:<merchant>:<day>`, so running the close again moves nothing more.
 * Result: net (signed fen), transferId (null for a day that nets to zero).
 * Refusals: merchant_not_found, day_not_over (the day is today or later), insufficient_funds.
 */
import { RefusalError, refusals, SYSTEM } from '../ledger/index.js';
import type { BatchedCommand } from './command.js';
import { merchantAccount } from './shared.js';

export const settlement: BatchedCommand<'settlement'> = {
  kind: 'batched',
  needs: (input) => ({
    merchants: [input.merchant],
    system: [SYSTEM.settlement],
    dayNetsOf: [{ merchant: input.merchant, day: input.day }],
  }),
  apply(book, input, { key }) {
    const merchant = merchantAccount(book, input.merchant);
    if (input.day >= book.today) throw new RefusalError(refusals.dayNotOver(input.day));
    const net = book.dayNet(input.merchant, input.day);
    const clearing = book.account(SYSTEM.settlement);
    if (!clearing) throw new Error('the settlement account was not loaded into the batch');
    if (net === 0n) return { merchant: input.merchant, day: input.day, net: '0', transferId: null };
    const moved = book.move({
      kind: 'settlement',
      from: net > 0n ? merchant : clearing,
      to: net > 0n ? clearing : merchant,
      amount: net > 0n ? net : -net,
      commandKey: key,
      reference: input.day,
      description: `settlement of ${input.day}`,
    });
    return { merchant: input.merchant, day: input.day, net: net.toString(), transferId: moved.id.toString() };
  },
};
