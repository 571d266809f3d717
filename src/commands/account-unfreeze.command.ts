/**
 * account.unfreeze: unfreezes a wallet (解冻). With a PIN (the user asking) the PIN is checked and a
 * wrong one counted; without (operator, scheduler) it is not. `ifFrozenUntil`: the scheduler's guard,
 * so a wallet frozen again meanwhile stays frozen. Refusals: not_a_user, not_frozen, pin_locked,
 * wrong_pin.
 */
import { chinaTime } from '../lib/index.js';
import {
  applyPinCheck,
  lockWallet,
  RefusalError,
  refusals,
  savePinCheck,
  setAccountStatus,
} from '../ledger/index.js';
import type { SingleCommand } from './command.js';
import { checkPin, msisdnOf } from './shared.js';
import { notifyUser } from './single-shared.js';

export const accountUnfreeze: SingleCommand<'account.unfreeze'> = {
  kind: 'single',
  prepare: async (db, input, ctx) =>
    input.pin === undefined ? {} : checkPin(db, ctx, input.msisdn, input.pin),
  async run(trx, input, { key, now, config, prepared }) {
    const { account, user } = await lockWallet(trx, msisdnOf(input.msisdn));
    if (account.status !== 'frozen') throw new RefusalError(refusals.notFrozen());
    if (
      input.ifFrozenUntil &&
      account.frozen_until?.toISOString() !== new Date(input.ifFrozenUntil).toISOString()
    ) {
      throw new RefusalError(refusals.notFrozen());
    }
    if (input.pin !== undefined) {
      const policy = { now, maxFailures: config.pinMaxFailures, lockMs: config.pinLockHours * 3600_000 };
      const { refusal, changed, lockedNow } = applyPinCheck(user, prepared.pin, policy);
      if (changed) await savePinCheck(trx, user, true);
      if (lockedNow && user.pin_locked_until)
        await notifyUser(trx, user, 'notify.pin.locked', { until: chinaTime(user.pin_locked_until) }, key);
      if (refusal) throw new RefusalError(refusal);
    }
    await setAccountStatus(trx, account.id, 'active');
    await notifyUser(trx, user, 'notify.unfrozen', {}, key);
    return { msisdn: user.msisdn, status: 'active' };
  },
};
