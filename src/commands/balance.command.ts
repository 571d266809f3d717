/** balance: the wallet's balance, available amount, status and limits, read from the ledger. Refusals: not_a_user. */
import { businessDay, type Db, type Trx } from '../lib/index.js';
import { type AccountView, RefusalError, refusals, walletViews } from '../ledger/index.js';
import type { CommandInput } from './catalog.js';
import type { ReadContext, SingleCommand } from './command.js';
import { msisdnOf } from './shared.js';

export const balance: SingleCommand<'balance'> = {
  kind: 'single',
  readOnly: true,
  async run(trx, input, ctx) {
    const [outcome] = await balances(trx, [input], ctx);
    if (outcome instanceof RefusalError) throw outcome;
    return outcome;
  },
  // Balance queries come in bursts (every SMS `YE`, every menu): the ones that arrive together share a query.
  runMany: balances,
};

async function balances(
  db: Db | Trx,
  inputs: readonly CommandInput<'balance'>[],
  { config, now }: ReadContext,
): Promise<(Record<string, unknown> | RefusalError)[]> {
  // Something that is no mobile number is refused alone; its batch-mates are still read.
  const msisdns = inputs.map((input) => {
    try {
      return msisdnOf(input.msisdn);
    } catch (err) {
      if (err instanceof RefusalError) return err;
      throw err;
    }
  });
  const valid = msisdns.filter((m): m is string => typeof m === 'string');
  const views = await walletViews(
    db,
    valid,
    { perPayment: config.limitPerPayment, daily: config.limitDaily },
    businessDay(now),
  );
  let next = 0;
  return msisdns.map((msisdn) => {
    if (msisdn instanceof RefusalError) return msisdn;
    const view = views[next++];
    return view && view.status !== 'closed' ? balanceOf(view) : new RefusalError(refusals.notAUser());
  });
}

function balanceOf(view: AccountView): Record<string, unknown> {
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
}
