/** Read side of the ledger: balances and statements always come from the accounts and entries, never a cache. */
import { type Db, nationalMsisdn, pgArray, type Trx } from '../lib/index.js';
import { walletCode } from './codes.js';

export interface AccountView {
  msisdn: string;
  status: string;
  balance: bigint;
  held: bigint;
  available: bigint;
  locale: string;
  limits: { perPayment: bigint; daily: bigint; spentToday: bigint };
  frozenUntil: Date | null;
  pinLockedUntil: Date | null;
  createdAt: Date;
}

const VIEW_COLUMNS = [
  'a.code',
  'u.msisdn',
  'a.status',
  'a.balance',
  'a.held',
  'a.frozen_until',
  'a.spent_day',
  'a.spent_today',
  'u.locale',
  'u.limit_per_payment',
  'u.limit_daily',
  'u.pin_locked_until',
  'u.created_at',
];

export async function walletView(
  db: Db | Trx,
  msisdn: string,
  caps: { perPayment: bigint; daily: bigint },
  today: string,
): Promise<AccountView | null> {
  return (await walletViews(db, [msisdn], caps, today))[0];
}

/** The views of several wallets in one query, in the order asked (null where there is no wallet). */
export async function walletViews(
  db: Db | Trx,
  msisdns: readonly string[],
  caps: { perPayment: bigint; daily: bigint },
  today: string,
): Promise<(AccountView | null)[]> {
  const codes = msisdns.map(walletCode);
  const rows = await db('accounts as a')
    .join('users as u', 'u.account_id', 'a.id')
    .whereRaw('a.code = ANY(?::text[])', [pgArray([...new Set(codes)])])
    .select(VIEW_COLUMNS);
  const byCode = new Map(rows.map((row) => [row.code as string, row]));
  const pick = (own: bigint | null, cap: bigint) => (own !== null && own < cap ? own : cap);
  return codes.map((code) => {
    const row = byCode.get(code);
    if (!row) return null;
    return {
      msisdn: row.msisdn,
      status: row.status,
      balance: BigInt(row.balance),
      held: BigInt(row.held),
      available: BigInt(row.balance) - BigInt(row.held),
      locale: row.locale,
      limits: {
        perPayment: pick(row.limit_per_payment, caps.perPayment),
        daily: pick(row.limit_daily, caps.daily),
        spentToday: row.spent_day === today ? row.spent_today : 0n,
      },
      frozenUntil: row.frozen_until,
      pinLockedUntil: row.pin_locked_until,
      createdAt: row.created_at,
    };
  });
}

export interface StatementLine {
  transferId: bigint;
  kind: string;
  amount: bigint; // signed, as seen by this wallet
  balanceAfter: bigint;
  counterparty: string;
  /** What the counterparty is: a wallet (national MSISDN), a merchant (its code) or the platform. */
  counterpartyKind: 'wallet' | 'merchant' | 'system';
  reference: string | null;
  at: Date;
}

/** The wallet's latest postings, newest first, `before` a transfer id for paging. */
export async function statement(
  db: Db | Trx,
  msisdn: string,
  limit: number,
  before?: bigint,
): Promise<StatementLine[]> {
  const rows = await db.raw(
    `SELECT e.transfer_id, t.kind, e.amount, e.balance_after, t.reference, e.created_at,
            other.code AS counterparty
       FROM accounts a
       JOIN entries e ON e.account_id = a.id
       JOIN transfers t ON t.id = e.transfer_id
       JOIN accounts other ON other.id = CASE WHEN t.debit_account_id = a.id THEN t.credit_account_id ELSE t.debit_account_id END
      WHERE a.code = ? AND (?::bigint IS NULL OR e.transfer_id < ?::bigint)
      ORDER BY e.id DESC
      LIMIT ?`,
    [walletCode(msisdn), before?.toString() ?? null, before?.toString() ?? null, limit],
  );
  return rows.rows.map((r: Record<string, never>) => ({
    transferId: r.transfer_id,
    kind: r.kind,
    amount: r.amount,
    balanceAfter: r.balance_after,
    counterparty: counterpartyName(String(r.counterparty)),
    counterpartyKind: counterpartyKind(String(r.counterparty)),
    reference: r.reference,
    at: r.created_at,
  }));
}

function counterpartyKind(code: string): StatementLine['counterpartyKind'] {
  if (code.startsWith('wallet:')) return 'wallet';
  return code.startsWith('merchant:') ? 'merchant' : 'system';
}

function counterpartyName(code: string): string {
  const name = code.replace(/^(wallet|merchant|sys):/, '');
  return code.startsWith('wallet:') ? nationalMsisdn(name) : name;
}

/** Wallets whose freeze has come to its end, at most `limit`: the sweep unfreezes them. */
export async function dueFreezes(
  db: Db,
  now: Date,
  limit = 1000,
): Promise<{ code: string; frozen_until: Date }[]> {
  return db('accounts')
    .where('status', 'frozen')
    .whereNotNull('frozen_until')
    .where('frozen_until', '<=', now)
    .select('code', 'frozen_until')
    .limit(limit);
}

/** Pending holds (payment requests) past their expiry, with the payer's account code: the sweep voids them. */
export async function expiredHolds(db: Db, now: Date, limit = 1000): Promise<{ id: bigint; code: string }[]> {
  return db('transfers as t')
    .join('accounts as a', 'a.id', 't.debit_account_id')
    .where('t.status', 'pending')
    .where('t.expires_at', '<=', now)
    .select('t.id', 'a.code')
    .limit(limit);
}
