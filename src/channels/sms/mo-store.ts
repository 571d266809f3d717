/**
 * The MO record (`sms_mo`). An MO is stored here before the SMSC gets its `deliver_sm_resp`: PostgreSQL
 * is what makes it durable (Redis keeps nothing on disk on our machines), BullMQ only wakes a worker.
 * An exact copy of the sender's latest message (or of a part already in) within DUPLICATE_WINDOW is the
 * SMSC resending after it lost our response: it is acknowledged again but stored once. Concatenated parts
 * are one row each until every part is in (or the wait for the missing ones is over), then read back as
 * one text.
 *
 * An MO may hold a PIN (INTERFACES §9): its text is stored sealed (AES-GCM under the PIN key), read back
 * unsealed for processing, and replaced by the text with its PINs masked when it is marked processed
 * (`recordAnswers`); the fingerprint that recognises resends is keyed, so it tells nothing of the text.
 * An MO past its number's `SMS_MO_PER_MINUTE` is stored and acknowledged all the same, marked
 * `over_limit` (the MO worker runs no command for it).
 */
import { type Db, type Keyring, normalizeMsisdn, pgArray } from '../../lib/index.js';

/** How long an identical resend is recognised. SMSCs resend after their response timeout (30-60 s). */
export const DUPLICATE_WINDOW_SECONDS = 120;
/** How long the first parts of a concatenated message wait for the rest. */
export const CONCAT_WAIT_SECONDS = 60;
/** The window `SMS_MO_PER_MINUTE` counts a number's MOs over. */
export const MO_RATE_WINDOW_SECONDS = 60;

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
  /** In clear: as received while it waits to be processed (the row holds it sealed), masked after. */
  text: string;
  concat: Concat | null;
  status: string;
  /** Came past its number's `SMS_MO_PER_MINUTE`: stored and acknowledged, but runs no command. */
  overLimit: boolean;
}

