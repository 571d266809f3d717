/** Small pieces several commands share. */
import { text } from '../../flows/texts/index.js';
import type { Db } from '../lib/db.js';
import { normalizeMsisdn } from '../lib/msisdn.js';
import { verifySecret } from '../lib/secrets.js';
import type { AccountRow, Book, PinCheck } from '../ledger/book.js';
import { merchantOfAccount, msisdnOfWallet } from '../ledger/codes.js';
import { RefusalError, refusals } from '../ledger/refusals.js';

/** The canonical MSISDN, or a refusal for something that is no mobile number. */
export function msisdnOf(raw: string): string {
  const msisdn = normalizeMsisdn(raw);
  if (!msisdn) throw new RefusalError(refusals.invalid(`not a mobile number: ${raw}`));
  return msisdn;
}

/** Checks a PIN against the stored hash before the transaction; the book counts the outcome. */
export async function checkPin(db: Db, msisdn: string, pin: string): Promise<{ pin?: PinCheck }> {
  const user = await db('users')
    .where({ msisdn: normalizeMsisdn(msisdn) ?? '' })
    .first('pin_hash');
  if (!user) return {};
  const ok = /^\d{6}$/.test(pin) && (await verifySecret(pin, user.pin_hash));
  return { pin: { pinHash: user.pin_hash, ok } };
}

/** Sends the owner of a wallet account an SMS in the owner's language. */
export function notifyOwner(
  book: Book,
  account: AccountRow,
  key: Parameters<typeof text>[1],
  params: Parameters<typeof text>[2],
  commandKey: string,
): void {
  const msisdn = msisdnOfWallet(account.code);
  if (!msisdn) return;
  const locale = book.users.get(msisdn)?.locale ?? 'zh-CN';
  book.notify(msisdn, text(locale, key, params), key.replace(/^notify\./, ''), commandKey);
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
