/**
 * What a channel needs to know about a caller before the first screen: whether they have a wallet, the
 * language they read, and the merchant payment requests (pending holds) waiting for their PIN.
 * Read-only and outside any command: a stale answer only changes which screen comes first, and the
 * commands the user then runs check everything again under their locks.
 */
import { type Db, type Locale, normalizeMsisdn, pgArray } from '../lib/index.js';
import { walletCode } from './codes.js';

export type { Locale };

export interface UserProfile {
  msisdn: string;
  /** A wallet exists and is not closed. */
  registered: boolean;
  status: 'active' | 'frozen' | 'closed' | null;
  locale: Locale | null;
}

/** A merchant's request waiting for this user's PIN: an unexpired pending hold. */
export interface PaymentRequestView {
  holdId: string;
  /** The number the user answers it by (`n PIN`, `QX n`): 1–3, the same while it waits. */
  requestNo: number;
  merchant: string;
  merchantName: string;
  /** Fen as a decimal string. */
  amount: string;
  expiresAt: string;
}

export async function userProfile(db: Db, msisdn: string): Promise<UserProfile> {
  return (await userProfiles(db, [msisdn]))[0];
}

/** Several callers' profiles in one query, in the order asked. */
export async function userProfiles(db: Db, msisdns: readonly string[]): Promise<UserProfile[]> {
  const canonical = msisdns.map((m) => normalizeMsisdn(m) ?? m);
  const codes = canonical.map(walletCode);
  const rows = await db('accounts as a')
    .leftJoin('users as u', 'u.account_id', 'a.id')
    .whereRaw('a.code = ANY(?::text[])', [pgArray([...new Set(codes)])])
    .select('a.code', 'a.status', 'u.locale');
  const byCode = new Map(rows.map((row) => [row.code as string, row]));
  return canonical.map((msisdn, i) => {
    const row = byCode.get(codes[i]);
    const status = (row?.status ?? null) as UserProfile['status'];
    return {
      msisdn,
      registered: status !== null && status !== 'closed',
      status,
      locale: row?.locale === 'en' || row?.locale === 'zh-CN' ? row.locale : null,
    };
  });
}

/**
 * A named prepared statement (pg's query `name`): each connection parses and plans it once. Planning
 * these joins took about 1 ms of PostgreSQL's CPU, executing them about 0.1 ms, and they run on every
 * session's way in and on an open STK session's look for a waiting request.
 */
const prepared = (name: string) => ({ name });

/**
 * What a menu session starts from, in one round trip (a USSD dial, an incoming call): the caller's
 * profile and the first merchant request waiting for their PIN. Same answers as `userProfile` and
 * `pendingPaymentRequest`; one statement instead of two, since a dial is on every session's way in.
 */
export async function sessionStartRow(
  db: Db,
  msisdn: string,
): Promise<{ profile: UserProfile; request: PaymentRequestView | null }> {
  const canonical = normalizeMsisdn(msisdn) ?? msisdn;
  const { rows } = await db
    .raw(
      `SELECT a.status, u.locale, r.id, r.request_no, r.amount, r.expires_at, r.code, r.name
       FROM (SELECT ?::text AS code) w
       LEFT JOIN accounts a ON a.code = w.code
       LEFT JOIN users u ON u.account_id = a.id
       LEFT JOIN LATERAL (
         SELECT t.id, t.request_no, t.amount, t.expires_at, m.code, m.name
           FROM transfers t JOIN merchants m ON m.account_id = t.credit_account_id
          WHERE t.debit_account_id = a.id AND t.kind = 'hold' AND t.status = 'pending'
            AND t.expires_at > now()
          ORDER BY t.request_no NULLS LAST, t.id
          LIMIT 1) r ON true`,
      [walletCode(canonical)],
    )
    .options(prepared('session_start_row'));
  const row = rows[0] ?? {};
  const status = (row.status ?? null) as UserProfile['status'];
  return {
    profile: {
      msisdn: canonical,
      registered: status !== null && status !== 'closed',
      status,
      locale: row.locale === 'en' || row.locale === 'zh-CN' ? row.locale : null,
    },
    request: row.id === null || row.id === undefined ? null : requestViewOf(row),
  };
}

/** The merchant requests waiting for this user's PIN, by number (at most 3: `payment.request`). */
export async function pendingPaymentRequests(db: Db, msisdn: string): Promise<PaymentRequestView[]> {
  const canonical = normalizeMsisdn(msisdn) ?? msisdn;
  const rows = await db('transfers as t')
    .join('accounts as a', 'a.id', 't.debit_account_id')
    .join('merchants as m', 'm.account_id', 't.credit_account_id')
    .where({ 'a.code': walletCode(canonical), 't.kind': 'hold', 't.status': 'pending' })
    .andWhere('t.expires_at', '>', db.fn.now())
    .orderBy([{ column: 't.request_no', nulls: 'last' }, 't.id'])
    .select('t.id', 't.request_no', 't.amount', 't.expires_at', 'm.code', 'm.name');
  return rows.map(requestViewOf);
}

/** A pending hold's row (`id, request_no, amount, expires_at` and the merchant's `code, name`) as the view. */
function requestViewOf(row: Record<string, unknown>): PaymentRequestView {
  return {
    holdId: String(row.id),
    requestNo: Number(row.request_no),
    merchant: String(row.code),
    merchantName: String(row.name),
    amount: String(row.amount),
    expiresAt: new Date(row.expires_at as string | Date).toISOString(),
  };
}

/**
 * The request a USSD or STK session opens on: the first of those waiting (the only one, mostly). An open
 * STK session asks this every few seconds, so it is one fixed statement (no query builder) with `LIMIT 1`.
 */
export async function pendingPaymentRequest(db: Db, msisdn: string): Promise<PaymentRequestView | null> {
  const canonical = normalizeMsisdn(msisdn) ?? msisdn;
  const { rows } = await db
    .raw(
      `SELECT t.id, t.request_no, t.amount, t.expires_at, m.code, m.name
       FROM accounts a
       JOIN transfers t ON t.debit_account_id = a.id AND t.kind = 'hold' AND t.status = 'pending'
                       AND t.expires_at > now()
       JOIN merchants m ON m.account_id = t.credit_account_id
      WHERE a.code = ?
      ORDER BY t.request_no NULLS LAST, t.id
      LIMIT 1`,
      [walletCode(canonical)],
    )
    .options(prepared('pending_payment_request'));
  return rows[0] ? requestViewOf(rows[0]) : null;
}
