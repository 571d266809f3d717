/** Refusal codes turned into friendly texts: the flows show them, and a refusal that comes too late for a screen is sent by SMS with them. */
import { type Locale, type TextKey, text } from './catalog.js';

/** The friendly text for a refused (or pending) command. */
export function refusalText(locale: Locale, error: { code: string; message: string }): string {
  const number = /(\d+)/.exec(error.message)?.[1];
  switch (error.code) {
    case 'wrong_pin':
      return number === undefined
        ? text(locale, 'refusal.wrong_pin.plain')
        : text(locale, 'refusal.wrong_pin', { left: number });
    case 'limit_per_payment':
      return number === undefined
        ? text(locale, 'refusal.limit')
        : text(locale, 'refusal.limit_per_payment', { limit: BigInt(number) });
    case 'limit_daily':
      return number === undefined
        ? text(locale, 'refusal.limit')
        : text(locale, 'refusal.limit_daily', { left: BigInt(number) });
    case 'limit_above_cap':
      return text(locale, 'refusal.limit');
    case 'insufficient_funds':
    case 'pin_locked':
    case 'merchant_not_found':
    case 'payee_not_found':
    case 'account_frozen':
    case 'account_closed':
    case 'not_a_user':
    case 'same_account':
    case 'counterparty_unavailable':
    case 'pending':
    case 'pin_format':
    case 'voucher_invalid':
    case 'voucher_used':
    case 'voucher_locked':
    case 'card_topups_locked':
    case 'not_frozen':
    case 'balance_not_zero':
    case 'already_open':
    case 'hold_not_pending':
    case 'hold_expired':
    case 'wrong_password':
    case 'login_locked':
    case 'password_format':
      return text(locale, `refusal.${error.code}` as TextKey);
    default:
      return text(locale, 'refusal.other');
  }
}
