/**
 * MTs travel to the sender in batches (one queue job for the replies written together): `batch_id` is
 * the id of the job that carries an MT, when it is not the MT's own `job_id`. The sweep that queues
 * stranded MTs again queues them under that id, so a batch that is only slow is not queued twice.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sms_mt', (t) => {
    t.text('batch_id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sms_mt', (t) => {
    t.dropColumn('batch_id');
  });
}
