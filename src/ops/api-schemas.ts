/** Body fields the operator and merchant APIs share: amounts of fen, MSISDNs, references, business days. */
import { z } from 'zod';
import { businessDay, normalizeMsisdn } from '../lib/index.js';

/** A JSON integer of fen, positive, at most `max`: a float, a string or an unsafe integer is refused. */
export const fen = (max: number = Number.MAX_SAFE_INTEGER) =>
  z
    .number({ error: 'an amount is a JSON integer of fen' })
    .int({ error: 'an amount is a whole number of fen (1250 is ¥12.50)' })
    .positive({ error: 'an amount must be positive' })
    .max(max, { error: `an amount is at most ${max} fen` });

/** A mainland mobile number in any accepted form, to its canonical form. */
export const msisdn = z
  .string({ error: 'an MSISDN is a string' })
  .max(32)
  .refine((s) => normalizeMsisdn(s) !== null, { error: 'not a mainland China mobile number' })
  .transform((s) => normalizeMsisdn(s)!);

/** A caller's reference (what idempotency keys on). */
export const reference = z
  .string({ error: 'reference is a string' })
  .min(1, { error: 'reference must not be empty' })
  .max(64, { error: 'reference is at most 64 characters' })
  .regex(/^[^\p{Cc}]+$/u, { error: 'reference must not contain control characters' });

/** A business day, `YYYY-MM-DD`, that exists on the calendar. */
export const day = z
  .string({ error: 'date is YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'date is YYYY-MM-DD' })
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && businessDay(new Date(`${s}T00:00:00+08:00`)) === s, {
    error: 'date is not a calendar day',
  });

/** A ledger id in a path (`/api/payments/:id`). */
export const idParam = z.object({
  id: z
    .string()
    .regex(/^[1-9]\d{0,17}$/, { error: 'not an id' })
    .transform((s) => BigInt(s)),
});
