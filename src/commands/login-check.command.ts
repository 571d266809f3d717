/**
 * login.check: checks a WAP login password (INTERFACES §7, §9). Input: the MSISDN and the password as
 * typed (sealed on the queue, never in a fingerprint). Before the transaction the stored scrypt hash is
 * read and the password checked against it, unless login is locked (lock before verify: nothing is
 * computed for a locked login). In the transaction the outcome is counted on the user's row: a right
 * password clears the count; the `loginMaxFailures`-th wrong one in a row locks WAP login for
 * `loginLockMinutes` and tells the owner by SMS (the outbox, in the same transaction). Effect on
 * success: none beyond the cleared count; the result names the user's language for the pages.
 * Refusals: not_a_user (also a closed wallet), wrong_password, login_locked.
 */
import { lockWallet, RefusalError, refusals } from '../ledger/index.js';
import type { SingleCommand } from './command.js';
import { checkLogin, countLogin } from './login-shared.js';
import { msisdnOf } from './shared.js';

export const loginCheck: SingleCommand<'login.check'> = {
  kind: 'single',
  async prepare(db, input, { now }) {
    return { login: await checkLogin(db, msisdnOf(input.msisdn), input.password, now) };
  },
  async run(trx, input, ctx) {
    const { account, user } = await lockWallet(trx, msisdnOf(input.msisdn));
    if (account.status === 'closed') throw new RefusalError(refusals.notAUser());
    await countLogin(trx, user, ctx);
    return { msisdn: user.msisdn, locale: user.locale, status: account.status };
  },
};
