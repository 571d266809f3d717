/**
 * The in-memory book of one batch: the locked rows it touches and every change the batch's commands
 * make to them. Pure rules, no I/O: the batch engine loads and locks the rows, commands apply their
 * effects here one after another (each sees the balances the earlier ones left), and the engine writes
 * the lot in one transaction. A command either applies in full or is refused having changed nothing
 * (except a wrong PIN, which is counted).
 */
import { businessDay } from '../lib/index.js';
import { merchantOfAccount } from './codes.js';
import { encodeParams, type NoticeKey, type NoticeParams, type NotifyKey } from './notices.js';
import type { Refusal } from './refusals.js';
import { RefusalError, refusals } from './refusals.js';
import { applyCardPinCheck, applyPinCheck, type CardLock, type PinCheck } from './pin-rules.js';

export interface AccountRow {
  id: bigint;
  kind: 'wallet' | 'merchant' | 'system';
  code: string;
  status: 'active' | 'frozen' | 'closed';
  balance: bigint;
  held: bigint;
  may_go_negative: boolean;
  frozen_until: Date | null;
  spent_day: string | null;
  spent_today: bigint;
}

export interface UserRow {
  msisdn: string;
  account_id: bigint;
  pin_hash: string;
  pin_failures: number;
  pin_locked_until: Date | null;
  locale: string;
  limit_per_payment: bigint | null;
  limit_daily: bigint | null;
  card_failures: number;
  card_failures_day: string | null;
  card_locked_until: Date | null;
}

export interface VoucherRow {
  serial: string;
  amount: bigint;
  status: 'issued' | 'redeemed';
  transfer_id: bigint | null;
  redeemed_by: string | null;
  redeemed_at: Date | null;
  pin_failures: number;
  locked_at: Date | null;
}

export interface TransferRow {
  id: bigint;
  kind: string;
  status: 'posted' | 'pending' | 'voided';
  debit_account_id: bigint;
  credit_account_id: bigint;
  amount: bigint;
  refunded: bigint;
  reversed: boolean;
  original_id: bigint | null;
  command_key: string;
  reference: string | null;
  description: string | null;
  expires_at: Date | null;
  created_at: Date;
  /** When the money moved (a hold is posted later than it is created); null while pending or voided. */
  posted_at: Date | null;
  /** A pending payment request's number for its wallet (`n PIN`, `QX n`); null on other transfers. */
  request_no: number | null;
  /** The fee charged with a payment (posted as a `fee` transfer to the platform); 0 elsewhere. */
  fee: bigint;
  /** Why a payment request was voided: `declined` or `expired`; null otherwise. */
  void_reason: 'declined' | 'expired' | null;
}

/** A refund under review (退款审核): money moves only when the merchant's reviewer approves it. */
export interface RefundRow {
  id: bigint;
  merchant_code: string;
  payment_id: bigint;
  amount: bigint;
  reason: string;
  reference: string;
  status: 'pending_review' | 'approved' | 'rejected';
  /** The id of the merchant key that asked (`merchant_keys.id`). */
  requested_by: bigint;
  reviewed_by: bigint | null;
  transfer_id: bigint | null;
  created_at: Date;
  decided_at: Date | null;
}

/** What the batch knows of a merchant beyond its account: its fee and whether it takes callbacks. */
export interface MerchantTerms {
  name: string;
  feeBps: number;
  callbacks: boolean;
}

/** A callback to a merchant, committed with the settlement it reports (the callbacks' outbox). */
export interface CallbackRow {
  merchant_code: string;
  event: string;
  /** The payment, refund or payout it is about. */
  object_id: string;
  /** The exact JSON body POSTed (INTERFACES §8), fixed here so every retry signs the same bytes. */
  body: string;
  command_key: string;
}

export interface EntryRow {
  transfer_id: bigint;
  account_id: bigint;
  amount: bigint;
  balance_after: bigint;
}