/** A keyed digest (the PIN key's fingerprint subkey): an unkeyed hash of `JD 654321` gives the PIN away. */
function fingerprintOf(keyring: Keyring, mo: InboundMo): string {
  const udh = mo.udh ? `${mo.udh.ref}/${mo.udh.total}/${mo.udh.seq}` : '';
  return keyring.fingerprint(
    `${mo.source}\u0000${mo.destination}\u0000${mo.dataCoding}\u0000${udh}\u0000${mo.text}`,
  );
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
 * missed it when the connection that carried the first copy went down. With `moPerMinute`, an MO that
 * makes its number's MOs of the last minute more than that is stored `over_limit`.
 */
export async function storeMos(
  db: Db,
  keyring: Keyring,
  mos: readonly InboundMo[],
  liveSessions: readonly string[] = [],
  moPerMinute?: number,
): Promise<StoreOutcome[]> {
  const rows = mos.map((raw) => {
    // PostgreSQL text cannot hold U+0000 (a UCS2 MO can carry one): kept as U+FFFD, never refused.
    const mo = raw.text.includes('\u0000') ? { ...raw, text: raw.text.replaceAll('\u0000', '\ufffd') } : raw;
    return {
      mo,
      msisdn: normalizeMsisdn(mo.source) ?? mo.source,
      fingerprint: fingerprintOf(keyring, mo),
      // Microseconds of AES-GCM a message: the batch still costs one statement.
      sealed: keyring.seal(mo.text),
    };
  });
  // The database knows what came before this batch; the batch itself is checked here, in order. A part
  // is a resend if that very part came already. A whole message whose sender has an earlier one in the
  // batch is judged against that one (their latest), never against the table.
  const seenParts = new Set<string>();
  const latestInBatch = new Map<string, (typeof rows)[number]>();
  const live = new Set(liveSessions);
  const checkTable: boolean[] = [];
  const fresh = rows.map((r) => {
    if (r.mo.udh) {
      const key = `${r.msisdn}\u0000${r.fingerprint}`;
      checkTable.push(true);
      if (seenParts.has(key)) return false;
      seenParts.add(key);
      return true;
    }
    const earlier = latestInBatch.get(r.msisdn);
    latestInBatch.set(r.msisdn, r);
    checkTable.push(!earlier);
    if (!earlier) return true;
    const session = earlier.mo.session ?? null;
    return !(
      earlier.fingerprint === r.fingerprint &&
      session !== (r.mo.session ?? null) &&
      !live.has(session ?? '')
    );
  });
  const batch = rows.flatMap((r, i) => (fresh[i] ? [{ ...r, check: checkTable[i], n: i }] : []));
  const col = (pick: (r: (typeof batch)[number]) => string | number | boolean | null) =>
    pgArray(batch.map(pick));
  const window = `now() - interval '${DUPLICATE_WINDOW_SECONDS} seconds'`;
  // The resend check and the insert in one statement. A whole message is a resend only if it is the
  // sender's latest (`XH`, `QX`, `XH` is a person changing their mind) and came on a connection that has
  // gone since (`YE` again on a live bind is a person asking again).
  // Each row picked for storing draws its id first, so the answer names rows by their place in the batch.
  // The flood limit is counted here too, rather than with a Redis counter: decided once, in the statement
  // that stores the MO, and kept on its row, an MO run again (a retry, the sweep after a crash) is judged
  // as it was the first time, where a counter bumped when it runs would count it twice; and it costs no
  // round trip before the deliver_sm_resp. The count is the number's rows of the last minute before this
  // statement (the index on (msisdn, received_at) keeps it short) plus its place among the batch's own.
  // Two gateway processes storing one number's MOs at the same instant each miss the other's uncommitted
  // rows, so the limit may let through up to one minute's allowance per process at that instant.
  const { rows: inserted } = batch.length
    ? await db.raw(
        `WITH m AS (
           SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::smallint[], ?::int[], ?::smallint[], ?::smallint[], ?::text[], ?::text[], ?::boolean[], ?::int[])
             AS m(msisdn, destination, text, data_coding, concat_ref, concat_total, concat_seq, fingerprint, link_session, check_table, n)
         ), pick AS MATERIALIZED (
           SELECT nextval(pg_get_serial_sequence('sms_mo', 'id')) AS id, m.* FROM m
            WHERE NOT m.check_table OR (NOT EXISTS (
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
                       AND NOT (coalesce(latest.link_session, '') = ANY(?::text[]))))
         ), counted AS MATERIALIZED (
           SELECT pick.*,
                  coalesce(?::int < (SELECT count(*) FROM sms_mo s
                                      WHERE s.msisdn = pick.msisdn
                                        AND s.received_at > now() - interval '${MO_RATE_WINDOW_SECONDS} seconds')
                                   + row_number() OVER (PARTITION BY pick.msisdn ORDER BY pick.n), false)
                    AS over_limit
             FROM pick
         ), stored AS (
           INSERT INTO sms_mo (id, msisdn, destination, text, data_coding, concat_ref, concat_total, concat_seq, fingerprint, link_session, over_limit)
           SELECT id, msisdn, destination, text, data_coding, concat_ref, concat_total, concat_seq, fingerprint, link_session, over_limit
             FROM counted ORDER BY n
         )
         SELECT n, id, over_limit FROM counted`,
        [
          col((r) => r.msisdn),
          col((r) => r.mo.destination),
          col((r) => r.sealed),
          col((r) => r.mo.dataCoding),
          col((r) => r.mo.udh?.ref ?? null),
          col((r) => r.mo.udh?.total ?? null),
          col((r) => r.mo.udh?.seq ?? null),
          col((r) => r.fingerprint),
          col((r) => r.mo.session ?? null),
          col((r) => r.check),
          col((r) => r.n),
          pgArray(liveSessions),
          moPerMinute ?? null,
        ],
      )
    : { rows: [] };
  const ids = new Map<number, { id: string; overLimit: boolean }>(
    (inserted as { n: number; id: bigint; over_limit: boolean }[]).map((row) => [
      Number(row.n),
      { id: String(row.id), overLimit: row.over_limit },
    ]),
  );
  return rows.map((r, i) => {
    const row = ids.get(i);
    if (row === undefined) return { duplicate: true, stored: null };
    const { mo } = r;
    return {
      duplicate: false,
      stored: {
        id: row.id,
        msisdn: r.msisdn,
        text: mo.text,
        status: 'received',
        concat: mo.udh ? { ...mo.udh } : null,
        overLimit: row.overLimit,
      },
    };
  });
}

/** Stores one MO (see `storeMos`). */
export async function storeMo(
  db: Db,
  keyring: Keyring,
  mo: InboundMo,
  liveSessions: readonly string[] = [],
  moPerMinute?: number,
): Promise<StoreOutcome> {
  const [outcome] = await storeMos(db, keyring, [mo], liveSessions, moPerMinute);
  return outcome;
}

/** An MO with its text in clear (unsealed while it waits to be processed). */
export async function loadMo(db: Db, keyring: Keyring, id: string): Promise<StoredMo | null> {
  const row = await db('sms_mo').where({ id }).first();
  return row ? toStored(keyring, row) : null;
}

/** The parts received so far of the message `mo` is a part of, oldest first; unprocessed only. */
export async function siblingParts(db: Db, keyring: Keyring, mo: StoredMo): Promise<StoredMo[]> {
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
  return rows.map((row) => toStored(keyring, row));
}

/** What an MO's row keeps once it is processed: its text with the PINs masked. */
export interface ProcessedMo {
  id: string;
  text: string;
}

/**
 * What the parts of an answered message keep, `masked` being the whole message's text masked. A part
 * alone may hold half a PIN (`GM 3026` + `75 739146`) that masking it alone would not see, so the whole
 * masked text goes on the part that comes first in the message (the lowest sequence number) and the
 * others keep '' (a part received twice keeps '' on its copy).
 */
export function processedParts(parts: readonly StoredMo[], masked: string): ProcessedMo[] {
  let first = parts[0];
  for (const p of parts) if ((p.concat?.seq ?? 0) < (first.concat?.seq ?? 0)) first = p;
  return parts.map((p) => ({ id: p.id, text: p === first ? masked : '' }));
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

function toStored(
  keyring: Keyring,
  row: {
    id: bigint | string;
    msisdn: string;
    text: string;
    concat_ref: number | null;
    concat_total: number | null;
    concat_seq: number | null;
    status: string;
    over_limit: boolean;
  },
): StoredMo {
  // Only a waiting MO is sealed: a processed one holds its masked text, which may be anything a user
  // typed (`sealed1.…` included). A waiting one in clear was stored before MOs were sealed.
  const sealed = row.status === 'received' && keyring.isSealed(row.text);
  return {
    id: String(row.id),
    msisdn: row.msisdn,
    text: sealed ? keyring.unseal(row.text) : row.text,
    status: row.status,
    overLimit: row.over_limit,
    concat:
      row.concat_ref === null
        ? null
        : { ref: row.concat_ref, total: Number(row.concat_total), seq: Number(row.concat_seq) },
  };
}
