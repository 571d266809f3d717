/** Row access for the single (non-batched) commands: each locks the one wallet it changes. */
import type { Trx } from '../lib/db.js';
import type { Keyring } from '../lib/keyring.js';
import type { AccountRow, UserRow } from '../ledger/book.js';
import { writeOutbox } from '../ledger/book-store.js';
import { walletCode } from '../ledger/codes.js';
import { encodeParams, type NoticeParams, type NotifyKey } from '../ledger/notices.js';
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

/** Tells the user by SMS, in the user's language, committed with the change it reports. */
export async function notifyUser(
  trx: Trx,
  user: Pick<UserRow, 'msisdn' | 'locale'>,
  key: NotifyKey,
  params: NoticeParams,
  commandKey: string,
  /** The parameters hold secrets (initial passwords): they are stored sealed with these keys. */
  sealWith?: Keyring,
): Promise<void> {
  await writeOutbox(trx, [
    {
      msisdn: user.msisdn,
      text_key: key,
      params: encodeParams(params, sealWith),
      locale: user.locale,
      reason: key.replace(/^notify\./, ''),
      command_key: commandKey,
      sensitive: Boolean(sealWith),
    },
  ]);
}
