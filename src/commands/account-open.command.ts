/**
 * account.open: opens a wallet for an MSISDN once the user has accepted the agreement (the flows ask
 * for `A`). Effect: a wallet account and its user with an initial login password (stored as a scrypt
 * hash) and payment PIN (stored as its keyed verification value), sent to the user by SMS: the outbox
 * row is marked sensitive and its text sealed under PIN_KEY, unsealed only by the SMS sender. A closed wallet is opened again, with new passwords. The result never holds
 * the secrets. Refusals: invalid (not a mobile number), already_open.
 */
import { generatePassword, generatePin, hashSecret, keyringOf } from '../lib/index.js';
import {
  insertWalletAccount,
  lockWalletAccount,
  RefusalError,
  refusals,
  setAccountStatus,
  upsertUser,
  walletCode,
} from '../ledger/index.js';
import type { SingleCommand } from './command.js';
import { msisdnOf } from './shared.js';
import { notifyUser } from './single-shared.js';

export const accountOpen: SingleCommand<'account.open'> = {
  kind: 'single',
  async prepare(_db, input, { keys }) {
    const password = generatePassword();
    const pin = generatePin();
    const loginHash = await hashSecret(password);
    return { password, initialPin: pin, loginHash, pinHash: keys.pinValue(msisdnOf(input.msisdn), pin) };
  },
  async run(trx, input, { key, config, prepared }) {
    const msisdn = msisdnOf(input.msisdn);
    const locale = input.locale ?? config.locale;
    const code = walletCode(msisdn);
    const existing = await lockWalletAccount(trx, code);
    if (existing && existing.status !== 'closed') throw new RefusalError(refusals.alreadyOpen());
    let accountId: bigint;
    if (existing) {
      accountId = existing.id;
      await setAccountStatus(trx, accountId, 'active');
    } else {
      const id = await insertWalletAccount(trx, code);
      if (id === null) throw new RefusalError(refusals.alreadyOpen()); // opened by a concurrent command
      accountId = id;
    }
    const user = {
      msisdn,
      account_id: accountId,
      login_hash: String(prepared.loginHash),
      pin_hash: String(prepared.pinHash),
      locale,
    };
    await upsertUser(trx, user);
    await notifyUser(
      trx,
      user,
      'notify.opened',
      { password: String(prepared.password), pin: String(prepared.initialPin) },
      key,
      keyringOf(config),
    );
    return { msisdn, accountId: accountId.toString(), status: 'active' };
  },
};
