/**
 * Keyed secrets and abuse limits (INTERFACES §9):
 * - `vouchers.pin_failures` / `locked_at`: wrong PINs on one recharge card; five lock the card.
 * - `users.card_failures` / `card_failures_day` / `card_locked_until`: wrong card PINs a wallet sent on
 *   one business day (China time); ten lock card top-ups for that MSISDN until the day is over.
 * - `transfers.posted_at`: when money moved. A payment request's transfer is created as a hold and
 *   posted later; a reversal's "same business day" is the day it was posted, not the day of the hold.
 * - `commands.result` may be NULL while the command row is claimed and its batch not yet committed:
 *   a concurrent batch with the same key waits for the claim instead of applying it a second time.
 * PIN values change form on use (scrypt → keyed), so no column changes for them.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('vouchers', (t) => {
    t.integer('pin_failures').notNullable().defaultTo(0);
    t.timestamp('locked_at', { useTz: true });
  });
  await knex.schema.alterTable('users', (t) => {
    t.integer('card_failures').notNullable().defaultTo(0);
    t.text('card_failures_day');
    t.timestamp('card_locked_until', { useTz: true });
  });
  await knex.schema.alterTable('transfers', (t) => {
    t.timestamp('posted_at', { useTz: true });
  });
  await knex.raw("UPDATE transfers SET posted_at = created_at WHERE status = 'posted'");
  await knex.raw('ALTER TABLE commands ALTER COLUMN result DROP NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE commands ALTER COLUMN result SET NOT NULL');
  await knex.schema.alterTable('transfers', (t) => t.dropColumn('posted_at'));
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('card_failures');
    t.dropColumn('card_failures_day');
    t.dropColumn('card_locked_until');
  });
  await knex.schema.alterTable('vouchers', (t) => {
    t.dropColumn('pin_failures');
    t.dropColumn('locked_at');
  });
}
