/**
 * account.freeze: freezes a wallet (冻结); a frozen wallet takes part in no transaction. With `days`,
 * the scheduler unfreezes it when they are over. Freezing a frozen wallet again sets the new date.
 * Refusals: not_a_user, account_closed.
 */
import { businessDay } from '../lib/index.js';
import { lockWallet, RefusalError, refusals, setAccountStatus } from '../ledger/index.js';
import type { SingleCommand } from './command.js';
import { msisdnOf } from './shared.js';
import { notifyUser } from './single-shared.js';

export const accountFreeze: SingleCommand<'account.freeze'> = {
  kind: 'single',
  async run(trx, input, { key, now }) {
    const { account, user } = await lockWallet(trx, msisdnOf(input.msisdn));
    if (account.status === 'closed') throw new RefusalError(refusals.accountClosed());
    const until = input.days ? new Date(now.getTime() + input.days * 86_400_000) : null;
    await setAccountStatus(trx, account.id, 'frozen', until);
    if (until) await notifyUser(trx, user, 'notify.frozen.until', { date: businessDay(until) }, key);
    else await notifyUser(trx, user, 'notify.frozen', {}, key);
    return { msisdn: user.msisdn, status: 'frozen', frozenUntil: until?.toISOString() ?? null };
  },
};