/** An SMS to send, committed with the change it reports; the SMS channel words it (ledger/notices.ts). */
export interface OutboxRow {
  msisdn: string;
  /** What to say: a text of flows/texts, or a late refusal. */
  text_key: NoticeKey;
  /** The text's parameters, `encodeParams`ed: sealed when `sensitive`. */
  params: string;
  /** The reader's language. */
  locale: string;
  /** What it reports (`payment`, `pin.locked`, `refused.<code>`, …), for operators and tests. */
  reason: string;
  command_key: string;
  /** Holds secrets (initial passwords): sealed at rest, blanked once relayed. */
  sensitive: boolean;
}

export type { PinCheck };

export interface Limits {
  perPayment: bigint;
  daily: bigint;
}

export interface BookOptions {
  now: Date;
  caps: Limits;
  pinMaxFailures: number;
  pinLockMs: number;
  holdTtlMs: number;
}

export interface MoveSpec {
  kind: string;
  from: AccountRow;
  to: AccountRow;
  amount: bigint;
  commandKey: string;
  reference?: string | null;
  description?: string | null;
  originalId?: bigint | null;
  requestNo?: number | null;
}

export class Book {
  readonly accounts = new Map<bigint, AccountRow>();
  readonly accountsByCode = new Map<string, AccountRow>();
  readonly users = new Map<string, UserRow>();
  readonly vouchers = new Map<string, VoucherRow>();
  readonly transfers = new Map<bigint, TransferRow>();
  readonly merchantNames = new Map<string, string>();
  readonly merchantTerms = new Map<string, MerchantTerms>();
  readonly refunds = new Map<bigint, RefundRow>();
  /** A merchant's net movement of a business day (settlements excluded), by `merchantDayKey`. */
  readonly dayNets = new Map<string, bigint>();
  /** Pending holds the batch knows of, by paying account: loaded for payment.request, or made by `hold`. */
  readonly holdsByAccount = new Map<bigint, Set<bigint>>();

  readonly newTransfers: TransferRow[] = [];
  readonly entries: EntryRow[] = [];
  readonly outbox: OutboxRow[] = [];
  readonly callbacks: CallbackRow[] = [];
  readonly dirtyRefunds = new Set<bigint>();
  readonly dirtyAccounts = new Set<bigint>();
  readonly dirtyUsers = new Set<string>();
  readonly dirtyVouchers = new Set<string>();
  readonly dirtyTransfers = new Set<bigint>();

  private readonly freeIds: bigint[];

  constructor(
    readonly options: BookOptions,
    transferIds: bigint[],
  ) {
    this.freeIds = [...transferIds];
  }

  get today(): string {
    return businessDay(this.options.now);
  }

  addAccount(row: AccountRow): void {
    this.accounts.set(row.id, row);
    this.accountsByCode.set(row.code, row);
  }

  account(code: string): AccountRow | undefined {
    return this.accountsByCode.get(code);
  }

  accountById(id: bigint): AccountRow {
    const row = this.accounts.get(id);
    if (!row) throw new Error(`account ${id} was not loaded into the batch`);
    return row;
  }

  /**
   * Runs one command's effects against a copy of the rows it may change: on a refusal nothing it did
   * stays, except what it marked to keep (a counted wrong PIN).
   */
  attempt<T>(apply: () => T): { ok: true; value: T } | { ok: false; error: Refusal } {
    const mark = this.checkpoint();
    try {
      return { ok: true, value: apply() };
    } catch (err) {
      if (!(err instanceof RefusalError)) throw err;
      this.rollback(mark);
      return { ok: false, error: err.refusal };
    }
  }

  /** A wallet that can pay: open, active, with a user behind it. */
  payer(msisdn: string): { account: AccountRow; user: UserRow } {
    const user = this.users.get(msisdn);
    const account = user && this.accounts.get(user.account_id);
    if (!user || !account) throw new RefusalError(refusals.notAUser());
    ensureActive(account);
    return { account, user };
  }

