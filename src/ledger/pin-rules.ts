/**
 * The wrong-PIN rule, one for every channel: the counter lives on the user's row, so switching from
 * USSD to SMS does not reset it. `maxFailures` wrong PINs in a row lock payments for `lockMs`.
 */
import type { Refusal } from '../commands/catalog.js';
import { refusals } from './refusals.js';

export interface PinState {
  pin_hash: string;
  pin_failures: number;
  pin_locked_until: Date | null;
}

export interface PinCheck {
  /** The value the PIN was checked against: if the PIN changed meanwhile, the check does not count. */
  pinHash: string;
  ok: boolean;
  /** The PIN was not checked at all: the wallet was locked when it came (lock before verify). */
  locked?: boolean;
  /** The value to store instead (made under the current key), when the PIN was right under an old one. */
  upgrade?: string;
}

export interface PinPolicy {
  now: Date;
  maxFailures: number;
  lockMs: number;
}

/**
 * Applies a PIN check to the user's counters (mutating them) and says whether it passed. `changed`
 * tells the caller that the row must be written, even when the command is refused; `lockedNow`, that
 * this check locked the wallet (the owner is told by SMS).
 */
export function applyPinCheck(
  user: PinState,
  check: PinCheck | undefined,
  policy: PinPolicy,
): { refusal: Refusal | null; changed: boolean; lockedNow?: boolean } {
  if (user.pin_locked_until && user.pin_locked_until > policy.now) {
    return { refusal: refusals.pinLocked(user.pin_locked_until), changed: false };
  }
  // Locked when it was prepared, unlocked by now (an operator): not checked, so not counted either.
  if (check?.locked) return { refusal: refusals.pinLocked(user.pin_locked_until ?? policy.now), changed: false };
  if (check?.ok && check.pinHash === user.pin_hash) {
    let changed = user.pin_failures !== 0 || user.pin_locked_until !== null;
    user.pin_failures = 0;
    user.pin_locked_until = null;
    if (check.upgrade) {
      user.pin_hash = check.upgrade;
      changed = true;
    }
    return { refusal: null, changed };
  }
  user.pin_failures += 1;
  if (user.pin_failures >= policy.maxFailures) {
    user.pin_locked_until = new Date(policy.now.getTime() + policy.lockMs);
    user.pin_failures = 0;
    return { refusal: refusals.pinLocked(user.pin_locked_until), changed: true, lockedNow: true };
  }
  return { refusal: refusals.wrongPin(policy.maxFailures - user.pin_failures), changed: true };
}
