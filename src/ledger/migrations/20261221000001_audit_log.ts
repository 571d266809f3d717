/**
 * `audit_log`: every operator action (INTERFACES §8): who did it (the name the operator gave, by login
 * or `X-Operator`), what (`action`, e.g. `account.freeze`), on what (`target`: an MSISDN, a merchant code,
 * a job id), why (the reason given, where the call takes one), when, its outcome (`ok` or a refusal
 * code) and the request id that ties it to the logs. `detail` holds what else the action says (amounts,
 * counts), never a secret. Rows are only ever inserted.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('operator').notNullable();
    t.text('action').notNullable();
    t.text('target');
    t.text('reason');
    t.text('outcome').notNullable();
    t.text('request_id');
    t.jsonb('detail').notNullable().defaultTo('{}');
    t.index(['at']);
    t.index(['target', 'at']);
    t.index(['operator', 'at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_log');
}
