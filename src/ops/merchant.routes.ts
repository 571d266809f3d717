/**
 * The merchant API (INTERFACES §8): payment requests, refunds under review (退款审核), same-day
 * reversals, prize payouts (派奖), the daily settlements and the reconciliation CSV (对账), plus the
 * operator's key rotation and callback log. Money moves only through commands on the bus; every
 * merchant call is idempotent on its reference (the command key is made from the merchant and the
 * reference: the same content answers the first result again, other content 409).
 */
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { CommandResult } from '../commands/index.js';
import {
  callbackLog,
  merchantByCode,
  type PaymentRecord,
  paymentRecord,
  paymentStatus,
  refundRecord,
  refundsOf,
  rotateMerchantKey,
  settlementsOf,
} from '../ledger/index.js';
import { AppError, fenToJson, keyringOf, nationalMsisdn } from '../lib/index.js';
import { auditedTransaction } from './audit.js';
import { requestIdOf } from './operator-session.js';
import { refusalError, validate } from './api-errors.js';
import { day, fen, idParam, msisdn, reference } from './api-schemas.js';
import { type Caller, callerOf, ensureOwner, requireRole } from './merchant-auth.js';
import { sendReconciliation, walletMsisdn } from './reconciliation-csv.js';
import type { OpsDeps } from './ops-deps.js';

export interface MerchantRoutesOptions {
  opsToken: string;
  /** How long a call waits for its command before answering 202 (it still runs, once). Default 10000 ms. */
  commandTimeoutMs?: number;
}

const description = z.string({ error: 'description is a string' }).max(140).optional();
const reason = z.string({ error: 'a reason is required' }).trim().min(1).max(200);

const paymentBody = z.strictObject({ msisdn, amount: fen(), reference, description });
const refundBody = z.strictObject({ amount: fen().optional(), reason, reference });
const reverseBody = z.strictObject({ reason });
const dateQuery = z.object({ date: day });
const rotateBody = z.strictObject({
  key: z.enum(['apiKey', 'reviewerKey'], { error: 'key is apiKey or reviewerKey' }).default('apiKey'),
  graceSeconds: z
    .number({ error: 'graceSeconds is a whole number of seconds' })
    .int({ error: 'graceSeconds is a whole number of seconds' })
    .min(0)
    .max(30 * 24 * 3600)
    .optional(),
});
const codeParam = z.object({
  code: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, { error: 'not a merchant code' }),
});
const logQuery = z.object({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, { error: 'limit is a whole number from 1 to 200' })
    .transform(Number)
    .pipe(z.number().min(1).max(200))
    .optional(),
  before: z
    .string()
    .regex(/^[1-9]\d{0,17}$/, { error: 'before is a callback id' })
    .transform((s) => BigInt(s))
    .optional(),
  id: z
    .string()
    .regex(/^[1-9]\d{0,17}$/, { error: 'id is a payment, refund or payout id' })
    .optional(),
});

const noMerchant = (code: string) => new AppError('merchant_not_found', `no merchant has code ${code}`, 404);