  /**
   * Checks the user's PIN outcome: a wrong one stays counted even though the command is refused.
   * `onLock` runs when this very check locks the wallet (to tell the owner; see `notify`'s `keep`).
   */
  checkPin(user: UserRow, check: PinCheck | undefined, onLock?: (until: Date) => void): void {
    const { now, pinMaxFailures, pinLockMs } = this.options;
    const { refusal, changed, lockedNow } = applyPinCheck(user, check, {
      now,
      maxFailures: pinMaxFailures,
      lockMs: pinLockMs,
    });
    if (changed) this.dirtyUsers.add(user.msisdn); // outside the undo log on purpose
    if (lockedNow && user.pin_locked_until) onLock?.(user.pin_locked_until);
    if (refusal) throw new RefusalError(refusal);
  }

  /**
   * Checks a recharge card's PIN outcome for `user`: a wrong one (or an unknown card) is counted on the
   * card and on the user's day, outside the undo log, and may lock either; `onLock` tells the owner.
   */
  checkCardPin(
    user: UserRow,
    voucher: VoucherRow | undefined,
    check: { ok: boolean; locked?: boolean } | undefined,
    onLock: (lock: CardLock) => void,
  ): void {
    const outcome = applyCardPinCheck(user, voucher, check, { now: this.options.now, today: this.today });
    if (outcome.changed) {
      this.dirtyUsers.add(user.msisdn);
      if (voucher) this.dirtyVouchers.add(voucher.serial);
    }
    for (const lock of outcome.lockedNow) onLock(lock);
    if (outcome.refusal) throw new RefusalError(outcome.refusal);
  }

  /** Per-payment and daily limits of a user's outgoing money: the user's own, within the platform caps. */
  spend(user: UserRow, account: AccountRow, amount: bigint): void {
    const caps = this.options.caps;
    const daily = min(user.limit_daily ?? caps.daily, caps.daily);
    this.checkPerPayment(user, amount);
    const spent = account.spent_day === this.today ? account.spent_today : 0n;
    if (spent + amount > daily)
      throw new RefusalError(refusals.overDaily(daily - spent > 0n ? daily - spent : 0n));
    this.set(account, 'spent_day', this.today);
    this.set(account, 'spent_today', spent + amount);
    this.dirtyAccounts.add(account.id);
  }

  /** The per-payment limit alone (a payment request counts toward the day only when confirmed). */
  checkPerPayment(user: UserRow, amount: bigint): void {
    const perPayment = min(
      user.limit_per_payment ?? this.options.caps.perPayment,
      this.options.caps.perPayment,
    );
    if (amount > perPayment) throw new RefusalError(refusals.overPerPayment(perPayment));
  }

  /** A reversed payment no longer counts toward the payer's spending today. */
  giveBackSpending(account: AccountRow, amount: bigint): void {
    if (account.spent_day !== this.today) return;
    this.set(account, 'spent_today', account.spent_today > amount ? account.spent_today - amount : 0n);
    this.dirtyAccounts.add(account.id);
  }

  /** Moves money now: one transfer, two entries, both balances updated. */
  move(spec: MoveSpec): TransferRow {
    const { from, to, amount } = spec;
    if (from.id === to.id) throw new RefusalError(refusals.sameAccount());
    ensureActive(from);
    if (to.status !== 'active') throw new RefusalError(refusals.counterpartyUnavailable());
    if (!from.may_go_negative && from.balance - from.held < amount)
      throw new RefusalError(refusals.insufficientFunds());
    const transfer = this.newTransfer(spec, 'posted');
    this.post(transfer, from, to);
    return transfer;
  }

  /** Reserves money for a later post or void: the wallet's available balance drops, no entry yet. */
  hold(spec: MoveSpec, expiresAt: Date): TransferRow {
    const { from, to, amount } = spec;
    ensureActive(from);
    if (to.status !== 'active') throw new RefusalError(refusals.counterpartyUnavailable());
    if (from.balance - from.held < amount) throw new RefusalError(refusals.insufficientFunds());
    const transfer = this.newTransfer(spec, 'pending');
    transfer.expires_at = expiresAt;
    this.knowHold(transfer);
    this.set(from, 'held', from.held + amount);
    this.dirtyAccounts.add(from.id);
    return transfer;
  }

