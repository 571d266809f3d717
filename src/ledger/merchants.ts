/** Merchants (SPs): an account of their own and an API key, of which only a SHA-256 is stored. */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../lib/index.js';
import { merchantCode } from './codes.js';

export interface Merchant {
  code: string;
  name: string;
  createdAt: Date;
}

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** Creates a merchant and returns it with its API key, shown this once. Null if the code is taken. */
export async function createMerchant(
  db: Db,
  code: string,
  name: string,
): Promise<(Merchant & { apiKey: string }) | null> {
  const apiKey = `mk_${randomBytes(24).toString('base64url')}`;
  return db.transaction(async (trx) => {
    const [account] = await trx('accounts')
      .insert({ kind: 'merchant', code: merchantCode(code) })
      .onConflict('code')
      .ignore()
      .returning('id');
    if (!account) return null;
    const [row] = await trx('merchants')
      .insert({ code, name, account_id: account.id, api_key_hash: hashApiKey(apiKey) })
      .returning(['code', 'name', 'created_at']);
    return { code: row.code, name: row.name, createdAt: row.created_at, apiKey };
  });
}

/** The merchant an API key belongs to, if any. */
export async function merchantByApiKey(db: Db, apiKey: string): Promise<Merchant | null> {
  const row = await db('merchants')
    .where({ api_key_hash: hashApiKey(apiKey) })
    .first('code', 'name', 'created_at');
  return row ? { code: row.code, name: row.name, createdAt: row.created_at } : null;
}
