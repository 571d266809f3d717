/**
 * The posting path without foreign-key triggers. Every transfer and its two entries are written by one
 * code path (`book-store.ts`), in the same transaction, from one in-memory Book, so a transfer's accounts
 * and an entry's transfer always exist; the per-row checks PostgreSQL ran for that (three RI triggers
 * per transfer, each an index probe and a row lock) cost a third of a batch's time in the database.
 * High-throughput ledgers do the same (TigerBeetle has no foreign keys at all). What the constraints
 * guaranteed is now proved from the tables by `checkLedger` (`GET /api/ledger/check`): no entry without
 * its transfer, no transfer without its accounts, and each posted transfer's entries on exactly its
 * debit and credit accounts. `entries.account_id` keeps its foreign key (the reference ledger of the
 * benchmark has the same one).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('transfers', (t) => {
    t.dropForeign(['debit_account_id']);
    t.dropForeign(['credit_account_id']);
  });
  await knex.schema.alterTable('entries', (t) => {
    t.dropForeign(['transfer_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('transfers', (t) => {
    t.foreign('debit_account_id').references('accounts.id');
    t.foreign('credit_account_id').references('accounts.id');
  });
  await knex.schema.alterTable('entries', (t) => {
    t.foreign('transfer_id').references('transfers.id');
  });
}
