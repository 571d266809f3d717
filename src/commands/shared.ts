/** Small pieces several commands share. */
import { text } from '../../flows/texts/index.js';
import { Batcher } from '../lib/batcher.js';
import { type Db, pgArray } from '../lib/db.js';
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

/**
 * Checks a PIN against the stored hash before the transaction; the book counts the outcome. The hash
 * lookups of all commands arriving together share one query, so hundreds of payments in flight do not
 * queue for pool connections ahead of the batch transactions.
 */
export async function checkPin(db: Db, msisdn: string, pin: string): Promise<{ pin?: PinCheck }> {
  const pinHash = await pinHashLookup(db).submit(normalizeMsisdn(msisdn) ?? '');
  if (pinHash === null) return {};
  const ok = /^\d{6}$/.test(pin) && (await verifySecret(pin, pinHash));
  return { pin: { pinHash, ok } };
}

const lookups = new WeakMap<Db, Batcher<string, string | null>>();

function pinHashLookup(db: Db): Batcher<string, string | null> {
  let lookup = lookups.get(db);
  if (!lookup) {
    lookup = new Batcher(
      async (msisdns) => {
        const rows = await db.raw('SELECT msisdn, pin_hash FROM users WHERE msisdn = ANY(?::text[])', [
          pgArray(msisdns),
        ]);
        const byMsisdn = new Map<string, string>(
          rows.rows.map((r: { msisdn: string; pin_hash: string }) => [r.msisdn, r.pin_hash]),
        );
        return msisdns.map((m) => byMsisdn.get(m) ?? null);
      },
      { max: 1000, waitMs: 0, maxInFlight: 4 },
    );
    lookups.set(db, lookup);
  }
  return lookup;
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
