/**
 * The operator's door to the portal: `POST /api/merchants/:code/staff` `{username, role?, password?}`
 * (operator token) creates a merchant's staff member, usually its first admin, who then creates the
 * rest in the portal. Without a password one is generated and answered this once; only its scrypt hash
 * is kept. A username the merchant already has is 409.
 */
import { Router } from 'express';
import { z } from 'zod';
import { insertStaff, merchantByCode, STAFF_ROLES } from '../../ledger/index.js';
import { AppError, conflict, generatePassword, hashSecret } from '../../lib/index.js';
import { validate } from '../api-errors.js';
import { auditedTransaction } from '../audit.js';
import { requireOpsToken } from '../auth.js';
import type { OpsDeps } from '../ops-deps.js';
import { isStaffPassword, isStaffUsername } from './portal.routes.js';

const codeParam = z.object({
  code: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, { error: 'not a merchant code' }),
});
const staffBody = z.strictObject({
  username: z.string({ error: 'username is a string' }).refine(isStaffUsername, {
    error: 'username: 2 to 32 letters, digits, dot, dash or underscore',
  }),
  role: z.enum(STAFF_ROLES, { error: 'role is admin, cashier or reviewer' }).default('admin'),
  password: z
    .string({ error: 'password is a string' })
    .refine(isStaffPassword, { error: 'password: 8 to 64 characters' })
    .optional(),
});

export function staffRoutes(ctx: Pick<OpsDeps, 'db'>, opsToken: string): Router {
  const router = Router();
  router.post('/api/merchants/:code/staff', requireOpsToken(opsToken), async (req, res) => {
    const { code } = validate(codeParam, req.params);
    const body = validate(staffBody, req.body ?? {});
    // A generated first password is 8 characters of a 31-letter alphabet, the WAP's.
    const password = body.password ?? generatePassword();
    // Hashed before the transaction opens: scrypt is slow, and holds no row.
    const passwordHash = await hashSecret(password);
    // An operator action (the operator routes' guard on `/api/merchants` named the operator): its row
    // is written ahead, in the same transaction as the insert.
    const entry = {
      action: 'merchant.staff-create',
      target: `${code}/${body.username}`,
      detail: { role: body.role },
    };
    const created = await auditedTransaction(ctx.db, res, entry, async (trx) => {
      if (!(await merchantByCode(trx, code))) return { value: undefined, outcome: 'merchant_not_found' };
      const row = await insertStaff(trx, {
        merchant_code: code,
        username: body.username,
        role: body.role,
        password_hash: passwordHash,
      });
      return { value: row, outcome: row ? 'ok' : 'staff_exists' };
    });
    if (created === undefined) throw new AppError('merchant_not_found', `no merchant has code ${code}`, 404);
    if (!created)
      throw conflict('staff_exists', `merchant ${code} already has a staff member ${body.username}`);
    res.status(201).json({
      merchant: code,
      username: created.username,
      role: created.role,
      createdAt: created.created_at.toISOString(),
      ...(body.password ? {} : { password }),
    });
  });
  return router;
}
