/**
 * Request numbers: a merchant's payment request (a pending hold) carries the number `n` the user answers
 * it by (`n PIN`, `QX n`) when several wait. It is the smallest number the wallet's other waiting requests
 * do not use, so with at most 3 waiting it is 1–3; it stays the same while the request waits and is free
 * again once the request is paid, declined or expired. Null on every other transfer.
 *
 * No unique index on (wallet, number): an expired hold stays `pending` until the sweep voids it, and its
 * number is free from the moment it expires. The number is given under the wallet's row lock instead
 * (`payment.request`). The partial index keeps the lookups of a wallet's waiting requests (the batch's
 * count, the SMS list) to those few rows, however many transfers the wallet has.
 *
 * Requests already waiting get numbers in the order they came.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('transfers', (t) => {
    t.smallint('request_no');
  });
  await knex.raw(
    `CREATE INDEX transfers_pending_holds ON transfers (debit_account_id) WHERE kind = 'hold' AND status = 'pending'`,
  );
  await knex.raw(
    `UPDATE transfers t SET request_no = w.n
       FROM (SELECT id, row_number() OVER (PARTITION BY debit_account_id ORDER BY id) AS n
               FROM transfers WHERE kind = 'hold' AND status = 'pending') w
      WHERE t.id = w.id`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS transfers_pending_holds');
  await knex.schema.alterTable('transfers', (t) => {
    t.dropColumn('request_no');
  });
}
