/**
 * Merchants (SPs): an account of their own, two keys and a callback secret (INTERFACES §8).
 * - The API key and the reviewer's key are shown once and stored as keyed HMACs under a subkey of
 *   PIN_KEY (`Keyring.merchantKeyValues`), as PINs are: a leaked table holds no usable key. Keys made
 *   before were stored as plain SHA-256 (`sha256$<hex>`) and still match.
 * - A rotated key keeps working for a grace period (`expires_at`), then answers 401.
 * - The callback secret must be usable to sign, so it cannot be hashed: it is stored sealed
 *   (AES-256-GCM under the keyring's seal subkey) and opened only to sign a callback.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db, Keyring, Trx } from '../lib/index.js';
import { merchantCode } from './codes.js';

export interface Merchant {
  code: string;
  name: string;
  callbackUrl: string | null;
  feeBps: number;
  createdAt: Date;
}

/** What a merchant's key may do: `api` places requests, refunds, reversals, payouts; `reviewer` reviews refunds. */
export type KeyRole = 'api' | 'reviewer';

/** The merchant a presented key belongs to, with the key's role and id (refunds remember who asked). */
export interface MerchantKeyHolder {
  code: string;
  name: string;
  role: KeyRole;
  keyId: string;
}

export interface NewMerchant extends Merchant {
  apiKey: string;
  reviewerKey: string;
  callbackSecret: string;
}

const newKey = (role: KeyRole) => `${role === 'api' ? 'mk' : 'rk'}_${randomBytes(24).toString('base64url')}`;
const legacyValue = (key: string) => `sha256$${createHash('sha256').update(key).digest('hex')}`;

const MERCHANT_COLUMNS = ['code', 'name', 'callback_url', 'fee_bps', 'created_at'];
const merchantOf = (row: Record<string, never>): Merchant => ({
  code: row.code,
  name: row.name,
  callbackUrl: row.callback_url,
  feeBps: row.fee_bps,
  createdAt: row.created_at,
});

/**
 * Creates a merchant and returns it with its keys and callback secret, shown this once. Null if the code
 * is taken. Given a transaction (an operator's action with its audit row), it runs inside it.
 */
export async function createMerchant(
  db: Db | Trx,
  keys: Keyring,
  spec: { code: string; name: string; callbackUrl?: string | null; feeBps?: number },
): Promise<NewMerchant | null> {
  const apiKey = newKey('api');
  const reviewerKey = newKey('reviewer');
  const callbackSecret = `whsec_${randomBytes(32).toString('base64url')}`;
  return db.transaction(async (trx) => {
    const [account] = await trx('accounts')
      .insert({ kind: 'merchant', code: merchantCode(spec.code) })
      .onConflict('code')
      .ignore()
      .returning('id');
    if (!account) return null;
    const [row] = await trx('merchants')
      .insert({
        code: spec.code,
        name: spec.name,
        account_id: account.id,
        callback_url: spec.callbackUrl ?? null,
        callback_secret: keys.seal(callbackSecret),
        fee_bps: spec.feeBps ?? 0,
      })
      .returning(MERCHANT_COLUMNS);
    await trx('merchant_keys').insert([
      { merchant_code: spec.code, role: 'api', key_hash: keys.merchantKeyValues(apiKey)[0] },
      { merchant_code: spec.code, role: 'reviewer', key_hash: keys.merchantKeyValues(reviewerKey)[0] },
    ]);
    return { ...merchantOf(row), apiKey, reviewerKey, callbackSecret };
  });
}

/** The merchant a key belongs to, if the key is current or within its grace period at `now`. */
export async function merchantByKey(
  db: Db,
  keys: Keyring,
  key: string,
  now: Date = new Date(),
): Promise<MerchantKeyHolder | null> {
  const row = await db('merchant_keys as k')
    .join('merchants as m', 'm.code', 'k.merchant_code')
    .whereIn('k.key_hash', [...keys.merchantKeyValues(key), legacyValue(key)])
    .where((q) => q.whereNull('k.expires_at').orWhere('k.expires_at', '>', now))
    .first('m.code', 'm.name', 'k.role', 'k.id');
  return row ? { code: row.code, name: row.name, role: row.role, keyId: String(row.id) } : null;
}

/**
 * Gives the merchant a new key of `role`; its current keys of that role keep working until
 * `now + graceMs`. Returns the new key (shown once) and when the old ones stop, or null for no merchant.
 * Given a transaction, it runs inside it.
 */
export async function rotateMerchantKey(
  db: Db | Trx,
  keys: Keyring,
  code: string,
  role: KeyRole,
  graceMs: number,
  now: Date = new Date(),
): Promise<{ key: string; previousValidUntil: Date } | null> {
  const key = newKey(role);
  const until = new Date(now.getTime() + graceMs);
  return db.transaction(async (trx) => {
    const merchant = await trx('merchants').where({ code }).forUpdate().first('code');
    if (!merchant) return null;
    // A key already on its way out keeps the earlier of its end and the new one.
    await trx('merchant_keys')
      .where({ merchant_code: code, role })
      .where((q) => q.whereNull('expires_at').orWhere('expires_at', '>', until))
      .update({ expires_at: until });
    await trx('merchant_keys').insert({ merchant_code: code, role, key_hash: keys.merchantKeyValues(key)[0] });
    return { key, previousValidUntil: until };
  });
}

/** A merchant by code. */
export async function merchantByCode(db: Db | Trx, code: string): Promise<Merchant | null> {
  const row = await db('merchants').where({ code }).first(MERCHANT_COLUMNS);
  return row ? merchantOf(row) : null;
}

/** Where a merchant's callbacks go and the sealed secret they are signed with. */
export async function callbackTarget(
  db: Db,
  code: string,
): Promise<{ url: string | null; sealedSecret: string | null } | null> {
  const row = await db('merchants').where({ code }).first('callback_url', 'callback_secret');
  return row ? { url: row.callback_url, sealedSecret: row.callback_secret } : null;
}
