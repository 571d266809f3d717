/**
 * Recharge cards (充值卡): a 16-digit serial and a 6-digit PIN, the PIN stored only as a scrypt hash.
 * Issuing puts no money anywhere: a card's value enters the ledger when it is redeemed, from the
 * card float account.
 */
import type { Db } from '../lib/db.js';
import { hashSecret, randomDigits } from '../lib/secrets.js';

export interface IssuedVoucher {
  serial: string;
  pin: string;
  amount: bigint;
}

export async function issueVouchers(db: Db, count: number, amount: bigint): Promise<IssuedVoucher[]> {
  const cards = await Promise.all(
    Array.from({ length: count }, async () => {
      const pin = randomDigits(6);
      return { serial: `86${randomDigits(14)}`, pin, amount, pinHash: await hashSecret(pin) };
    }),
  );
  await db('vouchers').insert(cards.map((c) => ({ serial: c.serial, pin_hash: c.pinHash, amount: c.amount })));
  return cards.map(({ serial, pin }) => ({ serial, pin, amount }));
}