  /** Posts a pending hold: the reserved money moves. */
  postHold(transfer: TransferRow): void {
    this.ensurePending(transfer);
    const from = this.accountById(transfer.debit_account_id);
    const to = this.accountById(transfer.credit_account_id);
    ensureActive(from);
    if (to.status !== 'active') throw new RefusalError(refusals.counterpartyUnavailable());
    this.set(from, 'held', from.held - transfer.amount);
    this.set(transfer, 'status', 'posted');
    this.set(transfer, 'posted_at', this.options.now);
    this.dirtyTransfers.add(transfer.id);
    this.post(transfer, from, to);
  }

  /** Voids a pending hold: the reserved money is free again, nothing moved. */
  voidHold(transfer: TransferRow, reason: 'declined' | 'expired' = 'declined'): void {
    if (transfer.status !== 'pending') throw new RefusalError(refusals.holdNotPending());
    const from = this.accountById(transfer.debit_account_id);
    this.set(from, 'held', from.held - transfer.amount);
    this.set(transfer, 'status', 'voided');
    this.set(transfer, 'void_reason', reason);
    this.dirtyAccounts.add(from.id);
    this.dirtyTransfers.add(transfer.id);
  }

  /**
   * Adds a pending hold to its wallet's in `holdsByAccount` (see `request-rules.ts`), and to `transfers`
   * unless the batch has it already: a row the batch loaded locked is the one its commands change.
   */
  knowHold(row: TransferRow): void {
    if (!this.transfers.has(row.id)) this.transfers.set(row.id, row);
    let ids = this.holdsByAccount.get(row.debit_account_id);
    if (!ids) {
      ids = new Set();
      this.holdsByAccount.set(row.debit_account_id, ids);
    }
    ids.add(row.id);
  }

  ensurePending(transfer: TransferRow): void {
    if (transfer.status !== 'pending') throw new RefusalError(refusals.holdNotPending());
    if (transfer.expires_at && transfer.expires_at <= this.options.now)
      throw new RefusalError(refusals.holdExpired());
  }

  /**
   * Queues an SMS to the owner of a wallet, committed with the change it reports. `keep`: the SMS
   * reports something a refusal does not undo (a PIN or card lock), so it stays when the command is
   * refused.
   */
  notify(
    msisdn: string,
    locale: string,
    key: NotifyKey,
    params: NoticeParams,
    commandKey: string,
    keep = false,
  ): void {
    const row: OutboxRow = {
      msisdn,
      text_key: key,
      params: encodeParams(params),
      locale,
      reason: key.replace(/^notify\./, ''),
      command_key: commandKey,
      sensitive: false,
    };
    this.outbox.push(row);
    if (keep) this.keptOutbox.add(row);
  }

  private readonly keptOutbox = new Set<OutboxRow>();

  /**
   * Queues a callback to the merchant of `account`, committed with the change it reports; nothing for a
   * merchant without a callback URL.
   */
  callback(account: AccountRow, row: Omit<CallbackRow, 'merchant_code'>): void {
    const code = merchantOfAccount(account.code);
    if (code === null || !this.merchantTerms.get(code)?.callbacks) return;
    this.callbacks.push({ merchant_code: code, ...row });
  }

  /** Records a reviewer's decision on a refund (and the transfer an approval made). */
  decideRefund(refund: RefundRow, status: 'approved' | 'rejected', reviewer: bigint, transferId: bigint | null): void {
    if (refund.status !== 'pending_review') throw new RefusalError(refusals.refundNotPending(refund.status));
    this.set(refund, 'status', status);
    this.set(refund, 'reviewed_by', reviewer);
    this.set(refund, 'transfer_id', transferId);
    this.set(refund, 'decided_at', this.options.now);
    this.dirtyRefunds.add(refund.id);
  }

  /** A merchant's net movement on business day `day` (loaded for the settlement), or a bug if not loaded. */
  dayNet(merchant: string, day: string): bigint {
    const net = this.dayNets.get(merchantDayKey(merchant, day));
    if (net === undefined) throw new Error(`the net of ${merchant} on ${day} was not loaded into the batch`);
    return net;
  }

