/**
 * topup.card: a user tops up with a recharge card (充值卡).
 * Input: msisdn, serial, cardPin. Effect: card float → wallet for the card's amount; the card is marked
 * redeemed by this wallet; SMS to the owner. Refusals: not_a_user, account_frozen/closed,
 * voucher_invalid (unknown serial or wrong card PIN: one answer for both, so serials cannot be probed),
 * voucher_used.
 */
import { verifySecret } from '../lib/secrets.js';
import { RefusalError, refusals } from '../ledger/refusals.js';
import { SYSTEM } from '../ledger/codes.js';
import type { BatchedCommand } from './command.js';
import { msisdnOf, notifyOwner } from './shared.js';

export const topupCard: BatchedCommand<'topup.card'> = {
  kind: 'batched',
  needs: (input) => ({
    wallets: [msisdnOf(input.msisdn)],
    system: [SYSTEM.cardFloat],
    vouchers: [input.serial],
  }),
  async prepare(db, input) {
    const voucher = await db('vouchers').where({ serial: input.serial }).first('pin_hash');
    return { voucherPinOk: Boolean(voucher) && (await verifySecret(input.cardPin, voucher.pin_hash)) };
  },
  apply(book, input, { key, prepared }) {
    const { account } = book.payer(msisdnOf(input.msisdn));
    const voucher = book.vouchers.get(input.serial);
    if (!voucher || !prepared.voucherPinOk) throw new RefusalError(refusals.voucherInvalid());
    if (voucher.status !== 'issued') throw new RefusalError(refusals.voucherUsed());
    const transfer = book.move({
      kind: 'topup_card',
      from: book.account(SYSTEM.cardFloat)!,
      to: account,
      amount: voucher.amount,
      commandKey: key,
      reference: voucher.serial,
    });
    book.redeemVoucher(voucher, msisdnOf(input.msisdn), transfer.id);
    notifyOwner(book, account, 'notify.topup', { amount: voucher.amount, balance: account.balance }, key);
    return {
      transferId: transfer.id.toString(),
      amount: voucher.amount.toString(),
      balance: account.balance.toString(),
    };
  },
};
