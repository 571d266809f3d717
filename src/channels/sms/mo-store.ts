/**
 * The MO record (`sms_mo`). An MO is stored here before the SMSC gets its `deliver_sm_resp`: PostgreSQL
 * is what makes it durable (Redis keeps nothing on disk on our machines), BullMQ only wakes a worker.
 * An exact copy of the sender's latest message (or of a part already in) within DUPLICATE_WINDOW is the
 * SMSC resending after it lost our response: it is acknowledged again but stored once. Concatenated parts are one row each until every
 * part is in (or the wait for the missing ones is over), then read back as one text.
 */
import { createHash } from 'node:crypto';
import { type Db, pgArray } from '../../lib/db.js';
import { normalizeMsisdn } from '../../lib/msisdn.js';

/** How long an identical resend is recognised. SMSCs resend after their response timeout (30-60 s). */
export const DUPLICATE_WINDOW_SECONDS = 120;
/** How long the first parts of a concatenated message wait for the rest. */
export const CONCAT_WAIT_SECONDS = 60;

export interface Concat {
  ref: number;
  total: number;
  seq: number;
}

/** An MO as the SMPP link hands it over: decoded text, concatenation header if any. */
export interface InboundMo {
  source: string;
  destination: string;
  dataCoding: number;
  text: string;
  udh: Concat | null;
  /** The bind connection it came on (InboundPdu.session). */
  session?: string;
}

export interface StoredMo {
  id: string;
  msisdn: string;
  text: string;
  concat: Concat | null;
  status: string;
}

function fingerprintOf(mo: InboundMo): string {
  const udh = mo.udh ? `${mo.udh.ref}/${mo.udh.total}/${mo.udh.seq}` : '';
  return createHash('sha256')
    .update(`${mo.source}\u0000${mo.destination}\u0000${mo.dataCoding}\u0000${udh}\u0000${mo.text}`)
    .digest('base64url');
}

export interface StoreOutcome {
  duplicate: boolean;
  /** The stored row, or null for a duplicate. */
  stored: StoredMo | null;
}

/**
 * Stores MOs, each unless it is a resend of one stored within the duplicate window: one statement for
 * the lot (the channel gathers the MOs that arrive while the previous statement runs). `liveSessions`
 * are the bind connections still up: an SMSC that got our response does not resend, and it can only have
 * missed it when the connection that carried the first copy went down.
 */
export async function storeMos(
  db: Db,
  mos: readonly InboundMo[],
  liveSessions: readonly string[] = [],
): Promise<StoreOutcome[]> {
  const rows = mos.map((mo) => ({
    mo,
    msisdn: normalizeMsisdn(mo.source) ?? mo.source,
    fingerprint: fingerprintOf(mo),
  }));
  // A part is a resend if that very part came already; two copies in one batch are the same case.
  const seenParts = new Set<string>();
  const fresh = rows.map((r) => {
    if (!r.mo.udh) return true;
    const key = `${r.msisdn}\u0000${r.fingerprint}`;
    if (seenParts.has(key)) return false;
    seenParts.add(key);
    return true;
  });
  const batch = rows.filter((_, i) => fresh[i]);
  const col = (pick: (r: (typeof rows)[number]) => string | number | null) => pgArray(batch.map(pick));
  const window = `now() - interval '${DUPLICATE_WINDOW_SECONDS} seconds'`;
  // The resend check and the insert in one statement. A whole message is a resend only if it is the
  // sender's latest (`XH`, `QX`, `XH` is a person changing their mind) and came on a connection that has
  // gone since (`YE` again on a live bind is a person asking again).
  const { rows: inserted } = batch.length
    ? await db.raw(
        `INSERT INTO sms_mo (msisdn, destination, text, data_coding, concat_ref, concat_total, concat_seq, fingerprint, link_session)
         SELECT m.msisdn, m.destination, m.text, m.data_coding, m.concat_ref, m.concat_total, m.concat_seq, m.fingerprint, m.link_session
           FROM unnest(?::text[], ?::text[], ?::text[], ?::smallint[], ?::int[], ?::smallint[], ?::smallint[], ?::text[], ?::text[])
                WITH ORDINALITY AS m(msisdn, destination, text, data_coding, concat_ref, concat_total, concat_seq, fingerprint, link_session, n)
          WHERE NOT EXISTS (
                  SELECT 1 FROM sms_mo s
                   WHERE m.concat_ref IS NOT NULL AND s.msisdn = m.msisdn AND s.fingerprint = m.fingerprint
                     AND s.received_at > ${window})
            AND NOT EXISTS (
                  SELECT 1 FROM (SELECT s.fingerprint, s.link_session FROM sms_mo s
                                  WHERE m.concat_ref IS NULL AND s.msisdn = m.msisdn AND s.concat_ref IS NULL
                                    AND s.received_at > ${window}
                                  ORDER BY s.id DESC LIMIT 1) latest
                   WHERE latest.fingerprint = m.fingerprint
                     AND latest.link_session IS DISTINCT FROM m.link_session
                     AND NOT (coalesce(latest.link_session, '') = ANY(?::text[])))
          ORDER BY m.n
         RETURNING id, msisdn, fingerprint`,
        [
          col((r) => r.msisdn),
          col((r) => r.mo.destination),
          col((r) => r.mo.text),
          col((r) => r.mo.dataCoding),
          col((r) => r.mo.udh?.ref ?? null),
          col((r) => r.mo.udh?.total ?? null),
          col((r) => r.mo.udh?.seq ?? null),
          col((r) => r.fingerprint),
          col((r) => r.mo.session ?? null),
          pgArray(liveSessions),
        ],
      )
    : { rows: [] };
  // RETURNING names rows by content: identical MOs of one batch share a key and take its ids in order.
  const ids = new Map<string, string[]>();
  for (const row of inserted as { id: bigint; msisdn: string; fingerprint: string }[]) {
    const key = `${row.msisdn}\u0000${row.fingerprint}`;
    ids.set(key, [...(ids.get(key) ?? []), String(row.id)]);
  }
  for (const list of ids.values()) list.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  return rows.map((r, i) => {
    const id = fresh[i] ? ids.get(`${r.msisdn}\u0000${r.fingerprint}`)?.shift() : undefined;
    if (id === undefined) return { duplicate: true, stored: null };
    const { mo } = r;
    return {
      duplicate: false,
      stored: {
        id,
        msisdn: r.msisdn,
        text: mo.text,
        status: 'received',
        concat: mo.udh ? { ...mo.udh } : null,
      },
    };
  });
}

