/**
 * The reconciliation file (对账, INTERFACES §8), one writer for the merchant API
 * (`GET /api/reconciliation`) and the merchant portal's download: the day's CSV streamed from a
 * PostgreSQL cursor, rows as they are read, then a totals line per kind and the net. Amounts are signed
 * as the merchant's account saw them (payments +, refunds, reversals and payouts −); `fee` is what the
 * platform took (a reversal's is negative: given back), so the `net` line (Σ amount − Σ fee) is the
 * day's movement on the merchant's account, settlement aside.
 */
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { Response } from 'express';
import {
  msisdnOfWallet,
  paymentStatus,
  type ReconciliationRecord,
  reconciliationRecords,
} from '../ledger/index.js';
import { type Db, logger, nationalMsisdn } from '../lib/index.js';

const CSV_COLUMNS = ['id', 'time', 'kind', 'reference', 'msisdn', 'amount', 'fee', 'status'];
const KINDS = ['payment', 'refund', 'reversal', 'payout'] as const;

/** A merchant's own text in a cell: one starting like a formula is quoted so spreadsheets show it as text. */
const cellText = (text: string) => (/^[=+\-@]/.test(text) ? `'${text}` : text);
/** The national number of a wallet's account code (the code itself for any other account). */
export const walletMsisdn = (code: string) => nationalMsisdn(msisdnOfWallet(code) ?? code);

/** `2026-12-07T15:04:05+08:00`: the reconciliation's times, in the business day's own zone. */
function chinaIso(at: Date): string {
  return `${new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}

/** Streams business day `date`'s CSV of `merchant` (every merchant's, with a `merchant` column, when undefined). */
export async function sendReconciliation(res: Response, db: Db, date: string, merchant: string | undefined) {
  const all = merchant === undefined;
  const columns = all ? ['merchant', ...CSV_COLUMNS] : CSV_COLUMNS;
  const now = new Date();
  const totals = new Map(KINDS.map((k) => [k, { count: 0, amount: 0n, fee: 0n }]));
  const line = (cells: Record<string, string>) => columns.map((col) => cells[col] ?? '');
  const toRows = new Transform({
    objectMode: true,
    transform(r: ReconciliationRecord, _enc, done) {
      const payment = r.kind === 'payment';
      const amount = payment ? r.amount : -r.amount;
      const fee = r.kind === 'reversal' ? -r.fee : r.fee;
      const total = totals.get(r.kind as (typeof KINDS)[number]);
      if (total) {
        total.count += 1;
        total.amount += amount;
        total.fee += fee;
      }
      const status = payment
        ? paymentStatus({ ...r, expires_at: null, void_reason: null }, now)
        : ({ refund: 'refunded', reversal: 'reversed', payout: 'paid' } as Record<string, string>)[r.kind];
      done(
        null,
        line({
          merchant: r.merchant,
          id: r.id.toString(),
          time: chinaIso(r.posted_at),
          kind: r.kind,
          reference: cellText(r.reference ?? ''),
          msisdn: walletMsisdn(r.wallet),
          amount: amount.toString(),
          fee: fee.toString(),
          status: status ?? '',
        }),
      );
    },
    flush(done) {
      let amount = 0n;
      let fee = 0n;
      for (const [kind, t] of totals) {
        amount += t.amount;
        fee += t.fee;
        this.push(
          line({
            id: 'total',
            kind,
            amount: t.amount.toString(),
            fee: t.fee.toString(),
            status: `count=${t.count}`,
          }),
        );
      }
      this.push(line({ id: 'net', amount: (amount - fee).toString() }));
      done();
    },
  });
  res.setHeader('content-type', 'text/csv; charset=utf-8');
  const who = merchant ?? 'all';
  res.setHeader('content-disposition', `attachment; filename="reconciliation-${who}-${date}.csv"`);
  try {
    await pipeline(
      reconciliationRecords(db, date, merchant),
      toRows,
      stringify({ header: true, columns }),
      res,
    );
  } catch (err) {
    // Headers are gone once the first row is out: the client sees a cut CSV (no `net` line), not a 500.
    logger.error({ err, date, who }, 'reconciliation stream failed');
    res.destroy(err instanceof Error ? err : undefined);
  }
}
