/** Row access for the single (non-batched) commands: each locks the one wallet it changes. */
import { text, type TextKey } from '../../flows/texts/index.js';
import type { Trx } from '../lib/db.js';
import type { Keyring } from '../lib/keyring.js';
import type { AccountRow, UserRow } from '../ledger/book.js';
import { writeOutbox } from '../ledger/book-store.js';
import { walletCode } from '../ledger/codes.js';
import { RefusalError, refusals } from '../ledger/refusals.js';

export interface Wallet {
  account: AccountRow;
  user: UserRow;
}

/** Locks the wallet's account, then its user row (the batch engine's order), or refuses. */
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

export async function notifyUser(
  trx: Trx,
  user: Pick<UserRow, 'msisdn' | 'locale'>,
  key: TextKey,
  params: Parameters<typeof text>[2],
  commandKey: string,
  /** The text holds secrets (initial passwords): it is stored sealed with these keys. */
  sealWith?: Keyring,
): Promise<void> {
  const message = text(user.locale, key, params);
  await writeOutbox(trx, [
    {
      msisdn: user.msisdn,
      text: sealWith ? sealWith.seal(message) : message,
      reason: key.replace(/^notify\./, ''),
      command_key: commandKey,
      sensitive: Boolean(sealWith),
    },
  ]);
}
