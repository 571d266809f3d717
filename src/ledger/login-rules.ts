/**
 * The WAP login rules (INTERFACES §7, §9): login passwords are scrypt hashes; `maxFailures` wrong
 * passwords in a row lock WAP login for that MSISDN for `lockMs`. Lock before verify: a locked login's
 * password is not checked at all (the command's `prepare` skips the scrypt), so it is not counted either.
 * The repositories below take `trx` first, as every ledger write does.
 */
import type { Db, Trx } from '../lib/index.js';
import { type Refusal, refusals } from './refusals.js';

export interface LoginState {
  msisdn: string;
  login_hash: string;
  login_failures: number;
  login_locked_until: Date | null;
}

/** What `prepare` found, before any row was locked. */
export interface LoginCheck {
  /** The hash the password was checked against: if it changed meanwhile, the check does not count. */
  loginHash: string;
  ok: boolean;
  /** Not checked: the login was locked when it came. */
  locked?: boolean;
}

export interface LoginPolicy {
  now: Date;
  maxFailures: number;
  lockMs: number;
}

/**
 * Applies a login check to the user's counters (mutating them). `lockedNow`: this check set the lock
 * (the owner is told by SMS); `changed`: the row must be written even though the command is refused.
 */
export function applyLoginCheck(
  user: LoginState,
  check: LoginCheck,
  policy: LoginPolicy,
): { refusal: Refusal | null; changed: boolean; lockedNow?: boolean } {
  if (user.login_locked_until && user.login_locked_until > policy.now)
    return { refusal: refusals.loginLocked(user.login_locked_until), changed: false };
  if (check.locked)
    return { refusal: refusals.loginLocked(user.login_locked_until ?? policy.now), changed: false };
  if (check.ok && check.loginHash === user.login_hash) {
    const changed = user.login_failures !== 0 || user.login_locked_until !== null;
    user.login_failures = 0;
    user.login_locked_until = null;
    return { refusal: null, changed };
  }
  user.login_failures += 1;
  if (user.login_failures >= policy.maxFailures) {
    user.login_locked_until = new Date(policy.now.getTime() + policy.lockMs);
    user.login_failures = 0;
    return { refusal: refusals.loginLocked(user.login_locked_until), changed: true, lockedNow: true };
  }
  return { refusal: refusals.wrongPassword(policy.maxFailures - user.login_failures), changed: true };
}

/** The stored login hash and lock of a user (closed wallets included), read before any lock is taken. */
export async function storedLogin(
  db: Db | Trx,
  msisdn: string,
): Promise<Pick<LoginState, 'login_hash' | 'login_locked_until'> | undefined> {
  return db('users').where({ msisdn }).first('login_hash', 'login_locked_until');
}

/** The user's login state, locked for the rest of the transaction (after its wallet account: the order). */
export async function lockLogin(trx: Trx, msisdn: string): Promise<LoginState | undefined> {
  return trx('users')
    .where({ msisdn })
    .forUpdate()
    .first('msisdn', 'login_hash', 'login_failures', 'login_locked_until');
}

export async function saveLoginCheck(trx: Trx, user: LoginState): Promise<void> {
  await trx('users')
    .where({ msisdn: user.msisdn })
    .update({ login_failures: user.login_failures, login_locked_until: user.login_locked_until });
}

/** A new login password's hash, and no failures or lock from the old one. */
export async function setLoginHash(trx: Trx, msisdn: string, loginHash: string): Promise<void> {
  await trx('users')
    .where({ msisdn })
    .update({ login_hash: loginHash, login_failures: 0, login_locked_until: null });
}
