/**
 * account.locale: remembers the language a user reads texts in (`zh-CN` or `en`); every later screen and
 * SMS uses it, on every channel. Changes no money, so no SMS confirms it beyond the channel's own reply.
 * Refusals: not_a_user, account_closed.
 */
import { lockWallet, RefusalError, refusals, setLocale } from '../ledger/index.js';
import type { SingleCommand } from './command.js';
import { msisdnOf } from './shared.js';

export const accountLocale: SingleCommand<'account.locale'> = {
  kind: 'single',
  async run(trx, input) {
    const { account, user } = await lockWallet(trx, msisdnOf(input.msisdn));
    if (account.status === 'closed') throw new RefusalError(refusals.accountClosed());
    await setLocale(trx, user.msisdn, input.locale);
    return { msisdn: user.msisdn, locale: input.locale };
  },
};
