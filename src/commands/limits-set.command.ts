/**
 * limits.set: the user sets their own per-payment and daily limits, at most the platform caps
 * (¥500 and ¥1,000 by default). Refusals: not_a_user, limit_above_cap, account_closed.
 */
import { lockWallet, RefusalError, refusals, setLimits } from '../ledger/index.js';
import type { SingleCommand } from './command.js';
import { msisdnOf } from './shared.js';
import { notifyUser } from './single-shared.js';

export const limitsSet: SingleCommand<'limits.set'> = {
  kind: 'single',
  async run(trx, input, { key, config }) {
    const { account, user } = await lockWallet(trx, msisdnOf(input.msisdn));
    if (account.status === 'closed') throw new RefusalError(refusals.accountClosed());
    const perPayment = input.perPayment ?? user.limit_per_payment ?? config.limitPerPayment;
    const daily = input.daily ?? user.limit_daily ?? config.limitDaily;
    if (perPayment > config.limitPerPayment || daily > config.limitDaily)
      throw new RefusalError(refusals.limitAboveCap());
    await setLimits(trx, user.msisdn, perPayment, daily);
    await notifyUser(trx, user, 'notify.limits', { perPayment, daily }, key);
    return { msisdn: user.msisdn, perPayment: perPayment.toString(), daily: daily.toString() };
  },
};