/** Stores one MO (see `storeMos`). */
export async function storeMo(
  db: Db,
  mo: InboundMo,
  liveSessions: readonly string[] = [],
): Promise<StoreOutcome> {
  const [outcome] = await storeMos(db, [mo], liveSessions);
  return outcome;
}

export async function loadMo(db: Db, id: string): Promise<StoredMo | null> {
  const row = await db('sms_mo').where({ id }).first();
  return row ? toStored(row) : null;
}

/** The parts received so far of the message `mo` is a part of, oldest first; unprocessed only. */
export async function siblingParts(db: Db, mo: StoredMo): Promise<StoredMo[]> {
  if (!mo.concat) return [mo];
  const rows = await db('sms_mo')
    .where({
      msisdn: mo.msisdn,
      concat_ref: mo.concat.ref,
      concat_total: mo.concat.total,
      status: 'received',
    })
    .andWhere('received_at', '>', db.raw(`now() - interval '${CONCAT_WAIT_SECONDS * 10} seconds'`))
    .orderBy('id');
  return rows.map(toStored);
}

/** The parts' texts in sequence order (a part received twice counts once); and whether none is missing. */
export function assemble(parts: readonly StoredMo[]): { text: string; complete: boolean } {
  if (parts.length === 1 && !parts[0].concat) return { text: parts[0].text, complete: true };
  const bySeq = new Map<number, string>();
  for (const p of parts) if (p.concat && !bySeq.has(p.concat.seq)) bySeq.set(p.concat.seq, p.text);
  const total = parts[0]?.concat?.total ?? 1;
  const seqs = [...bySeq.keys()].sort((a, b) => a - b);
  return { text: seqs.map((s) => bySeq.get(s)).join(''), complete: bySeq.size >= total };
}

export async function markProcessed(db: Db, ids: readonly string[]): Promise<void> {
  await db('sms_mo').whereIn('id', ids).update({ status: 'processed', processed_at: db.fn.now() });
}

/** MOs left unprocessed: whole ones older than `staleSeconds` (their job was lost) and parts past the wait. */
export async function leftBehind(db: Db, staleSeconds: number): Promise<{ id: string; force: boolean }[]> {
  const rows = await db('sms_mo')
    .where({ status: 'received' })
    .andWhere((q) =>
      q
        .where((w) =>
          w
            .whereNull('concat_ref')
            .andWhere('received_at', '<', db.raw(`now() - interval '${staleSeconds} seconds'`)),
        )
        .orWhere((w) =>
          w
            .whereNotNull('concat_ref')
            .andWhere('received_at', '<', db.raw(`now() - interval '${CONCAT_WAIT_SECONDS} seconds'`)),
        ),
    )
    .orderBy('id')
    .limit(500)
    .select('id', 'concat_ref');
  return rows.map((r) => ({ id: String(r.id), force: r.concat_ref !== null }));
}

function toStored(row: {
  id: bigint | string;
  msisdn: string;
  text: string;
  concat_ref: number | null;
  concat_total: number | null;
  concat_seq: number | null;
  status: string;
}): StoredMo {
  return {
    id: String(row.id),
    msisdn: row.msisdn,
    text: row.text,
    status: row.status,
    concat:
      row.concat_ref === null
        ? null
        : { ref: row.concat_ref, total: Number(row.concat_total), seq: Number(row.concat_seq) },
  };
}
