/**
 * WAP login lockout (INTERFACES §7): five wrong login passwords in a row lock WAP login for that MSISDN
 * for 15 minutes. The counter lives on the user's row beside the PIN's, so it survives a restart and a
 * Redis flush, and the lock is decided in the same transaction that tells the owner by SMS.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.integer('login_failures').notNullable().defaultTo(0);
    t.timestamp('login_locked_until', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('login_failures');
    t.dropColumn('login_locked_until');
  });
}
