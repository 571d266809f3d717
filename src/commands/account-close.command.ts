/**
 * account.close: closes a wallet (销户). Effect: status closed; history stays. Refusals: not_a_user,
 * account_closed, balance_not_zero (money in it or held: the user is told to empty it first).
 */
import { closeUser, lockWallet, RefusalError, refusals, setAccountStatus } from '../ledger/index.js';
import type { SingleCommand } from './command.js';
import { msisdnOf } from './shared.js';
import { notifyUser } from './single-shared.js';

export const accountClose: SingleCommand<'account.close'> = {
  kind: 'single',
  async run(trx, input, { key }) {
    const { account, user } = await lockWallet(trx, msisdnOf(input.msisdn));
    if (account.status === 'closed') throw new RefusalError(refusals.accountClosed());
    if (account.balance !== 0n || account.held !== 0n) throw new RefusalError(refusals.balanceNotZero());
    await setAccountStatus(trx, account.id, 'closed');
    await closeUser(trx, user.msisdn);
    await notifyUser(trx, user, 'notify.closed', {}, key);
    return { msisdn: user.msisdn, status: 'closed' };
  },
};
