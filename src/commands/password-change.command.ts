/**
 * password.change: changes the WAP login password. Input: the MSISDN, the old and the new password
 * (sealed on the queue). The old one is checked against the stored scrypt hash before the transaction,
 * and a wrong one counts toward the login lockout as a wrong login does (the same rule, the same SMS
 * when it locks); the new one must be 6 to 32 letters and digits and is hashed with scrypt before the
 * transaction too. Effect: the new hash stored, the count cleared, the owner told by SMS.
 * Refusals: not_a_user, password_format, wrong_password, login_locked.
 */
import { chinaTime, hashSecret, isAcceptablePassword, verifySecret } from '../lib/index.js';
import {
  applyLoginCheck,
  type LoginCheck,
  lockLogin,
  lockWallet,
  RefusalError,
  refusals,
  saveLoginCheck,
  setLoginHash,
  storedLogin,
} from '../ledger/index.js';
import type { SingleCommand } from './command.js';
import { msisdnOf } from './shared.js';
import { notifyUser } from './single-shared.js';

export const passwordChange: SingleCommand<'password.change'> = {
  kind: 'single',
  async prepare(db, input, { now }) {
    if (!isAcceptablePassword(input.newPassword)) throw new RefusalError(refusals.passwordFormat());
    const stored = await storedLogin(db, msisdnOf(input.msisdn));
    if (!stored) return {};
    const locked = Boolean(stored.login_locked_until && stored.login_locked_until > now);
    const ok = !locked && (await verifySecret(input.oldPassword, stored.login_hash));
    const login: LoginCheck = { loginHash: stored.login_hash, ok, locked };
    return { login, newHash: ok ? await hashSecret(input.newPassword) : undefined };
  },
  async run(trx, input, { key, now, config, prepared }) {
    const { account, user } = await lockWallet(trx, msisdnOf(input.msisdn));
    if (account.status === 'closed') throw new RefusalError(refusals.accountClosed());
    const login = await lockLogin(trx, user.msisdn);
    const check = prepared.login as LoginCheck | undefined;
    if (!login || !check) throw new RefusalError(refusals.notAUser());
    const policy = { now, maxFailures: config.loginMaxFailures, lockMs: config.loginLockMinutes * 60_000 };
    const { refusal, changed, lockedNow } = applyLoginCheck(login, check, policy);
    if (refusal) {
      if (changed) await saveLoginCheck(trx, login);
      if (lockedNow && login.login_locked_until)
        await notifyUser(
          trx,
          user,
          'notify.login.locked',
          { until: chinaTime(login.login_locked_until) },
          key,
        );
      throw new RefusalError(refusal);
    }
    await setLoginHash(trx, user.msisdn, String(prepared.newHash));
    await notifyUser(trx, user, 'notify.password.changed', {}, key);
    return { msisdn: user.msisdn };
  },
};
