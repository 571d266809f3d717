/**
 * Loads a batch's rows into a Book, locked, and writes the Book back: the only place that writes
 * balances, transfers and entries. Rows are locked table by table in one fixed order (accounts, then
 * vouchers and transfers; users are guarded by their accounts), each table in key order, so two batches
 * can wait for each other but never deadlock. Writes are one statement a table, whatever the batch size.
 */
import { businessDayRange, type Db, pgArray, type Trx } from '../lib/index.js';
import {
  type AccountRow,
  Book,
  type BookOptions,
  merchantDayKey,
  type RefundRow,
  type TransferRow,
  type UserRow,
  type VoucherRow,
} from './book.js';
import { merchantCode, merchantOfAccount, msisdnOfWallet, SYSTEM, walletCode } from './codes.js';

export interface Needs {
  wallets?: string[];
  merchants?: string[];
  system?: string[];
  vouchers?: string[];
  transfers?: bigint[];
  /** Wallets (MSISDNs, also in `wallets`) whose waiting payment requests the command counts. */
  pendingRequestsOf?: string[];
  /** Refunds under review the command decides (locked, after the transfers). */
  refunds?: bigint[];
  /**
   * The command may take a merchant's fee or give one back: the platform's fee account is loaded and
   * locked, but only when the batch has a merchant that charges a fee or a payment that carries one, so
   * batches of fee-free merchants never queue on that one row.
   */
  fees?: boolean;
  /** Transfers the command may create (ids are taken from the sequence ahead). Default 1. */
  newTransfers?: number;
  /** Merchants (also in `merchants`) whose net movement of a business day the command settles. */
  dayNetsOf?: { merchant: string; day: string }[];
}

const ACCOUNT_COLUMNS =
  'id, kind, code, status, balance, held, may_go_negative, frozen_until, spent_day, spent_today';

