/**
 * pin.unlock: an operator lifts a wallet's locks (the payment PIN after too many wrong PINs, and card
 * top-ups after too many wrong card PINs), for example once the owner has proved who they are.
 * Input: msisdn, reason. Effect: the counters start again from zero; SMS to the owner (every lock and
 * unlock is told, INTERFACES §9). Refusals: not_a_user, not_locked (nothing was locked).
 */
import { lockWallet, RefusalError, refusals, unlockPins } from '../ledger/index.js';
import type { SingleCommand } from './command.js';
import { msisdnOf } from './shared.js';
import { notifyUser } from './single-shared.js';

export const pinUnlock: SingleCommand<'pin.unlock'> = {
  kind: 'single',
  async run(trx, input, { key, now }) {
    const { user } = await lockWallet(trx, msisdnOf(input.msisdn));
    const locked = [user.pin_locked_until, user.card_locked_until].some((until) => until && until > now);
    if (!locked) throw new RefusalError(refusals.notLocked());
    await unlockPins(trx, user.msisdn);
    await notifyUser(trx, user, 'notify.pin.unlocked', {}, key);
    return { msisdn: user.msisdn, status: 'unlocked' };
  },
};
