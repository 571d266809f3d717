/**
 * Row access for the single (non-batched) commands: each locks the one wallet it changes, account row
 * first and then its user row (the batch engine's order), and changes them here.
 */
import { type Db, pgArray, type Trx } from '../lib/index.js';
import type { AccountRow, UserRow } from './book.js';
import { walletCode } from './codes.js';
import { RefusalError, refusals } from './refusals.js';

export interface Wallet {
  account: AccountRow;
  user: UserRow;
}

/** Locks the wallet's account, then its user row, or refuses `not_a_user`. */
export async function lockWallet(trx: Trx, msisdn: string): Promise<Wallet> {
  const account = await trx('accounts')
    .where({ code: walletCode(msisdn) })
    .forUpdate()
    .first();
  if (!account) throw new RefusalError(refusals.notAUser());
  const user = await trx('users').where({ msisdn }).forUpdate().first();
  if (!user) throw new RefusalError(refusals.notAUser());
  return { account, user };
}

/** Locks the wallet account of this code, whatever its status (a closed one may be opened again). */
export async function lockWalletAccount(trx: Trx, code: string): Promise<AccountRow | undefined> {
  return trx('accounts').where({ code }).forUpdate().first();
}

/** A new wallet account's id, or null when a concurrent command made one with this code first. */
export async function insertWalletAccount(trx: Trx, code: string): Promise<bigint | null> {
  const [row] = await trx('accounts')
    .insert({ kind: 'wallet', code })
    .onConflict('code')
    .ignore()
    .returning('id');
  return row ? row.id : null;
}

/** Sets an account's status; `frozenUntil` only means something for `frozen` (null: until unfrozen). */
export async function setAccountStatus(
  trx: Trx,
  accountId: bigint,
  status: AccountRow['status'],
  frozenUntil: Date | null = null,
): Promise<void> {
  await trx('accounts')
    .where({ id: accountId })
    .update({ status, frozen_until: frozenUntil, updated_at: trx.fn.now() });
}

/** The user of a wallet being opened: its secrets' values and its language. */
export interface NewUser extends Pick<UserRow, 'msisdn' | 'account_id' | 'pin_hash' | 'locale'> {
  login_hash: string;
}

/** Stores a new wallet's user; a closed wallet's user row, opened again, starts afresh. */
export async function upsertUser(trx: Trx, user: NewUser): Promise<void> {
  const fresh = { pin_failures: 0, pin_locked_until: null, limit_per_payment: null, limit_daily: null };
  await trx('users')
    .insert({ ...user, ...fresh, closed_at: null })
    .onConflict('msisdn')
    .merge();
}

export async function closeUser(trx: Trx, msisdn: string): Promise<void> {
  await trx('users').where({ msisdn }).update({ closed_at: trx.fn.now() });
}

export async function setLocale(trx: Trx, msisdn: string, locale: string): Promise<void> {
  await trx('users').where({ msisdn }).update({ locale });
}

export async function setLimits(trx: Trx, msisdn: string, perPayment: bigint, daily: bigint): Promise<void> {
  await trx('users').where({ msisdn }).update({ limit_per_payment: perPayment, limit_daily: daily });
}

/** Writes what a PIN check left: the count of failures and the lock, and the PIN value when it was upgraded. */
export async function savePinCheck(
  trx: Trx,
  user: Pick<UserRow, 'msisdn' | 'pin_hash' | 'pin_failures' | 'pin_locked_until'>,
  withHash: boolean,
): Promise<void> {
  await trx('users')
    .where({ msisdn: user.msisdn })
    .update({
      ...(withHash ? { pin_hash: user.pin_hash } : {}),
      pin_failures: user.pin_failures,
      pin_locked_until: user.pin_locked_until,
    });
}

/** A new PIN value, and no failures or lock from the old one. */
export async function setPin(trx: Trx, msisdn: string, pinHash: string): Promise<void> {
  await trx('users').where({ msisdn }).update({ pin_hash: pinHash, pin_failures: 0, pin_locked_until: null });
}

/** Lifts the PIN and card top-up locks and their failure counts. */
export async function unlockPins(trx: Trx, msisdn: string): Promise<void> {
  await trx('users').where({ msisdn }).update({
    pin_failures: 0,
    pin_locked_until: null,
    card_failures: 0,
    card_locked_until: null,
  });
}

/** Whether this MSISDN has a wallet account (closed or not). */
export async function hasWalletAccount(db: Db | Trx, msisdn: string): Promise<boolean> {
  return Boolean(
    await db('accounts')
      .where({ code: walletCode(msisdn) })
      .first('id'),
  );
}

/** Whether a user row exists for this MSISDN (closed or not). */
export async function userExists(db: Db | Trx, msisdn: string): Promise<boolean> {
  return Boolean(await db('users').where({ msisdn }).first('msisdn'));
}

/** The stored locale of each of these users that exists. */
export async function userLocales(db: Db | Trx, msisdns: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await db.raw('SELECT msisdn, locale FROM users WHERE msisdn = ANY(?::text[])', [
    pgArray([...msisdns]),
  ]);
  return new Map((rows as { msisdn: string; locale: string }[]).map((r) => [r.msisdn, r.locale]));
}
