/**
 * The merchant portal's staff and what the portal reads (商户自助后台): staff accounts with their login
 * counters, a merchant's orders with filters, and its refunds under review. Nothing here moves money:
 * refunds are asked for and decided by the refund commands, as through the API.
 */
import { businessDayRange, type Db, type Trx } from '../lib/index.js';
import type { LoginState } from './login-rules.js';
import { walletCode } from './codes.js';
import type { PaymentRecord } from './merchant-store.js';

export const STAFF_ROLES = ['admin', 'cashier', 'reviewer'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface StaffRow {
  id: bigint;
  merchant_code: string;
  username: string;
  role: StaffRole;
  password_hash: string;
  login_failures: number;
  login_locked_until: Date | null;
  created_at: Date;
}

/** A new staff member; null when the merchant already has one of that username. */
export async function insertStaff(
  db: Db | Trx,
  row: Pick<StaffRow, 'merchant_code' | 'username' | 'role' | 'password_hash'>,
): Promise<StaffRow | null> {
  const [inserted] = await db('merchant_staff')
    .insert(row)
    .onConflict(['merchant_code', 'username'])
    .ignore()
    .returning('*');
  return inserted ?? null;
}

export async function staffByLogin(
  db: Db | Trx,
  merchant: string,
  username: string,
): Promise<StaffRow | null> {
  return (await db('merchant_staff').where({ merchant_code: merchant, username }).first('*')) ?? null;
}

export async function staffById(db: Db | Trx, id: bigint): Promise<StaffRow | null> {
  return (await db('merchant_staff').where({ id: id.toString() }).first('*')) ?? null;
}

/** A merchant's staff, by username. */
export async function staffOf(db: Db, merchant: string): Promise<StaffRow[]> {
  return db('merchant_staff').where({ merchant_code: merchant }).orderBy('username').select('*');
}

/** A staff member's login counters as the login rules read them (`login-rules.ts`), locked for the transaction. */
export async function lockStaffLogin(trx: Trx, id: bigint): Promise<(LoginState & { id: bigint }) | null> {
  const row = await trx('merchant_staff')
    .where({ id: id.toString() })
    .forUpdate()
    .first('id', 'username', 'password_hash', 'login_failures', 'login_locked_until');
  if (!row) return null;
  return {
    id: row.id,
    msisdn: row.username,
    login_hash: row.password_hash,
    login_failures: row.login_failures,
    login_locked_until: row.login_locked_until,
  };
}

export async function saveStaffLogin(trx: Trx, state: LoginState & { id: bigint }): Promise<void> {
  await trx('merchant_staff')
    .where({ id: state.id.toString() })
    .update({ login_failures: state.login_failures, login_locked_until: state.login_locked_until });
}

/** What the order list can be narrowed by; every field optional. */
export interface OrderFilter {
  /** Business day (China time) the order was made, `YYYY-MM-DD`. */
  day?: string;
  /** A payment status as `paymentStatus` words it. */
  status?: 'pending' | 'paid' | 'declined' | 'expired' | 'refunded' | 'partially_refunded' | 'reversed';
  reference?: string;
  /** The payer, international form (`86…`). */
  msisdn?: string;
}

/** The SQL condition of each status, the same cases as `paymentStatus` (merchant-events.ts) decides. */
const STATUS_SQL: Record<NonNullable<OrderFilter['status']>, string> = {
  pending: `t.status = 'pending' AND (t.expires_at IS NULL OR t.expires_at > now())`,
  expired: `(t.status = 'pending' AND t.expires_at <= now()) OR (t.status = 'voided' AND t.void_reason = 'expired')`,
  declined: `t.status = 'voided' AND t.void_reason IS DISTINCT FROM 'expired'`,
  reversed: `t.status = 'posted' AND t.reversed`,
  refunded: `t.status = 'posted' AND NOT t.reversed AND t.refunded >= t.amount`,
  partially_refunded: `t.status = 'posted' AND NOT t.reversed AND t.refunded > 0 AND t.refunded < t.amount`,
  paid: `t.status = 'posted' AND NOT t.reversed AND t.refunded = 0`,
};

/** A merchant's orders (payments and payment requests), newest first, at most `limit`. */
export async function merchantOrders(
  db: Db,
  merchant: string,
  filter: OrderFilter,
  limit: number,
): Promise<PaymentRecord[]> {
  const q = db('transfers as t')
    .join('merchants as m', 'm.account_id', 't.credit_account_id')
    .join('accounts as w', 'w.id', 't.debit_account_id')
    .where('m.code', merchant)
    .whereIn('t.kind', ['hold', 'payment']);
  if (filter.day) {
    const { from, to } = businessDayRange(filter.day);
    q.where('t.created_at', '>=', from.toISOString()).where('t.created_at', '<', to.toISOString());
  }
  if (filter.status) q.whereRaw(`(${STATUS_SQL[filter.status]})`);
  if (filter.reference) q.where('t.reference', filter.reference);
  if (filter.msisdn) q.where('w.code', walletCode(filter.msisdn));
  return q
    .orderBy('t.id', 'desc')
    .limit(limit)
    .select('t.*', 'm.code as merchant_code', 'w.code as wallet_code');
}

/** A refund under review with what the reviewer weighs: the payment's amount, what is refunded already, the payer. */
export interface RefundUnderReview {
  id: bigint;
  payment_id: bigint;
  amount: bigint;
  reason: string;
  reference: string;
  requested_by: bigint;
  created_at: Date;
  payment_amount: bigint;
  payment_refunded: bigint;
  payment_reference: string | null;
  wallet_code: string;
}

/** A merchant's refunds waiting for review, oldest first. */
export async function refundsUnderReview(
  db: Db,
  merchant: string,
  limit: number,
): Promise<RefundUnderReview[]> {
  return db('refunds as r')
    .join('transfers as t', 't.id', 'r.payment_id')
    .join('accounts as w', 'w.id', 't.debit_account_id')
    .where({ 'r.merchant_code': merchant, 'r.status': 'pending_review' })
    .orderBy('r.id')
    .limit(limit)
    .select(
      'r.id',
      'r.payment_id',
      'r.amount',
      'r.reason',
      'r.reference',
      'r.requested_by',
      'r.created_at',
      't.amount as payment_amount',
      't.refunded as payment_refunded',
      't.reference as payment_reference',
      'w.code as wallet_code',
    );
}
