/** Small pieces several commands share. */
import { Batcher, chinaTime, type Db, normalizeMsisdn } from '../lib/index.js';
import {
  type AccountRow,
  type Book,
  merchantOfAccount,
  msisdnOfWallet,
  type NoticeParams,
  type NotifyKey,
  type PinCheck,
  RefusalError,
  refusals,
  type StoredPin,
  storedPins,
  type UserRow,
} from '../ledger/index.js';
import type { PrepareContext, VoucherCheck } from './command.js';

/** The canonical MSISDN, or a refusal for something that is no mobile number. */
export function msisdnOf(raw: string): string {
  const msisdn = normalizeMsisdn(raw);
  if (!msisdn) throw new RefusalError(refusals.invalid(`not a mobile number: ${raw}`));
  return msisdn;
}

/**
 * Checks a PIN against the stored verification value before the transaction; the book counts the
 * outcome. A wallet whose PIN is locked is not checked at all (lock before verify): nothing is
 * computed for it, so guesses aimed at locked wallets cost nothing and learn nothing. The lookups of
 * all commands arriving together share one query, so hundreds of payments in flight do not queue for
 * pool connections ahead of the batch transactions.
 */
export async function checkPin(
  db: Db,
  { keys, now }: PrepareContext,
  msisdn: string,
  pin: string,
): Promise<{ pin?: PinCheck }> {
  const canonical = normalizeMsisdn(msisdn) ?? '';
  const stored = await pinLookup(db).submit(canonical);
  if (stored === null) return {};
  if (stored.lockedUntil && stored.lockedUntil > now)
    return { pin: { pinHash: stored.pinHash, ok: false, locked: true } };
  if (!/^\d{6}$/.test(pin)) return { pin: { pinHash: stored.pinHash, ok: false } };
  const { ok, upgrade } = await keys.verifyPin(canonical, pin, stored.pinHash);
  return { pin: { pinHash: stored.pinHash, ok, ...(upgrade ? { upgrade } : {}) } };
}

const lookups = new WeakMap<Db, Batcher<string, StoredPin | null>>();

function pinLookup(db: Db): Batcher<string, StoredPin | null> {
  let lookup = lookups.get(db);
  if (!lookup) {
    lookup = new Batcher((msisdns) => storedPins(db, msisdns), { max: 1000, waitMs: 0, maxInFlight: 4 });
    lookups.set(db, lookup);
  }
  return lookup;
}

/** Sends the owner of a wallet account an SMS in the owner's language. */
export function notifyOwner(
  book: Book,
  account: AccountRow,
  key: NotifyKey,
  params: NoticeParams,
  commandKey: string,
): void {
  const msisdn = msisdnOfWallet(account.code);
  if (!msisdn) return;
  book.notify(msisdn, book.users.get(msisdn)?.locale ?? 'zh-CN', key, params, commandKey);
}

/** Checks a PIN in the book; the check that locks the wallet tells its owner (an SMS a refusal keeps). */
export function checkPinInBook(
  book: Book,
  user: UserRow,
  check: PinCheck | undefined,
  commandKey: string,
): void {
  book.checkPin(user, check, (until) =>
    book.notify(user.msisdn, user.locale, 'notify.pin.locked', { until: chinaTime(until) }, commandKey, true),
  );
}

/** Checks a recharge card's PIN in the book; a lock it sets is told to the user who sent it. */
export function checkCardPinInBook(
  book: Book,
  user: UserRow,
  serial: string,
  check: VoucherCheck | undefined,
  commandKey: string,
): void {
  book.checkCardPin(user, book.vouchers.get(serial), check, (lock) => {
    const [key, params]: [NotifyKey, NoticeParams] =
      lock.kind === 'card'
        ? ['notify.card.locked', { last4: lock.serial.slice(-4) }]
        : ['notify.card.topups.locked', { until: chinaTime(lock.until) }];
    book.notify(user.msisdn, user.locale, key, params, commandKey, true);
  });
}

/** A merchant's name as users know it. */
export function merchantName(book: Book, account: AccountRow): string {
  const code = merchantOfAccount(account.code) ?? account.code;
  return book.merchantNames.get(code) ?? code;
}

/** The merchant account for a code, or a refusal. */
export function merchantAccount(book: Book, code: string): AccountRow {
  const account = book.account(`merchant:${code}`);
  if (!account) throw new RefusalError(refusals.merchantNotFound());
  return account;
}

/** The wallet account of a user who may receive money. */
export function payeeWallet(book: Book, msisdn: string): AccountRow {
  const user = book.users.get(msisdn);
  const account = user && book.accounts.get(user.account_id);
  if (!account) throw new RefusalError(refusals.payeeNotFound());
  return account;
}
