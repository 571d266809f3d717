/**
 * The outbox as its relay sees it: rows not yet relayed, claimed with SKIP LOCKED so that several relays
 * share the work, and marked relayed in the same transaction once their MTs are stored and queued.
 * (Rows are written with the change they report: `writeOutbox` in book-store.ts.)
 */
import type { Db, Trx } from '../lib/index.js';

/** An outbox row waiting to be relayed. */
export interface WaitingNotice {
  id: bigint;
  msisdn: string;
  /** The words, on rows written before notices (sealed when `sensitive`, or in clear from before that). */
  text: string | null;
  /** A `NoticeKey` (ledger/notices.ts), on rows written since. */
  text_key: string | null;
  /** `encodeParams`: JSON, sealed when `sensitive`. */
  params: string | null;
  locale: string | null;
  reason: string;
  sensitive: boolean;
}

/** Whether any notice waits to be relayed: one read of the partial index, no lock, no transaction. */
export async function anyWaitingNotices(db: Db): Promise<boolean> {
  const { rows } = await db.raw('SELECT EXISTS (SELECT 1 FROM outbox WHERE relayed_at IS NULL) AS waiting');
  return rows[0].waiting === true;
}

/** Locks up to `limit` rows not yet relayed, oldest first, skipping those another relay holds. */
export async function claimWaitingNotices(trx: Trx, limit: number): Promise<WaitingNotice[]> {
  const { rows } = await trx.raw(
    `SELECT id, msisdn, text, text_key, params, locale, reason, sensitive FROM outbox
      WHERE relayed_at IS NULL ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows;
}

/** Marks rows relayed; a sensitive one keeps `placeholder` instead of its text, and no parameters. */
export async function markRelayed(trx: Trx, ids: readonly bigint[], placeholder: string): Promise<void> {
  if (!ids.length) return;
  await trx.raw(
    `UPDATE outbox SET relayed_at = now(),
            text = CASE WHEN sensitive THEN ? ELSE text END,
            params = CASE WHEN sensitive THEN NULL ELSE params END
      WHERE id IN (SELECT unnest(?::bigint[]))`,
    [placeholder, `{${ids.join(',')}}`],
  );
}