export function merchantRoutes(
  ctx: Pick<OpsDeps, 'config' | 'db' | 'bus'>,
  options: MerchantRoutesOptions,
): Router {
  const router = Router();
  const keys = keyringOf(ctx.config);
  const timeoutMs = options.commandTimeoutMs ?? 10_000;
  const caller = (req: Request) => callerOf(req, ctx.db, keys, options.opsToken);

  /**
   * Runs a merchant's command (carrying the request's id to the worker's log): its result, or the
   * refusal as an error; `null` when it is still running.
   */
  async function run(
    command: Parameters<OpsDeps['bus']['execute']>[0],
    res: Response,
  ): Promise<Record<string, unknown> | null> {
    const requestId = requestIdOf(res);
    const result: CommandResult = await ctx.bus.execute(command, timeoutMs, { requestId });
    if (result.ok) return result.value;
    if (result.error.code === 'pending') return null;
    throw refusalError(result.error);
  }
  const stillRunning = { status: 'processing', message: 'accepted; repeat the request to learn the result' };

  /** The payment `id`, when the caller may see it. */
  async function ownPayment(c: Caller, id: bigint): Promise<PaymentRecord> {
    const payment = await paymentRecord(ctx.db, id);
    if (!payment) throw new AppError('not_a_payment', 'no payment has this id', 404);
    ensureOwner(c, payment.merchant_code, 'payment');
    return payment;
  }

  /**
   * A merchant's call with a body `{msisdn, amount, reference, description?}` that runs `type` under the
   * key `<prefix>:<merchant>:<reference>` and answers 201 with `answer` of its result.
   */
  function referencedCall(
    path: string,
    type: 'payment.request' | 'payout',
    prefix: string,
    answer: (value: Record<string, unknown>, body: z.output<typeof paymentBody>) => Record<string, unknown>,
  ): void {
    router.post(path, async (req, res) => {
      const merchant = requireRole(await caller(req), 'api');
      const body = validate(paymentBody, req.body);
      const value = await run(
        {
          key: `${prefix}:${merchant.code}:${body.reference}`,
          type,
          input: {
            merchant: merchant.code,
            msisdn: body.msisdn,
            amount: String(body.amount),
            reference: body.reference,
            description: body.description,
          },
        },
        res,
      );
      if (!value) res.status(202).json({ ...stillRunning, reference: body.reference });
      else res.status(201).json(answer(value, body));
    });
  }

  referencedCall('/api/payments', 'payment.request', 'payreq', (value, body) => ({
    id: String(value.holdId),
    status: value.status,
    expiresAt: value.expiresAt,
    reference: body.reference,
  }));

  router.get('/api/payments/:id', async (req, res) => {
    const c = await caller(req);
    const payment = await ownPayment(c, validate(idParam, req.params).id);
    const refunds = await refundsOf(ctx.db, payment.id);
    res.json({
      id: payment.id.toString(),
      merchant: payment.merchant_code,
      status: paymentStatus(payment, new Date()),
      amount: fenToJson(payment.amount),
      fee: fenToJson(payment.fee),
      refunded: fenToJson(payment.refunded),
      reference: payment.reference,
      description: payment.description,
      msisdn: walletMsisdn(payment.wallet_code),
      createdAt: payment.created_at.toISOString(),
      expiresAt: payment.expires_at?.toISOString() ?? null,
      paidAt: payment.posted_at?.toISOString() ?? null,
      refunds: refunds.map((r) => ({
        refundId: r.id.toString(),
        reference: r.reference,
        amount: fenToJson(r.amount),
        reason: r.reason,
        status: r.status,
        createdAt: r.created_at.toISOString(),
        decidedAt: r.decided_at?.toISOString() ?? null,
      })),
    });
  });

  router.post('/api/payments/:id/refund', async (req, res) => {
    const c = await caller(req);
    const merchant = requireRole(c, 'api');
    const payment = await ownPayment(c, validate(idParam, req.params).id);
    const body = validate(refundBody, req.body);
    const value = await run(
      {
        key: `refund-request:${merchant.code}:${body.reference}`,
        type: 'refund.request',
        input: {
          merchant: merchant.code,
          paymentId: payment.id.toString(),
          amount: body.amount === undefined ? undefined : String(body.amount),
          reason: body.reason,
          reference: body.reference,
          requestedBy: merchant.keyId,
        },
      },
      res,
    );
    if (!value) {
      res.status(202).json({ ...stillRunning, reference: body.reference });
      return;
    }
    res.status(202).json({
      refundId: String(value.refundId),
      status: value.status,
      paymentId: payment.id.toString(),
      amount: Number(value.amount),
      reference: body.reference,
    });
  });

  for (const decision of ['approve', 'reject'] as const) {
    router.post(`/api/refunds/:id/${decision}`, async (req, res) => {
      const c = await caller(req);
      const merchant = requireRole(c, 'reviewer');
      const refundId = validate(idParam, req.params).id;
      const refund = await refundRecord(ctx.db, refundId);
      if (!refund) throw new AppError('not_a_refund', 'no refund has this id', 404);
      ensureOwner(c, refund.merchant_code, 'refund');
      // One key per refund and decision: two approvals of one refund, raced or repeated, run once.
      const value = await run(
        {
          key: `refund-${decision}:${refundId}`,
          type: 'refund.review',
          input: {
            merchant: merchant.code,
            refundId: refundId.toString(),
            paymentId: refund.payment_id.toString(),
            decision,
            reviewer: merchant.keyId,
          },
        },
        res,
      );
      if (!value) {
        res.status(202).json({ ...stillRunning, refundId: refundId.toString() });
        return;
      }
      res.json({
        refundId: refundId.toString(),
        status: value.status,
        paymentId: refund.payment_id.toString(),
        amount: Number(value.amount),
        refunded: Number(value.refunded),
      });
    });
  }

  router.post('/api/payments/:id/reverse', async (req, res) => {
    const c = await caller(req);
    const merchant = requireRole(c, 'api');
    const payment = await ownPayment(c, validate(idParam, req.params).id);
    const body = validate(reverseBody, req.body ?? {});
    // The payment is the reference here: a payment is reversed once, whoever asks again.
    const value = await run(
      {
        key: `reverse:${merchant.code}:${payment.id}`,
        type: 'reverse',
        input: { merchant: merchant.code, paymentId: payment.id.toString(), reason: body.reason },
      },
      res,
    );
    if (!value) {
      res.status(202).json({ ...stillRunning, id: payment.id.toString() });
      return;
    }
    res.json({ id: payment.id.toString(), status: 'reversed', amount: Number(value.amount) });
  });

  referencedCall('/api/payouts', 'payout', 'payout', (value, body) => ({
    id: String(value.transferId),
    status: 'paid',
    reference: body.reference,
    amount: body.amount,
    msisdn: nationalMsisdn(body.msisdn),
  }));

  router.get('/api/settlements', async (req, res) => {
    const c = await caller(req);
    const { date } = validate(dateQuery, req.query);
    const rows = await settlementsOf(ctx.db, date, c.kind === 'merchant' ? c.merchant.code : undefined);
    res.json({
      date,
      settlements: rows.map((r) => ({
        merchant: r.merchant_code,
        date: r.day,
        net: fenToJson(r.net),
        transferId: r.transfer_id.toString(),
        at: r.posted_at.toISOString(),
      })),
    });
  });

  router.get('/api/reconciliation', async (req, res) => {
    const c = await caller(req);
    const { date } = validate(dateQuery, req.query);
    await sendReconciliation(res, ctx.db, date, c.kind === 'operator' ? undefined : c.merchant.code);
  });

  // Operator only (the operator router checks the token on /api/merchants first).
  router.post('/api/merchants/:code/keys/rotate', async (req, res) => {
    const { code } = validate(codeParam, req.params);
    const body = validate(rotateBody, req.body ?? {});
    const graceMs = (body.graceSeconds ?? ctx.config.merchantKeyGraceHours * 3600) * 1000;
    const role = body.key === 'apiKey' ? 'api' : 'reviewer';
    const entry = { action: 'merchant.rotate-key', target: code, detail: { key: body.key, graceMs } };
    const rotated = await auditedTransaction(ctx.db, res, entry, async (trx) => {
      const made = await rotateMerchantKey(trx, keys, code, role, graceMs);
      return { value: made, outcome: made ? 'ok' : 'merchant_not_found' };
    });
    if (!rotated) throw noMerchant(code);
    res.json({ code, [body.key]: rotated.key, previousValidUntil: rotated.previousValidUntil.toISOString() });
  });

  router.get('/api/merchants/:code/callbacks', async (req, res) => {
    const { code } = validate(codeParam, req.params);
    const query = validate(logQuery, req.query);
    if (!(await merchantByCode(ctx.db, code))) throw noMerchant(code);
    const rows = await callbackLog(ctx.db, code, {
      limit: query.limit ?? 50,
      before: query.before,
      objectId: query.id,
    });
    res.json({
      callbacks: rows.map((r) => ({
        id: r.id.toString(),
        event: r.event,
        objectId: r.object_id,
        body: JSON.parse(r.body),
        createdAt: r.created_at.toISOString(),
        attempts: r.attempts,
        lastStatus: r.last_status,
        lastError: r.last_error,
        lastAttemptAt: r.last_attempt_at?.toISOString() ?? null,
        deliveredAt: r.delivered_at?.toISOString() ?? null,
        gaveUpAt: r.gave_up_at?.toISOString() ?? null,
      })),
    });
  });

  return router;
}
