/**
 * Recharge cards (充值卡): a 16-digit serial and a 6-digit PIN, the PIN stored only as a scrypt hash.
 * Issuing puts no money anywhere: a card's value enters the ledger when it is redeemed, from the
 * card float account.
 */
import type { Db } from '../lib/db.js';
import { hashSecret, randomDigits } from '../lib/secrets.js';

/**
 * Card PINs are hashed at a lower scrypt cost than user secrets: a batch of 1,000 cards must issue in
 * seconds without starving the PIN checks that share the thread pool, and what guards a card is its
 * 16-digit serial plus one answer (voucher_invalid) for a wrong serial or a wrong PIN.
 */
const CARD_PIN_COST = { N: 4096, r: 8, p: 1 };

export interface IssuedVoucher {
  serial: string;
  pin: string;
  amount: bigint;
}

export async function issueVouchers(db: Db, count: number, amount: bigint): Promise<IssuedVoucher[]> {
  const cards = await Promise.all(
    Array.from({ length: count }, async () => {
      const pin = randomDigits(6);
      return { serial: `86${randomDigits(14)}`, pin, amount, pinHash: await hashSecret(pin, CARD_PIN_COST) };
    }),
  );
  await db('vouchers').insert(
    cards.map((c) => ({ serial: c.serial, pin_hash: c.pinHash, amount: c.amount })),
  );
  return cards.map(({ serial, pin }) => ({ serial, pin, amount }));
}
