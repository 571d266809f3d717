/**
 * The wrong-PIN rule, one for every channel: the counter lives on the user's row, so switching from
 * USSD to SMS does not reset it. `maxFailures` wrong PINs in a row lock payments for `lockMs`.
 */
import type { Refusal } from './refusals.js';
import { businessDayRange } from '../lib/index.js';
import { refusals } from './refusals.js';

/** Wrong PINs on one recharge card that lock the card (INTERFACES §9). */
export const CARD_PIN_MAX_FAILURES = 5;
/** Wrong card PINs from one MSISDN in a business day that lock its card top-ups until the day ends. */
export const CARD_PIN_DAILY_FAILURES = 10;

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
  if (check?.locked)
    return { refusal: refusals.pinLocked(user.pin_locked_until ?? policy.now), changed: false };
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

export interface CardPinState {
  card_failures: number;
  card_failures_day: string | null;
  card_locked_until: Date | null;
}

export interface CardState {
  serial: string;
  pin_failures: number;
  locked_at: Date | null;
}

/** A lock a card-PIN check just set: the card itself, or the user's card top-ups until a time. */
export type CardLock = { kind: 'card'; serial: string } | { kind: 'topups'; until: Date };

/**
 * Applies a recharge-card PIN check (mutating the counters): locks first (a locked card or user is
 * not checked and not counted), then the outcome. An unknown card (`card` undefined) counts on the
 * user like a wrong PIN, and reads like one.
 */
export function applyCardPinCheck(
  user: CardPinState,
  card: CardState | undefined,
  check: { ok: boolean; locked?: boolean } | undefined,
  policy: { now: Date; today: string },
): { refusal: Refusal | null; changed: boolean; lockedNow: CardLock[] } {
  const none: CardLock[] = [];
  if (user.card_locked_until && user.card_locked_until > policy.now)
    return { refusal: refusals.cardTopupsLocked(user.card_locked_until), changed: false, lockedNow: none };
  if (card?.locked_at) return { refusal: refusals.voucherLocked(), changed: false, lockedNow: none };
  // Locked when prepared and not now (an operator unlocked meanwhile): not checked, so not counted.
  if (check?.locked) return { refusal: refusals.voucherInvalid(), changed: false, lockedNow: none };
  if (card && check?.ok) return { refusal: null, changed: false, lockedNow: none };

  const lockedNow: CardLock[] = [];
  if (user.card_failures_day !== policy.today) {
    user.card_failures_day = policy.today;
    user.card_failures = 0;
  }
  user.card_failures += 1;
  if (card) {
    card.pin_failures += 1;
    if (card.pin_failures >= CARD_PIN_MAX_FAILURES) {
      card.locked_at = policy.now;
      lockedNow.push({ kind: 'card', serial: card.serial });
    }
  }
  if (user.card_failures >= CARD_PIN_DAILY_FAILURES) {
    user.card_locked_until = businessDayRange(policy.today).to;
    lockedNow.push({ kind: 'topups', until: user.card_locked_until });
  }
  const refusal = lockedNow.some((l) => l.kind === 'topups')
    ? refusals.cardTopupsLocked(user.card_locked_until!)
    : lockedNow.length
      ? refusals.voucherLocked()
      : refusals.voucherInvalid();
  return { refusal, changed: true, lockedNow };
}
