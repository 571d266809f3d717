/**
 * Who calls the merchant API (INTERFACES §8): the operator (`OPS_TOKEN`) or a merchant by one of its
 * keys, both as `Authorization: Bearer`. A key that is unknown, rotated out past its grace period or
 * missing is 401; a key of the wrong role (the reviewer's key placing a payment, the API key approving
 * a refund), the operator on a merchant-only call, or a merchant reaching for another merchant's
 * payment or refund is 403.
 */
import type { Request } from 'express';
import { type KeyRole, type MerchantKeyHolder, merchantByKey } from '../ledger/index.js';
import { AppError, type Db, type Keyring, unauthorized } from '../lib/index.js';
import { credentialOf, tokenMatches } from './auth.js';

export type Caller = { kind: 'operator' } | { kind: 'merchant'; merchant: MerchantKeyHolder };

export const forbidden = (message: string) => new AppError('forbidden', message, 403);

/** The caller of a request, or 401. */
export async function callerOf(req: Request, db: Db, keys: Keyring, opsToken: string): Promise<Caller> {
  const offered = credentialOf(req.get('authorization'), false);
  if (offered === null) throw unauthorized();
  if (tokenMatches(offered, opsToken)) return { kind: 'operator' };
  const merchant = await merchantByKey(db, keys, offered);
  if (!merchant) throw unauthorized();
  return { kind: 'merchant', merchant };
}

/** The merchant behind a call that only a merchant's key of `role` may make, or 403. */
export function requireRole(caller: Caller, role: KeyRole): MerchantKeyHolder {
  if (caller.kind !== 'merchant') throw forbidden('this call is made with a merchant key');
  if (caller.merchant.role !== role)
    throw forbidden(
      role === 'reviewer'
        ? "only the merchant's reviewer key approves or rejects refunds"
        : "this call is made with the merchant's API key",
    );
  return caller.merchant;
}

/** Whether the caller may see what belongs to merchant `code`: its own keys, or the operator. */
export function ensureOwner(caller: Caller, code: string, what: string): void {
  if (caller.kind === 'merchant' && caller.merchant.code !== code)
    throw forbidden(`this ${what} belongs to another merchant`);
}
