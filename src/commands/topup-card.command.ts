/**
 * topup.card: a user tops up with a recharge card (充值卡).
 * Input: msisdn, serial, cardPin. Effect: card float → wallet for the card's amount; the card is marked
 * redeemed by this wallet; SMS to the owner. A wrong card PIN, or an unknown serial (it costs and reads
 * like a wrong PIN, so serials cannot be probed), is counted: five on one card lock the card, ten from
 * one MSISDN in a business day lock its card top-ups until the day ends; each lock is told by SMS. A
 * locked card or user is refused before any PIN is checked. Refusals: not_a_user, account_frozen/closed,
 * voucher_invalid, voucher_used, voucher_locked, card_topups_locked.
 */
import { Batcher, type Db, normalizeMsisdn } from '../lib/index.js';
import { RefusalError, refusals, type StoredCard, SYSTEM, storedCards } from '../ledger/index.js';
import type { BatchedCommand, VoucherCheck } from './command.js';
import { checkCardPinInBook, msisdnOf, notifyOwner } from './shared.js';

export const topupCard: BatchedCommand<'topup.card'> = {
  kind: 'batched',
  needs: (input) => ({
    wallets: [msisdnOf(input.msisdn)],
    system: [SYSTEM.cardFloat],
    vouchers: [input.serial],
  }),
  async prepare(db, input, { keys, now }) {
    const stored = await cardLookup(db).submit({
      serial: input.serial,
      msisdn: normalizeMsisdn(input.msisdn) ?? '',
    });
    const locked = (stored.cardLockedUntil && stored.cardLockedUntil > now) || stored.voucherLocked;
    if (locked) return { voucher: { ok: false, locked: true } satisfies VoucherCheck };
    const { ok } = await keys.verifyCardPin(input.serial, input.cardPin, stored.pinHash);
    return { voucher: { ok } };
  },
  apply(book, input, { key, prepared }) {
    const { account, user } = book.payer(msisdnOf(input.msisdn));
    checkCardPinInBook(book, user, input.serial, prepared.voucher, key);
    const voucher = book.vouchers.get(input.serial);
    if (!voucher) throw new RefusalError(refusals.voucherInvalid());
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

const lookups = new WeakMap<Db, Batcher<{ serial: string; msisdn: string }, StoredCard>>();

/** The cards' stored PIN values and locks, and the users' card locks, of the top-ups arriving together. */
function cardLookup(db: Db): Batcher<{ serial: string; msisdn: string }, StoredCard> {
  let lookup = lookups.get(db);
  if (!lookup) {
    lookup = new Batcher((asks) => storedCards(db, asks), { max: 1000, waitMs: 0, maxInFlight: 4 });
    lookups.set(db, lookup);
  }
  return lookup;
}
