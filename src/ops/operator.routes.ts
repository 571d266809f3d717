/**
 * The operator API under `/api` (INTERFACES §8), every route behind `Authorization: Bearer $OPS_TOKEN`.
 * Amounts are JSON integers of fen in and out; a float, a string or anything past a safe integer is
 * refused with 400 before anything runs, so a bad body changes nothing. Reads go to the ledger's query
 * functions; the one money movement (`POST /api/topups`) goes through the command bus like every other.
 *
 * Merchant routes (merchant API keys) share the `/api` prefix, so the token is checked per operator
 * path, not for all of `/api`.
 *
 * Every action (a route that changes something) is written to the audit log with the operator's name
 * (`X-Operator`), the reason where the call takes one, and its outcome: `ok` or the refusal code. The
 * row is written ahead of the action (see audit.ts): when it cannot be written the action does not run
 * (500). An action on the database runs in the same transaction as its row; a command on the worker
 * carries the row's id, and its own transaction sets the outcome, also after the call answered 202.
 */
import { randomUUID } from 'node:crypto';
import { type Response, Router } from 'express';
import { z } from 'zod';
import {
  auditLog,
  checkLedger,
  createMerchant,
  dayStats,
  issueVouchers,
  smsHistory,
  statement,
  userExists,
  walletView,
} from '../ledger/index.js';
import type { CommandResult } from '../ledger/index.js';
import {
  AppError,
  businessDay,
  businessDayRange,
  conflict,
  fenToJson,
  keyringOf,
  nationalMsisdn,
} from '../lib/index.js';
import { refusalError, validate } from './api-errors.js';
import { day, fen, msisdn, reference } from './api-schemas.js';
import { type AuditAhead, auditAhead, auditedTransaction } from './audit.js';
import { type OperatorSessions, requestIdOf, requireOperator } from './operator-session.js';
import type { OpsDeps } from './ops-deps.js';

export interface OperatorRoutesOptions {
  opsToken: string;
  sessions: OperatorSessions;
  /** How long `POST /api/topups` waits for the command before answering 202 pending. Default 10000 ms. */
  commandTimeoutMs?: number;
}

/** Paths under which every route needs the operator token. */
export const OPERATOR_PATHS = [
  '/api/accounts',
  '/api/merchants',
  '/api/vouchers',
  '/api/topups',
  '/api/ledger',
  '/api/audit',
  '/api/stats',
];

/** The largest amount of one batch of recharge cards, fen (¥1,000). */
export const MAX_VOUCHER_FEN = 100_000;

const msisdnParam = z.object({ msisdn });
const reasonBody = z.object({ reason: z.string({ error: 'a reason is required' }).min(1).max(200) });
const freezeBody = reasonBody.extend({
  days: z
    .number({ error: 'days is a whole number from 1 to 365' })
    .int({ error: 'days is a whole number from 1 to 365' })
    .min(1, { error: 'days is at least 1' })
    .max(365, { error: 'days is at most 365' })
    .optional(),
});

