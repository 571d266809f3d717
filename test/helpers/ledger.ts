/** Assertions about the ledger that many tests share. */
import { expect } from 'chai';
import type { Knex } from 'knex';
import { noticeText, type OutboxWords } from '../../src/channels/sms/notice-text.js';
import { keyringOf } from '../../src/lib/keyring.js';
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

type OutboxStored = OutboxWords & { sensitive: boolean; relayed_at: Date | null } & Record<string, unknown>;

/**
 * Outbox rows (oldest first) with `text` as the SMS says it, relayed or not: worded by the SMS channel's
 * `noticeText` as the relay does, and sealed as the relay seals it while a sensitive row waits.
 */
export async function outboxTexts(
  ctx: Context,
  where: (q: Knex.QueryBuilder) => Knex.QueryBuilder,
  columns: string[] = [],
): Promise<Record<string, unknown>[]> {
  const keyring = keyringOf(ctx.config);
  const rows: OutboxStored[] = await where(ctx.db('outbox')).orderBy('id').select('*');
  return rows.map((r) => {
    const words = noticeText(r, keyring);
    const text = r.sensitive && !r.relayed_at && !keyring.isSealed(words) ? keyring.seal(words) : words;
    return { ...Object.fromEntries(columns.map((c) => [c, r[c]])), text };
  });
}

/** The texts queued for a phone, oldest first (outbox rows, relayed or not). */
export async function textsFor(ctx: Context, msisdn: string): Promise<string[]> {
  return (await outboxTexts(ctx, (q) => q.where({ msisdn }))).map((r) => String(r.text));
}

/** Polls until `check` holds (for effects that happen in the background: workers, the relay). */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((r) => setTimeout(r, 50));
  }
}
