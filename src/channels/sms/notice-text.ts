/**
 * Words an outbox row: the ledger writes what to tell (a text key, its parameters, the locale), the SMS
 * channel says it with flows/texts as it relays the row. Rows written before that carry their words.
 */
import { refusalText, text } from '../../../flows/texts/index.js';
import { type Keyring, localeOr } from '../../lib/index.js';
import { decodeParams, isNotifyKey, REFUSED, type WaitingNotice } from '../../ledger/index.js';

/** The columns of an `outbox` row that say what it tells. */
export type OutboxWords = Pick<WaitingNotice, 'text' | 'text_key' | 'params' | 'locale'>;

/**
 * The row's words, in clear: the stored text (unsealed), or the notice worded in its locale. Throws for a
 * key this version has no text for (written by a newer one).
 */
export function noticeText(row: OutboxWords, keyring: Keyring): string {
  if (row.text !== null) return keyring.isSealed(row.text) ? keyring.unseal(row.text) : row.text;
  const key = row.text_key ?? '';
  const params = decodeParams(row.params ?? '{}', keyring);
  const locale = row.locale ?? 'zh-CN';
  if (key === REFUSED) return refusalText(localeOr(locale), refusalOf(params));
  // Compiles only while every notice the ledger may write has a text in flows/texts.
  if (isNotifyKey(key)) return text(locale, key, params);
  throw new Error(`outbox: no text for the notice key ${JSON.stringify(key)}`);
}

function refusalOf(params: Record<string, unknown>): { code: string; message: string } {
  return { code: String(params.code ?? ''), message: String(params.message ?? '') };
}
