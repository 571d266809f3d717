/**
 * Recharge cards (充值卡): a 16-digit serial and a 6-digit PIN, the PIN stored only as its keyed
 * verification value (HMAC under the card subkey of PIN_KEY, of the serial and the PIN).
 * Issuing puts no money anywhere: a card's value enters the ledger when it is redeemed, from the
 * card float account.
 */
import { type Db, type Keyring, randomDigits, type Trx } from '../lib/index.js';

export interface IssuedVoucher {
  serial: string;
  pin: string;
  amount: bigint;
}

/** Issues `count` cards of `amount`: their serials and PINs, shown this once (inside `db` when it is a transaction). */
export async function issueVouchers(
  db: Db | Trx,
  keys: Keyring,
  count: number,
  amount: bigint,
): Promise<IssuedVoucher[]> {
  const cards = Array.from({ length: count }, () => {
    const pin = randomDigits(6);
    const serial = `86${randomDigits(14)}`;
    return { serial, pin, amount, pinHash: keys.cardPinValue(serial, pin) };
  });
  await db('vouchers').insert(
    cards.map((c) => ({ serial: c.serial, pin_hash: c.pinHash, amount: c.amount })),
  );
  return cards.map(({ serial, pin }) => ({ serial, pin, amount }));
}
