/** Assertions about the ledger that many tests share. */
import { expect } from 'chai';
import type { Context } from '../../src/main/context.js';
import { checkLedger } from '../../src/ledger/check.js';
import { walletCode } from '../../src/ledger/codes.js';

export async function expectBalanced(ctx: Context): Promise<void> {
  const check = await checkLedger(ctx.db);
  expect(check, JSON.stringify(check)).to.include({ balanced: true });
}

export async function walletBalance(ctx: Context, msisdn: string): Promise<bigint> {
  const row = await ctx
    .db('accounts')
    .where({ code: walletCode(msisdn) })
    .first('balance');
  return row.balance;
}

/** Everything a refused command must leave untouched: transfers, entries and every balance. */
export async function ledgerSnapshot(ctx: Context): Promise<string> {
  const [transfers, entries, balances] = await Promise.all([
    ctx.db('transfers').count<{ count: string }[]>('* as count'),
    ctx.db('entries').count<{ count: string }[]>('* as count'),
    ctx.db('accounts').orderBy('id').select('id', 'balance', 'held', 'status'),
  ]);
  return JSON.stringify({ transfers: transfers[0].count, entries: entries[0].count, balances }, (_, v) =>
    typeof v === 'bigint' ? v.toString() : v,
  );
}

/** The texts queued for a phone, oldest first (outbox rows, relayed or not). */
export async function textsFor(ctx: Context, msisdn: string): Promise<string[]> {
  const rows = await ctx.db('outbox').where({ msisdn }).orderBy('id').select('text');
  return rows.map((r) => r.text);
}

/** Polls until `check` holds (for effects that happen in the background: workers, the relay). */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((r) => setTimeout(r, 50));
  }
}
