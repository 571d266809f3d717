/** What the single (non-batched) commands share: telling the user by SMS in the command's transaction. */
import type { Keyring, Trx } from '../lib/index.js';
import {
  encodeParams,
  type NoticeParams,
  type NotifyKey,
  type UserRow,
  writeOutbox,
} from '../ledger/index.js';

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
