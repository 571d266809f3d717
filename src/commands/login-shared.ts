/**
 * What the commands that take a login password share (login.check, password.change): the check before
 * the transaction (lock before verify: a locked login's password is not hashed at all), and its outcome
 * counted in the transaction, the owner told by SMS when it locks login.
 */
import { chinaTime, type Db, type Trx, verifySecret } from '../lib/index.js';
import {
  applyLoginCheck,
  type LoginCheck,
  lockLogin,
  RefusalError,
  refusals,
  saveLoginCheck,
  type UserRow,
  storedLogin,
} from '../ledger/index.js';
import type { SingleContext, SinglePrepared } from './command.js';
import { notifyUser } from './single-shared.js';

/** The password checked against the stored scrypt hash, or undefined when the MSISDN has no user. */
export async function checkLogin(
  db: Db,
  msisdn: string,
  password: string,
  now: Date,
): Promise<LoginCheck | undefined> {
  const stored = await storedLogin(db, msisdn);
  if (!stored) return undefined;
  const locked = Boolean(stored.login_locked_until && stored.login_locked_until > now);
  const ok = !locked && (await verifySecret(password, stored.login_hash));
  return { loginHash: stored.login_hash, ok, locked };
}

/**
 * Counts the prepared check on the user's row (locked in the transaction after the wallet), tells the
 * owner when it locks login, and throws the refusal when the password was not right.
 */
export async function countLogin(
  trx: Trx,
  user: Pick<UserRow, 'msisdn' | 'locale'>,
  { key, now, config, prepared }: SingleContext & { prepared: SinglePrepared },
): Promise<void> {
  const login = await lockLogin(trx, user.msisdn);
  const check = prepared.login as LoginCheck | undefined;
  if (!login || !check) throw new RefusalError(refusals.notAUser());
  const policy = { now, maxFailures: config.loginMaxFailures, lockMs: config.loginLockMinutes * 60_000 };
  const { refusal, changed, lockedNow } = applyLoginCheck(login, check, policy);
  if (changed) await saveLoginCheck(trx, login);
  if (lockedNow && login.login_locked_until)
    await notifyUser(trx, user, 'notify.login.locked', { until: chinaTime(login.login_locked_until) }, key);
  if (refusal) throw new RefusalError(refusal);
}
