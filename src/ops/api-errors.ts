/**
 * How the JSON API turns input problems and command outcomes into `AppError`s (and so into statuses):
 * a body or parameter that does not validate is 400 `invalid`; a refusal keeps its code, with the status
 * that says what kind of refusal it is.
 */
import type { z } from 'zod';
import type { Refusal } from '../ledger/index.js';
import { AppError } from '../lib/index.js';

/** Refusals whose status is not the default 422 (a business rule said no). */
const refusalStatuses: Record<string, number> = {
  invalid: 400,
  not_a_user: 404,
  payee_not_found: 404,
  merchant_not_found: 404,
  not_a_payment: 404,
  not_a_refund: 404,
  // A refund is approved by the merchant's reviewer, never by the key that asked (退款审核).
  requester_cannot_review: 403,
  refund_not_pending: 409,
  day_not_over: 409,
  already_reversed: 409,
  idempotency_conflict: 409,
  not_locked: 409,
  not_frozen: 409,
  // A wallet has at most three payment requests waiting (INTERFACES §8).
  too_many_requests: 429,
  // The command did not finish: the bus gave up waiting on a job that failed (operators are alerted).
  failed: 503,
};

/** The HTTP status of a refusal code: 400, 404, 409, 429 or 503 where listed, else 422. */
export function refusalStatus(code: string): number {
  return refusalStatuses[code] ?? 422;
}

export function refusalError(refusal: Refusal): AppError {
  return new AppError(refusal.code, refusal.message, refusalStatus(refusal.code));
}

/** Parses `value` with `schema`, or throws 400 `invalid` naming each problem (`amount: ...; code: ...`). */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) =>
    i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message,
  );
  throw new AppError('invalid', problems.join('; '), 400);
}
