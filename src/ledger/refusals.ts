/**
 * Business refusals: expected outcomes that change nothing (beyond counting a wrong PIN). Flows turn the
 * codes into friendly texts; the HTTP API returns them as `{error: {code, message}}`.
 */
/** A refusal is a result, not a failure: it is stored and returned to every retry of the same key. */
export interface Refusal {
  /** Stable, snake_case: flows map it to a text, the API returns it as is. */
  code: string;
  /** For operators and API callers, in English; users see the flow's text for `code`. */
  message: string;
}

/**
 * Carries a refusal out of a command's code to the runner, which stores it as the command's result at
 * once: control flow, never an error that reaches a queue or a client. Not an `AppError` on purpose:
 * its HTTP status is the API's to choose from the code (ops/api-errors.ts), not the ledger's.
 */
export class RefusalError extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
    this.name = 'RefusalError';
  }
}

const make = (code: string, message: string): Refusal => ({ code, message });

export const refusals = {
  notAUser: () => make('not_a_user', 'this phone number has no wallet'),
  payeeNotFound: () => make('payee_not_found', 'the receiving phone number has no wallet'),
  merchantNotFound: () => make('merchant_not_found', 'no merchant has this code'),
  alreadyOpen: () => make('already_open', 'this phone number already has a wallet'),
  accountFrozen: () => make('account_frozen', 'the wallet is frozen'),
  accountClosed: () => make('account_closed', 'the wallet is closed'),
  counterpartyUnavailable: () => make('counterparty_unavailable', 'the other account cannot take part now'),
  insufficientFunds: () => make('insufficient_funds', 'the balance is not enough'),
  sameAccount: () => make('same_account', 'payer and payee are the same'),
  wrongPin: (left: number) => make('wrong_pin', `wrong payment PIN; ${left} attempt(s) left`),
  pinLocked: (until: Date) => make('pin_locked', `payments are locked until ${until.toISOString()}`),
  pinFormat: () => make('pin_format', 'a payment PIN is 6 digits, not all the same and not a run'),
  wrongPassword: (left: number) => make('wrong_password', `wrong login password; ${left} attempt(s) left`),
  loginLocked: (until: Date) => make('login_locked', `WAP login is locked until ${until.toISOString()}`),
  passwordFormat: () => make('password_format', 'a login password is 6 to 32 letters and digits'),
  overPerPayment: (limit: bigint) => make('limit_per_payment', `over the limit of ${limit} fen per payment`),
  overDaily: (left: bigint) => make('limit_daily', `over the daily limit; ${left} fen left today`),
  limitAboveCap: () => make('limit_above_cap', 'a limit may not exceed the platform cap'),
  voucherInvalid: () => make('voucher_invalid', 'wrong card number or card PIN'),
  voucherUsed: () => make('voucher_used', 'this card has already been used'),
  voucherLocked: () => make('voucher_locked', 'this card is locked after too many wrong card PINs'),
  cardTopupsLocked: (until: Date) =>
    make(
      'card_topups_locked',
      `card top-ups are locked until ${until.toISOString()} after too many wrong card PINs`,
    ),
  balanceNotZero: () => make('balance_not_zero', 'empty the wallet before closing it'),
  notAPayment: () => make('not_a_payment', 'no payment of this merchant has this id'),
  refundTooLarge: (left: bigint) => make('refund_too_large', `at most ${left} fen can still be refunded`),
  alreadyReversed: () => make('already_reversed', 'this payment has already been reversed'),
  reversalWindow: () =>
    make('reversal_window', 'only payments of the same day can be reversed; refund it instead'),
  reversalAfterRefund: () => make('reversal_after_refund', 'a refunded payment cannot be reversed'),
  holdNotPending: () => make('hold_not_pending', 'this payment request is no longer waiting'),
  holdExpired: () => make('hold_expired', 'this payment request has expired'),
  tooManyRequests: (max: number) =>
    make('too_many_requests', `this wallet already has ${max} payment requests waiting`),
  notFrozen: () => make('not_frozen', 'the wallet is not frozen'),
  notLocked: () => make('not_locked', 'neither the PIN nor card top-ups of this wallet are locked'),
  dayNotOver: (day: string) => make('day_not_over', `business day ${day} is not over yet`),
  refundNotPending: (status: string) => make('refund_not_pending', `this refund is already ${status}`),
  notARefund: () => make('not_a_refund', 'no refund of this merchant has this id'),
  requesterCannotReview: () =>
    make('requester_cannot_review', 'the key that asked for a refund cannot approve or reject it'),
  idempotencyConflict: () =>
    make('idempotency_conflict', 'this key was already used for a different command'),
  invalid: (message: string) => make('invalid', message),
};