export async function loadBook(
  trx: Trx,
  needs: Needs[],
  options: BookOptions,
  transferSlots: number,
): Promise<Book> {
  const codes = new Set<string>();
  const serials = new Set<string>();
  const transferIds = new Set<bigint>();
  const refundIds = new Set<string>();
  for (const n of needs) {
    for (const r of n.refunds ?? []) refundIds.add(r.toString());
    for (const m of n.wallets ?? []) codes.add(walletCode(m));
    for (const m of n.merchants ?? []) codes.add(merchantCode(m));
    for (const s of n.system ?? []) codes.add(s);
    for (const s of n.vouchers ?? []) serials.add(s);
    for (const t of n.transfers ?? []) transferIds.add(t);
  }

  // Transfers' two accounts never change, so they can be read before anything is locked.
  const ids = [...transferIds].map(String);
  const sides = ids.length
    ? (
        await trx.raw(
          'SELECT debit_account_id, credit_account_id FROM transfers WHERE id = ANY(?::bigint[])',
          [pgArray(ids)],
        )
      ).rows
    : [];
  const accountIds = sides.flatMap((s: TransferRow) => [
    s.debit_account_id.toString(),
    s.credit_account_id.toString(),
  ]);
  if (needs.some((n) => n.fees) && (await feesInPlay(trx, needs, accountIds, ids))) codes.add(SYSTEM.fees);

  const accounts: AccountRow[] = (
    await trx.raw(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE code = ANY(?::text[]) OR id = ANY(?::bigint[]) ORDER BY id FOR UPDATE`,
      [pgArray([...codes]), pgArray(accountIds)],
    )
  ).rows;

  const msisdns = accounts.map((a) => msisdnOfWallet(a.code)).filter((m): m is string => m !== null);
  const merchants = accounts.map((a) => merchantOfAccount(a.code)).filter((m): m is string => m !== null);
  // Users are read, not locked: every writer of a user row holds its wallet's account row first (the
  // batch, and `lockWallet` for single commands), so the account locks just taken already keep these
  // rows from changing until this transaction ends; locking 2,000 user rows again cost a tenth of a batch.
  const users: UserRow[] = msisdns.length
    ? (
        await trx.raw(
          `SELECT msisdn, account_id, pin_hash, pin_failures, pin_locked_until, locale, limit_per_payment, limit_daily,
                  card_failures, card_failures_day, card_locked_until
             FROM users WHERE msisdn = ANY(?::text[])`,
          [pgArray(msisdns)],
        )
      ).rows
    : [];
  const vouchers: VoucherRow[] = serials.size
    ? (
        await trx.raw(
          `SELECT serial, amount, status, transfer_id, redeemed_by, redeemed_at, pin_failures, locked_at
             FROM vouchers WHERE serial = ANY(?::text[]) ORDER BY serial FOR UPDATE`,
          [pgArray([...serials])],
        )
      ).rows
    : [];
  const transfers: TransferRow[] = ids.length
    ? (
        await trx.raw('SELECT * FROM transfers WHERE id = ANY(?::bigint[]) ORDER BY id FOR UPDATE', [
          pgArray(ids),
        ])
      ).rows
    : [];
  const refunds: RefundRow[] = refundIds.size
    ? (
        await trx.raw('SELECT * FROM refunds WHERE id = ANY(?::bigint[]) ORDER BY id FOR UPDATE', [
          pgArray([...refundIds]),
        ])
      ).rows
    : [];
  const names = merchants.length
    ? await trx('merchants')
        .whereIn('code', merchants)
        .select('code', 'name', 'fee_bps', trx.raw('callback_url IS NOT NULL AS callbacks'))
    : [];
  const slots = transferSlots
    ? (
        await trx.raw("SELECT nextval('transfers_id_seq') AS id FROM generate_series(1, ?)", [transferSlots])
      ).rows.map((r: { id: bigint }) => r.id)
    : [];

  const book = new Book(options, slots);
  for (const a of accounts) book.addAccount(a);
  for (const u of users) book.users.set(u.msisdn, u);
  for (const v of vouchers) book.vouchers.set(v.serial, v);
  for (const t of transfers) book.transfers.set(t.id, t);
  for (const r of refunds) book.refunds.set(r.id, r);
  for (const m of names) {
    book.merchantNames.set(m.code, m.name);
    book.merchantTerms.set(m.code, { name: m.name, feeBps: m.fee_bps, callbacks: m.callbacks });
  }
  await loadPendingRequests(trx, book, needs);
  await loadDayNets(trx, book, needs);
  return book;
}

/** Whether a merchant of the batch charges a fee, or a payment it touches carries one (read unlocked: fees change by no command). */
async function feesInPlay(trx: Trx, needs: Needs[], accountIds: string[], transferIds: string[]): Promise<boolean> {
  const merchants = needs.flatMap((n) => (n.fees ? (n.merchants ?? []) : []));
  const { rows } = await trx.raw(
    `SELECT EXISTS (SELECT 1 FROM merchants WHERE fee_bps > 0 AND (code = ANY(?::text[]) OR account_id = ANY(?::bigint[])))
         OR EXISTS (SELECT 1 FROM transfers WHERE id = ANY(?::bigint[]) AND fee > 0) AS yes`,
    [pgArray(merchants), pgArray(accountIds), pgArray(transferIds)],
  );
  return rows[0].yes === true;
}

/**
 * The waiting payment requests (pending, unexpired holds) of the wallets in `pendingRequestsOf`, for
 * payment.request to count and number. Read once the wallets are locked: every change of a hold's status
 * locks its wallet, so these rows hold still until the batch commits, and none of them needs a lock of
 * its own. A hold the batch already loaded (locked, for a command that changes it) is kept as loaded.
 */
async function loadPendingRequests(trx: Trx, book: Book, needs: Needs[]): Promise<void> {
  const ids = new Set<string>();
  for (const n of needs) {
    for (const m of n.pendingRequestsOf ?? []) {
      const account = book.account(walletCode(m));
      if (account) ids.add(account.id.toString());
    }
  }
  if (!ids.size) return;
  const rows: TransferRow[] = (
    await trx.raw(
      `SELECT * FROM transfers
        WHERE debit_account_id = ANY(?::bigint[]) AND kind = 'hold' AND status = 'pending' AND expires_at > ?`,
      [pgArray([...ids]), book.options.now.toISOString()],
    )
  ).rows;
  for (const row of rows) book.knowHold(book.transfers.get(row.id) ?? row);
}

/**
 * The net movement of a merchant's account on a business day, settlements excluded, for the day's
 * settlement. Read once the merchant's account row is locked: every posting to it locks that row first,
 * so the sum cannot change before the batch commits.
 */
async function loadDayNets(trx: Trx, book: Book, needs: Needs[]): Promise<void> {
  for (const n of needs) {
    for (const { merchant, day } of n.dayNetsOf ?? []) {
      const account = book.account(merchantCode(merchant));
      if (!account) continue;
      book.dayNets.set(merchantDayKey(merchant, day), await merchantDayNet(trx, account.id, day));
    }
  }
}

/** The sum of a merchant account's entries of transfers posted on business day `day`, settlements excluded. */
export async function merchantDayNet(trx: Trx | Db, accountId: bigint, day: string): Promise<bigint> {
  const { from, to } = businessDayRange(day);
  const { rows } = await trx.raw(
    `SELECT coalesce(sum(e.amount), 0) AS net
       FROM transfers t JOIN entries e ON e.transfer_id = t.id AND e.account_id = ?
      WHERE (t.debit_account_id = ? OR t.credit_account_id = ?)
        AND t.status = 'posted' AND t.kind <> 'settlement' AND t.posted_at >= ? AND t.posted_at < ?`,
    [accountId.toString(), accountId.toString(), accountId.toString(), from.toISOString(), to.toISOString()],
  );
  return BigInt(rows[0].net);
}

const str = (v: bigint | null | undefined) => (v === null || v === undefined ? null : v.toString());

export async function writeBook(trx: Trx, book: Book): Promise<void> {
  if (book.newTransfers.length) {
    const t = book.newTransfers;
    await trx.raw(
      `INSERT INTO transfers (id, kind, status, debit_account_id, credit_account_id, amount, original_id,
                              command_key, reference, description, expires_at, created_at, posted_at, request_no,
                              fee, void_reason)
       SELECT * FROM unnest(?::bigint[], ?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],
                            ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[], ?::timestamptz[], ?::smallint[],
                            ?::bigint[], ?::text[])`,
      [
        pgArray(t.map((x) => str(x.id))),
        pgArray(t.map((x) => x.kind)),
        pgArray(t.map((x) => x.status)),
        pgArray(t.map((x) => str(x.debit_account_id))),
        pgArray(t.map((x) => str(x.credit_account_id))),
        pgArray(t.map((x) => str(x.amount))),
        pgArray(t.map((x) => str(x.original_id))),
        pgArray(t.map((x) => x.command_key)),
        pgArray(t.map((x) => x.reference)),
        pgArray(t.map((x) => x.description)),
        pgArray(t.map((x) => x.expires_at?.toISOString() ?? null)),
        pgArray(t.map((x) => x.created_at.toISOString())),
        pgArray(t.map((x) => x.posted_at?.toISOString() ?? null)),
        pgArray(t.map((x) => x.request_no)),
        pgArray(t.map((x) => str(x.fee))),
        pgArray(t.map((x) => x.void_reason)),
      ],
    );
  }
  const fresh = new Set(book.newTransfers.map((t) => t.id));
  const changedTransfers = [...book.dirtyTransfers]
    .filter((id) => !fresh.has(id))
    .map((id) => book.transfers.get(id)!);
  if (changedTransfers.length) {
    await trx.raw(
      `UPDATE transfers t SET status = v.status, refunded = v.refunded, reversed = v.reversed, posted_at = v.posted_at,
                              fee = v.fee, void_reason = v.void_reason
         FROM unnest(?::bigint[], ?::text[], ?::bigint[], ?::boolean[], ?::timestamptz[], ?::bigint[], ?::text[])
              AS v(id, status, refunded, reversed, posted_at, fee, void_reason)
        WHERE t.id = v.id`,
      [
        pgArray(changedTransfers.map((x) => str(x.id))),
        pgArray(changedTransfers.map((x) => x.status)),
        pgArray(changedTransfers.map((x) => str(x.refunded))),
        pgArray(changedTransfers.map((x) => x.reversed)),
        pgArray(changedTransfers.map((x) => x.posted_at?.toISOString() ?? null)),
        pgArray(changedTransfers.map((x) => str(x.fee))),
        pgArray(changedTransfers.map((x) => x.void_reason)),
      ],
    );
  }
  if (book.entries.length) {
    const e = book.entries;
    await trx.raw(
      `INSERT INTO entries (transfer_id, account_id, amount, balance_after)
       SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[])`,
      [
        pgArray(e.map((x) => str(x.transfer_id))),
        pgArray(e.map((x) => str(x.account_id))),
        pgArray(e.map((x) => str(x.amount))),
        pgArray(e.map((x) => str(x.balance_after))),
      ],
    );
  }
  if (book.dirtyAccounts.size) {
    const a = [...book.dirtyAccounts].map((id) => book.accountById(id));
    await trx.raw(
      `UPDATE accounts x SET balance = v.balance, held = v.held, spent_day = v.spent_day, spent_today = v.spent_today,
                             updated_at = now()
         FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::bigint[]) AS v(id, balance, held, spent_day, spent_today)
        WHERE x.id = v.id`,
      [
        pgArray(a.map((x) => str(x.id))),
        pgArray(a.map((x) => str(x.balance))),
        pgArray(a.map((x) => str(x.held))),
        pgArray(a.map((x) => x.spent_day)),
        pgArray(a.map((x) => str(x.spent_today))),
      ],
    );
  }
  if (book.dirtyUsers.size) {
    const u = [...book.dirtyUsers].map((m) => book.users.get(m)!);
    await trx.raw(
      `UPDATE users x SET pin_hash = v.pin_hash, pin_failures = v.pin_failures, pin_locked_until = v.pin_locked_until,
                          card_failures = v.card_failures, card_failures_day = v.card_failures_day,
                          card_locked_until = v.card_locked_until
         FROM unnest(?::text[], ?::text[], ?::int[], ?::timestamptz[], ?::int[], ?::text[], ?::timestamptz[])
              AS v(msisdn, pin_hash, pin_failures, pin_locked_until, card_failures, card_failures_day, card_locked_until)
        WHERE x.msisdn = v.msisdn`,
      [
        pgArray(u.map((x) => x.msisdn)),
        pgArray(u.map((x) => x.pin_hash)),
        pgArray(u.map((x) => x.pin_failures)),
        pgArray(u.map((x) => x.pin_locked_until?.toISOString() ?? null)),
        pgArray(u.map((x) => x.card_failures)),
        pgArray(u.map((x) => x.card_failures_day)),
        pgArray(u.map((x) => x.card_locked_until?.toISOString() ?? null)),
      ],
    );
  }
  if (book.dirtyVouchers.size) {
    const v = [...book.dirtyVouchers].map((s) => book.vouchers.get(s)!);
    await trx.raw(
      `UPDATE vouchers x SET status = v.status, transfer_id = v.transfer_id, redeemed_by = v.redeemed_by, redeemed_at = v.redeemed_at,
                             pin_failures = v.pin_failures, locked_at = v.locked_at
         FROM unnest(?::text[], ?::text[], ?::bigint[], ?::text[], ?::timestamptz[], ?::int[], ?::timestamptz[])
              AS v(serial, status, transfer_id, redeemed_by, redeemed_at, pin_failures, locked_at)
        WHERE x.serial = v.serial`,
      [
        pgArray(v.map((x) => x.serial)),
        pgArray(v.map((x) => x.status)),
        pgArray(v.map((x) => str(x.transfer_id))),
        pgArray(v.map((x) => x.redeemed_by)),
        pgArray(v.map((x) => x.redeemed_at?.toISOString() ?? null)),
        pgArray(v.map((x) => x.pin_failures)),
        pgArray(v.map((x) => x.locked_at?.toISOString() ?? null)),
      ],
    );
  }
  if (book.dirtyRefunds.size) {
    const r = [...book.dirtyRefunds].map((id) => book.refunds.get(id)!);
    await trx.raw(
      `UPDATE refunds x SET status = v.status, reviewed_by = v.reviewed_by, transfer_id = v.transfer_id,
                            decided_at = v.decided_at
         FROM unnest(?::bigint[], ?::text[], ?::bigint[], ?::bigint[], ?::timestamptz[])
              AS v(id, status, reviewed_by, transfer_id, decided_at)
        WHERE x.id = v.id`,
      [
        pgArray(r.map((x) => str(x.id))),
        pgArray(r.map((x) => x.status)),
        pgArray(r.map((x) => str(x.reviewed_by))),
        pgArray(r.map((x) => str(x.transfer_id))),
        pgArray(r.map((x) => x.decided_at?.toISOString() ?? null)),
      ],
    );
  }
  if (book.callbacks.length) {
    const c = book.callbacks;
    await trx.raw(
      `INSERT INTO merchant_callbacks (merchant_code, event, object_id, body, command_key)
       SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[])`,
      [
        pgArray(c.map((x) => x.merchant_code)),
        pgArray(c.map((x) => x.event)),
        pgArray(c.map((x) => x.object_id)),
        pgArray(c.map((x) => x.body)),
        pgArray(c.map((x) => x.command_key)),
      ],
    );
  }
  await writeOutbox(trx, book.outbox);
}

export async function writeOutbox(trx: Trx, rows: Book['outbox']): Promise<void> {
  if (!rows.length) return;
  await trx.raw(
    `INSERT INTO outbox (msisdn, text_key, params, locale, reason, command_key, sensitive)
     SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::boolean[])`,
    [
      pgArray(rows.map((x) => x.msisdn)),
      pgArray(rows.map((x) => x.text_key)),
      pgArray(rows.map((x) => x.params)),
      pgArray(rows.map((x) => x.locale)),
      pgArray(rows.map((x) => x.reason)),
      pgArray(rows.map((x) => x.command_key)),
      pgArray(rows.map((x) => x.sensitive)),
    ],
  );
}

/**
 * Texts already worded (a channel's hand-off, not a ledger change) into the outbox, for the SMS relay to
 * send like every notification: one insert, `reason` saying what they are.
 */
export async function queueOutboxTexts(
  db: Db,
  rows: { msisdn: string; text: string; reason: string }[],
): Promise<void> {
  if (!rows.length) return;
  await db('outbox').insert(rows.map((r) => ({ ...r, sensitive: false })));
}
