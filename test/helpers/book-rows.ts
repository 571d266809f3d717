/** Rows for unit tests of the Book: an active account and a user with no counters, overridable. */
import type { AccountRow, BookOptions, UserRow } from '../../src/ledger/book.js';

/** The platform defaults: ¥500 a payment, ¥1,000 a day, 3 wrong PINs lock for 24 h, holds live 10 min. */
export function bookOptions(now: Date): BookOptions {
  return {
    now,
    caps: { perPayment: 50_000n, daily: 100_000n },
    pinMaxFailures: 3,
    pinLockMs: 24 * 3600_000,
    holdTtlMs: 600_000,
  };
}

export function accountRow(
  id: bigint,
  code: string,
  balance: bigint,
  extra: Partial<AccountRow> = {},
): AccountRow {
  return {
    id,
    kind: code.startsWith('wallet:') ? 'wallet' : code.startsWith('merchant:') ? 'merchant' : 'system',
    code,
    status: 'active',
    balance,
    held: 0n,
    may_go_negative: false,
    frozen_until: null,
    spent_day: null,
    spent_today: 0n,
    ...extra,
  };
}

export function userRow(msisdn: string, accountId: bigint, extra: Partial<UserRow> = {}): UserRow {
  return {
    msisdn,
    account_id: accountId,
    pin_hash: 'h',
    pin_failures: 0,
    pin_locked_until: null,
    locale: 'zh-CN',
    limit_per_payment: null,
    limit_daily: null,
    card_failures: 0,
    card_failures_day: null,
    card_locked_until: null,
    ...extra,
  };
}
