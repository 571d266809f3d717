/**
 * Merchant payment requests waiting for a wallet's PIN (INTERFACES §3, §8): at most
 * `MAX_WAITING_REQUESTS` at a time, each with the number `n` its user answers it by. Pure rules on the
 * batch's Book: the requests the wallet had when the batch began (loaded by `loadBook` for
 * payment.request) and those the batch made, paid or declined since, in the order its commands ran.
 */
import type { AccountRow, Book, TransferRow } from './book.js';
import { RefusalError, refusals } from './refusals.js';

/** A wallet has at most this many payment requests waiting; another is refused `too_many_requests`. */
export const MAX_WAITING_REQUESTS = 3;

/** The wallet's requests waiting now (pending, not expired), by number. */
export function waitingRequests(book: Book, account: AccountRow): TransferRow[] {
  const now = book.options.now;
  const waiting: TransferRow[] = [];
  for (const id of book.holdsByAccount.get(account.id) ?? []) {
    // A hold its command took back is gone from `transfers`, or its id went to another transfer since.
    const t = book.transfers.get(id);
    if (t?.kind !== 'hold' || t.status !== 'pending' || t.debit_account_id !== account.id) continue;
    if (t.expires_at && t.expires_at <= now) continue;
    waiting.push(t);
  }
  return waiting.sort((a, b) => (a.request_no ?? 0) - (b.request_no ?? 0));
}

/**
 * The number for one more request of a wallet whose `waiting` ones are these: the smallest positive
 * number none of them uses. Refuses `too_many_requests` when the wallet has no room for another.
 */
export function nextRequestNo(waiting: readonly TransferRow[]): number {
  if (waiting.length >= MAX_WAITING_REQUESTS)
    throw new RefusalError(refusals.tooManyRequests(MAX_WAITING_REQUESTS));
  const used = new Set(waiting.map((t) => t.request_no));
  let n = 1;
  while (used.has(n)) n += 1;
  return n;
}
