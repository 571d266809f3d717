/**
 * password.change: changes the WAP login password. Input: the MSISDN, the old and the new password
 * (sealed on the queue). The old one is checked against the stored scrypt hash before the transaction,
 * and a wrong one counts toward the login lockout as a wrong login does (the same rule, the same SMS
 * when it locks); the new one must be 6 to 32 letters and digits and is hashed with scrypt before the
 * transaction too. Effect: the new hash stored, the count cleared, the owner told by SMS.
 * Refusals: not_a_user, account_closed, password_format, wrong_password, login_locked.
 */
import { hashSecret, isAcceptablePassword } from '../lib/index.js';
import { lockWallet, RefusalError, refusals, setLoginHash } from '../ledger/index.js';
import type { SingleCommand } from './command.js';
import { checkLogin, countLogin } from './login-shared.js';
import { msisdnOf } from './shared.js';
import { notifyUser } from './single-shared.js';

export const passwordChange: SingleCommand<'password.change'> = {
  kind: 'single',
  async prepare(db, input, { now }) {
    if (!isAcceptablePassword(input.newPassword)) throw new RefusalError(refusals.passwordFormat());
    const login = await checkLogin(db, msisdnOf(input.msisdn), input.oldPassword, now);
    return { login, newHash: login?.ok ? await hashSecret(input.newPassword) : undefined };
  },
  async run(trx, input, ctx) {
    const { account, user } = await lockWallet(trx, msisdnOf(input.msisdn));
    if (account.status === 'closed') throw new RefusalError(refusals.accountClosed());
    await countLogin(trx, user, ctx);
    await setLoginHash(trx, user.msisdn, String(ctx.prepared.newHash));
    await notifyUser(trx, user, 'notify.password.changed', {}, ctx.key);
    return { msisdn: user.msisdn };
  },
};
