/** balance: the wallet's balance, available amount, status and limits, read from the ledger. Refusals: not_a_user. */
import { businessDay } from '../lib/time.js';
import { walletView } from '../ledger/queries.js';
import { RefusalError, refusals } from '../ledger/refusals.js';
import type { SingleCommand } from './command.js';
import { msisdnOf } from './shared.js';

export const balance: SingleCommand<'balance'> = {
  kind: 'single',
  readOnly: true,
  async run(trx, input, { config, now }) {
    const view = await walletView(
      trx,
      msisdnOf(input.msisdn),
      { perPayment: config.limitPerPayment, daily: config.limitDaily },
      businessDay(now),
    );
    if (!view || view.status === 'closed') throw new RefusalError(refusals.notAUser());
    return {
      msisdn: view.msisdn,
      status: view.status,
      balance: view.balance.toString(),
      available: view.available.toString(),
      locale: view.locale,
      limits: {
        perPayment: view.limits.perPayment.toString(),
        daily: view.limits.daily.toString(),
        spentToday: view.limits.spentToday.toString(),
      },
    };
  },
};
