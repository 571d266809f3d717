/**
 * The outbox says what to tell, not its words: the texts belong to flows/texts, a layer above the
 * ledger, so commands now write a text key, its parameters and the reader's locale, and the SMS channel's
 * relay words them when it hands the row on. `params` is JSON (`encodeParams`), sealed under the PIN key
 * when the row is sensitive, as its text was; once relayed a sensitive row keeps neither. Rows written
 * before this keep their `text` and are sent as they are, so `text` may now be null where a key is given.
 * The check is added NOT VALID: every older row has its text (the column was NOT NULL), and validating
 * would scan the whole outbox under a lock.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbox', (t) => {
    t.text('text_key');
    t.text('params');
    t.text('locale');
    t.setNullable('text');
  });
  await knex.raw(
    'ALTER TABLE outbox ADD CONSTRAINT outbox_text_or_key CHECK (text IS NOT NULL OR text_key IS NOT NULL) NOT VALID',
  );
}

/** Down keeps every row: one without words gets its key in their place (the ledger cannot word it). */
export async function down(knex: Knex): Promise<void> {
  await knex.raw("UPDATE outbox SET text = '[' || text_key || ']' WHERE text IS NULL");
  await knex.raw('ALTER TABLE outbox DROP CONSTRAINT outbox_text_or_key');
  await knex.schema.alterTable('outbox', (t) => {
    t.dropNullable('text');
    t.dropColumn('text_key');
    t.dropColumn('params');
    t.dropColumn('locale');
  });
}
