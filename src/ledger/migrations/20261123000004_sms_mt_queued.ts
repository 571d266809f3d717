/**
 * Replies are stored and their MOs marked answered in one statement, before their jobs are queued: a
 * reply whose job never made it to Redis (a crash, Redis away) stays `queued`, and the SMS sweep queues
 * it again from its row. This index finds those rows without reading the sent ones.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw("CREATE INDEX sms_mt_queued ON sms_mt (created_at) WHERE status = 'queued'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX sms_mt_queued');
}
