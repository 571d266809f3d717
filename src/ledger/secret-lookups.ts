/**
 * The stored PIN values and locks the commands check secrets against before their transaction (lock
 * before verify). Plain reads, many asks to one query: hundreds of payments in flight share it.
 */
import { type Db, pgArray } from '../lib/index.js';

export interface StoredPin {
  pinHash: string;
  lockedUntil: Date | null;
}

/** Each user's PIN value and lock, in the order asked; null for a number without a user. */
export async function storedPins(db: Db, msisdns: readonly string[]): Promise<(StoredPin | null)[]> {
  const { rows } = await db.raw(
    'SELECT msisdn, pin_hash, pin_locked_until FROM users WHERE msisdn = ANY(?::text[])',
    [pgArray(msisdns)],
  );
  const byMsisdn = new Map<string, StoredPin>(
    rows.map((r: { msisdn: string; pin_hash: string; pin_locked_until: Date | null }) => [
      r.msisdn,
      { pinHash: r.pin_hash, lockedUntil: r.pin_locked_until },
    ]),
  );
  return msisdns.map((m) => byMsisdn.get(m) ?? null);
}

export interface StoredCard {
  /** Null for a serial no card has. */
  pinHash: string | null;
  voucherLocked: boolean;
  /** The user's card top-up lock. */
  cardLockedUntil: Date | null;
}

/** Each card's PIN value and lock with its user's card top-up lock, in the order asked. */
export async function storedCards(
  db: Db,
  asks: readonly { serial: string; msisdn: string }[],
): Promise<StoredCard[]> {
  const { rows } = await db.raw(
    `SELECT a.n, v.pin_hash, v.locked_at IS NOT NULL AS voucher_locked, u.card_locked_until
       FROM unnest(?::text[], ?::text[]) WITH ORDINALITY AS a(serial, msisdn, n)
       LEFT JOIN vouchers v ON v.serial = a.serial
       LEFT JOIN users u ON u.msisdn = a.msisdn`,
    [pgArray(asks.map((a) => a.serial)), pgArray(asks.map((a) => a.msisdn))],
  );
  const byN = new Map<number, StoredCard>(
    rows.map(
      (r: {
        n: string;
        pin_hash: string | null;
        voucher_locked: boolean | null;
        card_locked_until: Date | null;
      }) => [
        Number(r.n),
        {
          pinHash: r.pin_hash,
          voucherLocked: r.voucher_locked === true,
          cardLockedUntil: r.card_locked_until,
        },
      ],
    ),
  );
  return asks.map((_, i) => byN.get(i + 1)!);
}
