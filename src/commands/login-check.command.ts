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
import { chinaTime, verifySecret } from '../lib/index.js';
import {
  applyLoginCheck,
  type LoginCheck,
  lockLogin,
  lockWallet,
  RefusalError,
  refusals,
  saveLoginCheck,
  storedLogin,
} from '../ledger/index.js';
import type { SingleCommand } from './command.js';
import { msisdnOf } from './shared.js';
import { notifyUser } from './single-shared.js';

export const loginCheck: SingleCommand<'login.check'> = {
  kind: 'single',
  async prepare(db, input, { now }) {
    const stored = await storedLogin(db, msisdnOf(input.msisdn));
    if (!stored) return {};
    const locked = Boolean(stored.login_locked_until && stored.login_locked_until > now);
    const ok = !locked && (await verifySecret(input.password, stored.login_hash));
    return { login: { loginHash: stored.login_hash, ok, locked } satisfies LoginCheck };
  },
  async run(trx, input, { key, now, config, prepared }) {
    const { account, user } = await lockWallet(trx, msisdnOf(input.msisdn));
    if (account.status === 'closed') throw new RefusalError(refusals.notAUser());
    const login = await lockLogin(trx, user.msisdn);
    const check = prepared.login as LoginCheck | undefined;
    if (!login || !check) throw new RefusalError(refusals.notAUser());
    const policy = { now, maxFailures: config.loginMaxFailures, lockMs: config.loginLockMinutes * 60_000 };
    const { refusal, changed, lockedNow } = applyLoginCheck(login, check, policy);
    if (changed) await saveLoginCheck(trx, login);
    if (lockedNow && login.login_locked_until)
      await notifyUser(trx, user, 'notify.login.locked', { until: chinaTime(login.login_locked_until) }, key);
    if (refusal) throw new RefusalError(refusal);
    return { msisdn: user.msisdn, locale: user.locale, status: account.status };
  },
};
