/** Refusal codes turned into friendly texts: the flows show them, and a refusal that comes too late for a screen is sent by SMS with them. */
import { type Locale, money, type TextKey, text } from './catalog.js';

/** The catalog key and parameters of the friendly text for a refused (or pending) command. */
export function refusalWording(error: { code: string; message: string }): {
  key: TextKey;
  params: Record<string, string>;
} {
  const number = /(\d+)/.exec(error.message)?.[1];
  switch (error.code) {
    case 'wrong_pin':
      return number === undefined
        ? { key: 'refusal.wrong_pin.plain', params: {} }
        : { key: 'refusal.wrong_pin', params: { left: number } };
    case 'limit_per_payment':
      return number === undefined
        ? { key: 'refusal.limit', params: {} }
        : { key: 'refusal.limit_per_payment', params: { limit: money(BigInt(number)) } };
    case 'limit_daily':
      return number === undefined
        ? { key: 'refusal.limit', params: {} }
        : { key: 'refusal.limit_daily', params: { left: money(BigInt(number)) } };
    case 'limit_above_cap':
      return { key: 'refusal.limit', params: {} };
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
      return { key: `refusal.${error.code}` as TextKey, params: {} };
    default:
      return { key: 'refusal.other', params: {} };
  }
}

/** The friendly text for a refused (or pending) command. */
export function refusalText(locale: Locale, error: { code: string; message: string }): string {
  const { key, params } = refusalWording(error);
  return text(locale, key, params);
}
