/**
 * The merchant portal's staff (商户自助后台): people of a merchant who log in at `/merchant` with a
 * password, each with one role: `admin` (creates staff, asks for and reviews refunds), `cashier` (sees
 * orders, asks for refunds, never reviews), `reviewer` (reviews refunds).
 * - Passwords are scrypt hashes (lib/secrets), never in clear; `login_failures` and `login_locked_until`
 *   lock a login after repeated wrong passwords, as WAP login does, and survive a restart or a Redis flush.
 * - A staff member's id comes from the same sequence as the merchant keys' ids: `refunds.requested_by`
 *   and `reviewed_by` hold either, so the refund rule "whoever asked can never decide" holds across the API
 *   and the portal with no change to the refund commands, and no staff id can equal a key's.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('merchant_staff', (t) => {
    t.bigInteger('id').primary().defaultTo(knex.raw("nextval('merchant_keys_id_seq')"));
    t.text('merchant_code').notNullable().references('merchants.code');
    t.text('username').notNullable();
    t.text('role').notNullable();
    t.text('password_hash').notNullable();
    t.integer('login_failures').notNullable().defaultTo(0);
    t.timestamp('login_locked_until', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['merchant_code', 'username']);
  });
  await knex.raw(
    `ALTER TABLE merchant_staff ADD CONSTRAINT merchant_staff_role_check CHECK (role IN ('admin','cashier','reviewer'))`,
  );
  // The refund review queue reads one merchant's refunds under review, oldest first.
  await knex.raw('CREATE INDEX refunds_merchant_status ON refunds (merchant_code, status, id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS refunds_merchant_status');
  await knex.schema.dropTableIfExists('merchant_staff');
}
