/**
 * The ledger's invariants, checked from the tables themselves: every transfer's entries sum to zero
 * (and a posted transfer has exactly its two), every balance equals the sum of its entries, every held
 * amount equals its pending holds, no account that may not go negative is below zero, and all balances
 * together sum to zero.
 */
import type { Db } from '../lib/db.js';

export interface LedgerCheck {
  balanced: boolean;
  transfers: number;
  accounts: number;
  unbalancedTransfers: string[];
  balanceMismatches: string[];
  heldMismatches: string[];
  negativeAccounts: string[];
  total: string;
}

export async function checkLedger(db: Db): Promise<LedgerCheck> {
  const unbalanced = await db.raw(`
    SELECT t.id FROM transfers t LEFT JOIN entries e ON e.transfer_id = t.id
     GROUP BY t.id, t.status, t.amount
    HAVING COALESCE(SUM(e.amount), 0) <> 0
        OR (t.status = 'posted' AND (COUNT(e.id) <> 2 OR MAX(e.amount) <> t.amount))
        OR (t.status <> 'posted' AND COUNT(e.id) <> 0)
     LIMIT 100`);
  const mismatched = await db.raw(`
    SELECT a.code FROM accounts a LEFT JOIN entries e ON e.account_id = a.id
     GROUP BY a.id, a.code, a.balance HAVING a.balance <> COALESCE(SUM(e.amount), 0) LIMIT 100`);
  const held = await db.raw(`
    SELECT a.code FROM accounts a
      LEFT JOIN transfers t ON t.debit_account_id = a.id AND t.status = 'pending'
     GROUP BY a.id, a.code, a.held HAVING a.held <> COALESCE(SUM(t.amount), 0) LIMIT 100`);
  const negative = await db.raw(`
    SELECT code FROM accounts WHERE NOT may_go_negative AND (balance < 0 OR balance - held < 0) LIMIT 100`);
  const totals = await db.raw(`
    SELECT (SELECT COALESCE(SUM(balance), 0)::bigint FROM accounts) AS total,
           (SELECT COUNT(*)::int FROM transfers) AS transfers,
           (SELECT COUNT(*)::int FROM accounts) AS accounts`);
  const total: bigint = totals.rows[0].total;
  const result = {
    unbalancedTransfers: unbalanced.rows.map((r: { id: bigint }) => r.id.toString()),
    balanceMismatches: mismatched.rows.map((r: { code: string }) => r.code),
    heldMismatches: held.rows.map((r: { code: string }) => r.code),
    negativeAccounts: negative.rows.map((r: { code: string }) => r.code),
    total: total.toString(),
    transfers: totals.rows[0].transfers,
    accounts: totals.rows[0].accounts,
  };
  const balanced =
    !result.unbalancedTransfers.length &&
    !result.balanceMismatches.length &&
    !result.heldMismatches.length &&
    !result.negativeAccounts.length &&
    total === 0n;
  return { balanced, ...result };
}