  /** Changes a loaded transfer (refunded amount, reversal flag), undone if the command is refused. */
  updateTransfer<K extends keyof TransferRow>(transfer: TransferRow, field: K, value: TransferRow[K]): void {
    this.set(transfer, field, value);
    this.dirtyTransfers.add(transfer.id);
  }

  /** Marks a recharge card redeemed by `msisdn` through `transferId`. */
  redeemVoucher(voucher: VoucherRow, msisdn: string, transferId: bigint): void {
    this.set(voucher, 'status', 'redeemed');
    this.set(voucher, 'redeemed_by', msisdn);
    this.set(voucher, 'redeemed_at', this.options.now);
    this.set(voucher, 'transfer_id', transferId);
    this.dirtyVouchers.add(voucher.serial);
  }

  private newTransfer(spec: MoveSpec, status: TransferRow['status']): TransferRow {
    const id = this.freeIds.shift();
    if (id === undefined) throw new Error('the batch ran out of preallocated transfer ids');
    const transfer: TransferRow = {
      id,
      kind: spec.kind,
      status,
      debit_account_id: spec.from.id,
      credit_account_id: spec.to.id,
      amount: spec.amount,
      refunded: 0n,
      reversed: false,
      original_id: spec.originalId ?? null,
      command_key: spec.commandKey,
      reference: spec.reference ?? null,
      description: spec.description ?? null,
      expires_at: null,
      created_at: this.options.now,
      posted_at: status === 'posted' ? this.options.now : null,
      request_no: spec.requestNo ?? null,
      fee: 0n,
      void_reason: null,
    };
    this.newTransfers.push(transfer);
    this.transfers.set(id, transfer);
    return transfer;
  }

  private post(transfer: TransferRow, from: AccountRow, to: AccountRow): void {
    this.set(from, 'balance', from.balance - transfer.amount);
    this.set(to, 'balance', to.balance + transfer.amount);
    this.entries.push(
      {
        transfer_id: transfer.id,
        account_id: from.id,
        amount: -transfer.amount,
        balance_after: from.balance,
      },
      { transfer_id: transfer.id, account_id: to.id, amount: transfer.amount, balance_after: to.balance },
    );
    this.dirtyAccounts.add(from.id);
    this.dirtyAccounts.add(to.id);
  }

  /** Sets a field and remembers how to undo it, so a refused command leaves the book as it found it. */
  private set<T extends object, K extends keyof T>(row: T, field: K, value: T[K]): void {
    const old = row[field];
    this.undo.push(() => {
      row[field] = old;
    });
    row[field] = value;
  }

  private readonly undo: Array<() => void> = [];

  private checkpoint() {
    return {
      undo: this.undo.length,
      newTransfers: this.newTransfers.length,
      entries: this.entries.length,
      outbox: this.outbox.length,
      callbacks: this.callbacks.length,
      freeIds: this.freeIds.length,
    };
  }

  private rollback(mark: ReturnType<Book['checkpoint']>): void {
    while (this.undo.length > mark.undo) this.undo.pop()!();
    const dropped = this.newTransfers.splice(mark.newTransfers);
    for (const t of dropped) this.transfers.delete(t.id);
    this.freeIds.unshift(...dropped.map((t) => t.id));
    this.entries.length = mark.entries;
    this.callbacks.length = mark.callbacks;
    const kept = this.outbox.splice(mark.outbox).filter((row) => this.keptOutbox.has(row));
    this.outbox.push(...kept);
    // Dirty marks may stay: writing an unchanged row back is harmless.
  }
}

/** The key of a merchant's business day in `Book.dayNets`. */
export const merchantDayKey = (merchant: string, day: string) => `${merchant}|${day}`;

export function ensureActive(account: AccountRow): void {
  if (account.status === 'frozen') throw new RefusalError(refusals.accountFrozen());
  if (account.status === 'closed') throw new RefusalError(refusals.accountClosed());
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