const statsQuery = z.object({ date: day.optional() });
/** A query's `limit`: a whole number from 1 to `max`. */
const limitParam = (max: number) =>
  z
    .string()
    .regex(/^\d{1,3}$/, { error: `limit is a whole number from 1 to ${max}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(1, { error: 'limit is at least 1' })
        .max(max, { error: `limit is at most ${max}` }),
    )
    .optional();
/** A query's `before`: an id of the list it pages (`what`). */
const beforeParam = (what: string) =>
  z
    .string()
    .regex(/^[1-9]\d{0,17}$/, { error: `before is ${what}` })
    .transform((v) => BigInt(v))
    .optional();

const smsQuery = z.object({ limit: limitParam(200) });
const auditQuery = z.object({
  operator: z.string().max(64).optional(),
  action: z.string().max(64).optional(),
  target: z.string().max(128).optional(),
  from: day.optional(),
  to: day.optional(),
  before: beforeParam('an audit id'),
  limit: limitParam(500),
});

const transactionsQuery = z.object({
  limit: limitParam(100),
  before: beforeParam('a transaction id'),
});

const merchantBody = z.strictObject({
  code: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, { error: 'code is 1-32 letters, digits, _ or -' }),
  name: z
    .string()
    .trim()
    .min(1, { error: 'name must not be empty' })
    .max(64, { error: 'name is at most 64 characters' }),
  callbackUrl: z
    .url({ protocol: /^https?$/, error: 'callbackUrl is an http(s) URL' })
    .max(2048, { error: 'callbackUrl is at most 2048 characters' })
    .optional(),
  feeBps: z
    .number({ error: 'feeBps is a whole number of basis points from 0 to 10000' })
    .int({ error: 'feeBps is a whole number of basis points from 0 to 10000' })
    .min(0, { error: 'feeBps is at least 0' })
    .max(10_000, { error: 'feeBps is at most 10000 (100 %)' })
    .optional(),
});

const voucherBody = z.strictObject({
  count: z
    .number({ error: 'count is a whole number from 1 to 1000' })
    .int({ error: 'count is a whole number from 1 to 1000' })
    .min(1, { error: 'count is at least 1' })
    .max(1000, { error: 'count is at most 1000' }),
  amount: fen(MAX_VOUCHER_FEN),
});

const topupBody = z.strictObject({
  msisdn,
  amount: fen(),
  reference,
});

type BusCommand = Parameters<OpsDeps['bus']['execute']>[0];

const money = (value: unknown) => fenToJson(BigInt(value as bigint | string));

export function operatorRoutes(
  ctx: Pick<OpsDeps, 'config' | 'db' | 'bus'>,
  options: OperatorRoutesOptions,
): Router {
  const router = Router();
  const timeoutMs = options.commandTimeoutMs ?? 10_000;
  const noWallet = () => new AppError('not_a_user', 'this phone number has no wallet', 404);
  router.use(OPERATOR_PATHS, requireOperator({ token: options.opsToken, sessions: options.sessions }));
  /**
   * Runs an operator's command on the worker after its audit row (written ahead, `pending`; a failed
   * write runs nothing): the job carries the row's id and the command's own transaction sets its outcome,
   * whenever it runs. Answers the command's result as the bus gives it (`pending` past the deadline).
   */
  const runAudited = async (
    res: Response,
    command: BusCommand,
    entry: AuditAhead,
  ): Promise<CommandResult> => {
    const auditId = await auditAhead(ctx.db, res, entry);
    return ctx.bus.execute(command, timeoutMs, { requestId: requestIdOf(res), auditId });
  };
  /**
   * An operator's command on a wallet under a key of its own (each call is a new action): its value, or
   * its refusal thrown; null when it is still running at the deadline (the caller answers 202).
   */
  const runRecorded = async (
    res: Response,
    command: { type: BusCommand['type']; input: BusCommand['input'] },
    entry: AuditAhead,
  ): Promise<Record<string, unknown> | null> => {
    const key = `ops-${command.type}:${randomUUID()}`;
    const result = await runAudited(res, { key, ...command }, entry);
    if (result.ok) return result.value;
    if (result.error.code === 'pending') return null;
    throw refusalError(result.error);
  };
  /** 202: the command runs on; its audit row gets its outcome when it is done. */
  const stillRunning = (res: Response, msisdn: string) =>
    res.status(202).json({
      msisdn: nationalMsisdn(msisdn),
      status: 'pending',
      message: 'accepted; the outcome will be in the audit log',
    });

  router.get('/api/accounts/:msisdn', async (req, res) => {
    const { msisdn } = validate(msisdnParam, req.params);
    const caps = { perPayment: ctx.config.limitPerPayment, daily: ctx.config.limitDaily };
    const view = await walletView(ctx.db, msisdn, caps, businessDay());
    if (!view) throw noWallet();
    res.json({
      msisdn: nationalMsisdn(view.msisdn),
      status: view.status,
      balance: fenToJson(view.balance),
      available: fenToJson(view.available),
      held: fenToJson(view.held),
      currency: 'CNY',
      limits: {
        perPayment: fenToJson(view.limits.perPayment),
        daily: fenToJson(view.limits.daily),
        spentToday: money(view.limits.spentToday),
      },
      frozenUntil: view.frozenUntil?.toISOString() ?? null,
      createdAt: view.createdAt.toISOString(),
    });
  });

  router.get('/api/accounts/:msisdn/transactions', async (req, res) => {
    const { msisdn } = validate(msisdnParam, req.params);
    const query = validate(transactionsQuery, req.query);
    const limit = query.limit ?? 20;
    if (!(await userExists(ctx.db, msisdn))) throw noWallet();
    // One more than asked tells whether another page exists, so `next` is never a link to nothing.
    const lines = await statement(ctx.db, msisdn, limit + 1, query.before);
    const page = lines.slice(0, limit);
    res.json({
      transactions: page.map((line) => ({
        id: line.transferId.toString(),
        kind: line.kind,
        amount: money(line.amount),
        balanceAfter: money(line.balanceAfter),
        counterparty: line.counterparty,
        counterpartyKind: line.counterpartyKind,
        reference: line.reference,
        at: new Date(line.at).toISOString(),
      })),
      next: lines.length > limit ? page[page.length - 1].transferId.toString() : null,
    });
  });

  router.post('/api/merchants', async (req, res) => {
    const body = validate(merchantBody, req.body);
    const entry = {
      action: 'merchant.create',
      target: body.code,
      detail: { name: body.name, callbackUrl: body.callbackUrl ?? null, feeBps: body.feeBps ?? null },
    };
    const merchant = await auditedTransaction(ctx.db, res, entry, async (trx) => {
      const created = await createMerchant(trx, keyringOf(ctx.config), body);
      return { value: created, outcome: created ? 'ok' : 'merchant_exists' };
    });
    if (!merchant) throw conflict('merchant_exists', `a merchant with code ${body.code} exists`);
    // The keys and the callback secret are shown this once: only their keyed hashes (and the sealed
    // secret) are kept.
    res.status(201).json({
      code: merchant.code,
      name: merchant.name,
      apiKey: merchant.apiKey,
      reviewerKey: merchant.reviewerKey,
      callbackSecret: merchant.callbackSecret,
      callbackUrl: merchant.callbackUrl,
      feeBps: merchant.feeBps,
      createdAt: new Date(merchant.createdAt).toISOString(),
    });
  });

  router.post('/api/vouchers', async (req, res) => {
    const body = validate(voucherBody, req.body);
    const entry = { action: 'vouchers.issue', detail: { count: body.count, amount: body.amount } };
    // The serials are drawn as the cards are issued: the row names them when it gets its outcome.
    const cards = await auditedTransaction(ctx.db, res, entry, async (trx) => {
      const issued = await issueVouchers(trx, keyringOf(ctx.config), body.count, BigInt(body.amount));
      const target = issued.length ? `${issued[0].serial}..${issued[issued.length - 1].serial}` : null;
      return { value: issued, outcome: 'ok', target };
    });
    res.status(201).json(cards.map((c) => ({ serial: c.serial, pin: c.pin, amount: fenToJson(c.amount) })));
  });

  /**
   * Idempotent on `reference` (the command key is `topup:<reference>`): the same reference with the
   * same content answers 201 with the first result again and credits nothing more; with other content,
   * 409 `idempotency_conflict`. Past the deadline, 202 `pending`: the top-up still runs exactly once, and
   * repeating the request later returns its result.
   */
  router.post('/api/topups', async (req, res) => {
    const body = validate(topupBody, req.body);
    const result = await runAudited(
      res,
      {
        key: `topup:${body.reference}`,
        type: 'topup.counter',
        input: { msisdn: body.msisdn, amount: String(body.amount), reference: body.reference },
      },
      { action: 'topup', target: body.msisdn, detail: { amount: body.amount, reference: body.reference } },
    );
    const echo = { msisdn: nationalMsisdn(body.msisdn), amount: body.amount, reference: body.reference };
    if (result.ok) {
      res.status(201).json({
        transferId: String(result.value.transferId),
        ...echo,
        balance: money(result.value.balance),
      });
      return;
    }
    if (result.error.code === 'pending') {
      res
        .status(202)
        .json({ status: 'pending', ...echo, message: 'accepted; repeat the request to learn the result' });
      return;
    }
    throw refusalError(result.error);
  });

  /** Lifts a wallet's PIN and card top-up locks; the owner is told by SMS. 409 `not_locked` when none is set. */
  router.post('/api/accounts/:msisdn/unlock-pin', async (req, res) => {
    const { msisdn: who } = validate(msisdnParam, req.params);
    const { reason } = validate(reasonBody, req.body ?? {});
    const done = await runRecorded(
      res,
      { type: 'pin.unlock', input: { msisdn: who, reason } },
      { action: 'account.unlock-pin', target: who, reason },
    );
    if (!done) return void stillRunning(res, who);
    res.json({ msisdn: nationalMsisdn(who), status: 'unlocked' });
  });

  /** Freezes a wallet on a complaint (冻结); with `days`, the scheduler lifts it then. The owner is told by SMS. */
  router.post('/api/accounts/:msisdn/freeze', async (req, res) => {
    const { msisdn: who } = validate(msisdnParam, req.params);
    const { reason, days } = validate(freezeBody, req.body ?? {});
    const value = await runRecorded(
      res,
      { type: 'account.freeze', input: { msisdn: who, days } },
      { action: 'account.freeze', target: who, reason, detail: { days: days ?? null } },
    );
    if (!value) return void stillRunning(res, who);
    res.json({ msisdn: nationalMsisdn(who), status: 'frozen', frozenUntil: value.frozenUntil });
  });

  /** Unfreezes a wallet (解冻); 409 `not_frozen` when it is not frozen. */
  router.post('/api/accounts/:msisdn/unfreeze', async (req, res) => {
    const { msisdn: who } = validate(msisdnParam, req.params);
    const { reason } = validate(reasonBody, req.body ?? {});
    const done = await runRecorded(
      res,
      { type: 'account.unfreeze', input: { msisdn: who } },
      { action: 'account.unfreeze', target: who, reason },
    );
    if (!done) return void stillRunning(res, who);
    res.json({ msisdn: nationalMsisdn(who), status: 'active' });
  });

  /**
   * A number's SMS, newest first, secrets masked: MO texts as kept once answered (PINs masked; one not
   * yet answered is still sealed and shows no text), MT texts except the sensitive ones (initial
   * passwords), which show none.
   */
  router.get('/api/accounts/:msisdn/sms', async (req, res) => {
    const { msisdn: who } = validate(msisdnParam, req.params);
    const { limit } = validate(smsQuery, req.query);
    const lines = await smsHistory(ctx.db, who, limit ?? 50);
    res.json({
      msisdn: nationalMsisdn(who),
      sms: lines.map((l) => ({
        direction: l.direction,
        id: l.id,
        text: l.text,
        status: l.status,
        masked: l.text === null,
        at: new Date(l.at).toISOString(),
      })),
    });
  });

  /** The audit log, newest first, filtered by operator, action, target and China-time days (`to` included). */
  router.get('/api/audit', async (req, res) => {
    const q = validate(auditQuery, req.query);
    const limit = q.limit ?? 100;
    const rows = await auditLog(ctx.db, {
      operator: q.operator,
      action: q.action,
      target: q.target,
      from: q.from ? businessDayRange(q.from).from : undefined,
      to: q.to ? businessDayRange(q.to).to : undefined,
      before: q.before,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    res.json({
      entries: page.map((r) => ({ ...r, at: new Date(r.at).toISOString() })),
      next: rows.length > limit ? page[page.length - 1].id : null,
    });
  });

  /** 业务统计: a China-time business day's new wallets, active users, and transfers by kind and channel. */
  router.get('/api/stats', async (req, res) => {
    const { date } = validate(statsQuery, req.query);
    const stats = await dayStats(ctx.db, date ?? businessDay());
    res.json({
      date: stats.day,
      newWallets: stats.newWallets,
      activeUsers: stats.activeUsers,
      transfers: stats.transfers.map((t) => ({ ...t, amount: fenToJson(t.amount) })),
    });
  });

  router.get('/api/ledger/check', async (_req, res) => {
    const check = await checkLedger(ctx.db);
    res.json({ ...check, total: money(check.total) });
  });

  return router;
}
