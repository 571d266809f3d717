/**
 * Command results stored a batch at a time. A batch claims its command rows first (so a concurrent
 * batch with the same key waits instead of applying it twice); the results, known only at the end,
 * then go in one `command_batches` row holding the batch's results as one array, and each claimed
 * command row points at its slot in it. Updating two thousand just-claimed rows one by one cost as much
 * as inserting them; one row per batch costs next to nothing. `commands.result` stays for the rows
 * written before this (and is read first).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('command_batches', (t) => {
    t.bigIncrements('id');
    t.jsonb('results').notNullable(); // CommandResult | null, by slot
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.alterTable('commands', (t) => {
    t.bigInteger('batch_id');
    t.integer('slot');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('commands', (t) => {
    t.dropColumn('batch_id');
    t.dropColumn('slot');
  });
  await knex.schema.dropTable('command_batches');
}
