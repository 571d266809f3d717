/**
 * The ledger's invariants, checked from the tables themselves: every transfer's entries sum to zero
 * (and a posted transfer has exactly its two), every balance equals the sum of its entries, every held
 * amount equals its pending holds, no account that may not go negative is below zero, all balances
 * together sum to zero, and every reference holds: no entry without its transfer, no transfer without
 * its accounts, each entry on its transfer's debit (−amount) or credit (+amount) account (the posting
 * tables carry no foreign keys; see migration 20261123000003).
 */
import type { Db } from '../lib/index.js';

export interface LedgerCheck {
  balanced: boolean;
  transfers: number;
  accounts: number;
  unbalancedTransfers: string[];
  balanceMismatches: string[];
  referenceErrors: string[];
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
  const references = await db.raw(`
    (SELECT 'entry ' || e.id || ': no transfer' AS problem FROM entries e
       LEFT JOIN transfers t ON t.id = e.transfer_id WHERE t.id IS NULL LIMIT 100)
    UNION ALL
    (SELECT 'transfer ' || t.id || ': no such account' FROM transfers t
       LEFT JOIN accounts d ON d.id = t.debit_account_id
       LEFT JOIN accounts c ON c.id = t.credit_account_id
      WHERE d.id IS NULL OR c.id IS NULL LIMIT 100)
    UNION ALL
    (SELECT 'entry ' || e.id || ': not on its transfer''s accounts' FROM entries e
       JOIN transfers t ON t.id = e.transfer_id
      WHERE NOT ((e.account_id = t.debit_account_id AND e.amount = -t.amount)
              OR (e.account_id = t.credit_account_id AND e.amount = t.amount)) LIMIT 100)`);
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
    referenceErrors: references.rows.map((r: { problem: string }) => r.problem),
    heldMismatches: held.rows.map((r: { code: string }) => r.code),
    negativeAccounts: negative.rows.map((r: { code: string }) => r.code),
    total: total.toString(),
    transfers: totals.rows[0].transfers,
    accounts: totals.rows[0].accounts,
  };
  const balanced =
    !result.unbalancedTransfers.length &&
    !result.balanceMismatches.length &&
    !result.referenceErrors.length &&
    !result.heldMismatches.length &&
    !result.negativeAccounts.length &&
    total === 0n;
  return { balanced, ...result };
}
