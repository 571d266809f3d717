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

/**
 * Stores an MO unless it is a resend of one stored within the duplicate window. Returns its row id, and
 * whether it was a duplicate (then the id is the first copy's). `sessionAlive` says whether a bind
 * connection is still up: an SMSC that got our response does not resend, and it can only have missed it
 * when the connection that carried the first copy went down.
 */
export async function storeMo(
  db: Db,
  mo: InboundMo,
  liveSessions: readonly string[] = [],
): Promise<{ id: string; duplicate: boolean; stored: StoredMo | null }> {
  const fingerprint = fingerprintOf(mo);
  const msisdn = normalizeMsisdn(mo.source) ?? mo.source;
  const window = `now() - interval '${DUPLICATE_WINDOW_SECONDS} seconds'`;
  // One statement: the resend check and the insert. A part is a resend if that very part came already.
  // A whole message only if it is the sender's latest (`XH`, `QX`, `XH` is a person changing their
  // mind) and came on a connection that has gone since (`YE` again on a live bind is a person asking
  // again): an SMSC that got our response does not resend.
  const resend = mo.udh
    ? `SELECT id FROM sms_mo WHERE msisdn = :msisdn AND fingerprint = :fingerprint AND received_at > ${window}`
    : `SELECT id FROM (SELECT id, fingerprint, link_session FROM sms_mo
         WHERE msisdn = :msisdn AND concat_ref IS NULL AND received_at > ${window}
         ORDER BY id DESC LIMIT 1) latest
       WHERE fingerprint = :fingerprint AND link_session IS DISTINCT FROM :session
         AND NOT (coalesce(link_session, '') = ANY(CAST(:live AS text[])))`;
  const { rows } = await db.raw(
    `INSERT INTO sms_mo (msisdn, destination, text, data_coding, concat_ref, concat_total, concat_seq, fingerprint, link_session)
     SELECT :msisdn, :destination, :text, :dataCoding, :ref, :total, :seq, :fingerprint, :session
      WHERE NOT EXISTS (${resend})
     RETURNING id`,
    {
      msisdn,
      destination: mo.destination,
      text: mo.text,
      dataCoding: mo.dataCoding,
      ref: mo.udh?.ref ?? null,
      total: mo.udh?.total ?? null,
      seq: mo.udh?.seq ?? null,
      fingerprint,
      session: mo.session ?? null,
      live: pgArray(liveSessions),
    },
  );
  if (rows.length) {
    const id = String(rows[0].id);
    return {
      id,
      duplicate: false,
      stored: { id, msisdn, text: mo.text, status: 'received', concat: mo.udh ? { ...mo.udh } : null },
    };
  }
  const first = await db('sms_mo').where({ msisdn, fingerprint }).orderBy('id', 'desc').first('id');
  return { id: String(first?.id ?? ''), duplicate: true, stored: null };
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
