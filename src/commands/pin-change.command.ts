/**
 * pin.change: changes the 6-digit payment PIN (改密). The old PIN is checked (a wrong one counted);
 * the new one must be 6 digits, not all the same and not a run. Refusals: not_a_user, pin_format,
 * pin_locked, wrong_pin.
 */
import { chinaTime, isAcceptablePin, normalizeMsisdn } from '../lib/index.js';
import { applyPinCheck, lockWallet, RefusalError, refusals, savePinCheck, setPin } from '../ledger/index.js';
import type { SingleCommand } from './command.js';
import { checkPin, msisdnOf } from './shared.js';
import { notifyUser } from './single-shared.js';

export const pinChange: SingleCommand<'pin.change'> = {
  kind: 'single',
  async prepare(db, input, ctx) {
    if (!isAcceptablePin(input.newPin)) throw new RefusalError(refusals.pinFormat());
    const check = await checkPin(db, ctx, input.msisdn, input.oldPin);
    return { ...check, newHash: ctx.keys.pinValue(normalizeMsisdn(input.msisdn) ?? '', input.newPin) };
  },
  async run(trx, input, { key, now, config, prepared }) {
    const { account, user } = await lockWallet(trx, msisdnOf(input.msisdn));
    if (account.status === 'closed') throw new RefusalError(refusals.accountClosed());
    const policy = { now, maxFailures: config.pinMaxFailures, lockMs: config.pinLockHours * 3600_000 };
    const { refusal, lockedNow } = applyPinCheck(user, prepared.pin, policy);
    if (refusal) {
      await savePinCheck(trx, user, false);
      if (lockedNow && user.pin_locked_until)
        await notifyUser(trx, user, 'notify.pin.locked', { until: chinaTime(user.pin_locked_until) }, key);
      throw new RefusalError(refusal);
    }
    await setPin(trx, user.msisdn, String(prepared.newHash));
    await notifyUser(trx, user, 'notify.pin.changed', {}, key);
    return { msisdn: user.msisdn };
  },
};
