/**
 * Nothing secret in clear at rest in `sms_mo` (INTERFACES §9). From here on an MO's text is sealed until
 * it is processed and then kept with its PINs masked (the channel does both); this migration:
 * - adds `over_limit`: the MO came past `SMS_MO_PER_MINUTE` of its number, decided in the statement that
 *   stores it and kept on the row, so an MO run again after a crash is judged the same way;
 * - indexes `(msisdn, received_at)`, which that statement counts a number's last minute by;
 * - masks the rows processed before, which hold their texts in clear: a whole message with the grammar's
 *   `maskSecrets`; a part of a concatenated message with every digit masked, since a part alone may hold
 *   half a PIN that the grammar cannot see (the parts of one old message cannot be told apart from those
 *   of another that reused its reference). MOs not yet processed are left in clear: the key they would be
 *   sealed under is not the migration's to hold, and the channel masks them once it answers them.
 * Masking cannot be undone: `down` drops the column and the index only.
 */
import type { Knex } from 'knex';
// The grammar is pure (no I/O): the one rule for what is secret in an MO, used here once for old rows.
import { maskSecrets } from '../../../flows/grammar/index.js';
import { pgArray } from '../../lib/db.js';

const CHUNK = 1000;
const DIGITS = /[0-9\uFF10-\uFF19]/g;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sms_mo', (t) => {
    t.boolean('over_limit').notNullable().defaultTo(false);
    t.index(['msisdn', 'received_at'], 'sms_mo_msisdn_received');
  });
  await maskProcessedMos(knex);
}

/** Masks the processed MOs with an id above `afterId` that still hold digits, a chunk at a time. */
export async function maskProcessedMos(knex: Knex, afterId = '0'): Promise<void> {
  let after = afterId;
  for (;;) {
    const rows: { id: string; text: string; part: boolean }[] = (
      await knex.raw(
        `SELECT id::text AS id, text, concat_ref IS NOT NULL AS part FROM sms_mo
          WHERE id > ? AND status = 'processed' AND text ~ '[0-9０-９]'
          ORDER BY id LIMIT ?`,
        [after, CHUNK],
      )
    ).rows;
    if (!rows.length) break;
    after = rows[rows.length - 1].id;
    const changed = rows
      .map((r) => ({ id: r.id, text: r.part ? r.text.replace(DIGITS, '*') : maskSecrets(r.text) }))
      .filter((r, i) => r.text !== rows[i].text);
    if (changed.length)
      await knex.raw(
        `UPDATE sms_mo s SET text = m.text
           FROM unnest(?::bigint[], ?::text[]) AS m(id, text)
          WHERE s.id = m.id`,
        [pgArray(changed.map((r) => r.id)), pgArray(changed.map((r) => r.text))],
      );
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sms_mo', (t) => {
    t.dropIndex(['msisdn', 'received_at'], 'sms_mo_msisdn_received');
    t.dropColumn('over_limit');
  });
}
