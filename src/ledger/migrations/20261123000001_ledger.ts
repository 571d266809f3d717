/**
 * The ledger: accounts with their balances, append-only transfers and entries, the users behind
 * wallets, merchants, recharge cards, the command results that make every command idempotent, and the
 * outbox of notifications written in the same transaction as the change they report.
 *
 * Money is `bigint` fen. A transfer moves `amount` from `debit_account_id` to `credit_account_id` and
 * writes exactly two entries (-amount, +amount), each with the balance after it, so every transfer sums
 * to zero and every balance equals the sum of its entries. Holds (merchant payment requests) are
 * transfers in state `pending`: they reserve the money in `accounts.held` and write entries only when
 * posted.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('accounts', (t) => {
    t.bigIncrements('id');
    t.text('kind').notNullable(); // wallet | merchant | system
    t.text('code').notNullable().unique(); // wallet: MSISDN (86…); merchant: its code; system: its name
    t.text('status').notNullable().defaultTo('active'); // active | frozen | closed
    t.bigInteger('balance').notNullable().defaultTo(0);
    t.bigInteger('held').notNullable().defaultTo(0); // money reserved by pending holds
    t.boolean('may_go_negative').notNullable().defaultTo(false); // only platform accounts that issue money
    t.timestamp('frozen_until', { useTz: true }); // automatic unfreeze, when frozen with a number of days
    t.text('spent_day'); // business day of spent_today
    t.bigInteger('spent_today').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(
    `ALTER TABLE accounts ADD CONSTRAINT accounts_kind_check CHECK (kind IN ('wallet','merchant','system'))`,
  );
  await knex.raw(
    `ALTER TABLE accounts ADD CONSTRAINT accounts_status_check CHECK (status IN ('active','frozen','closed'))`,
  );
  await knex.raw(
    'ALTER TABLE accounts ADD CONSTRAINT accounts_not_negative CHECK (may_go_negative OR balance - held >= 0)',
  );

  await knex.schema.createTable('users', (t) => {
    t.text('msisdn').primary();
    t.bigInteger('account_id').notNullable().unique().references('accounts.id');
    t.text('login_hash').notNullable();
    t.text('pin_hash').notNullable();
    t.integer('pin_failures').notNullable().defaultTo(0);
    t.timestamp('pin_locked_until', { useTz: true });
    t.text('locale').notNullable().defaultTo('zh-CN');
    t.bigInteger('limit_per_payment'); // null: the platform cap
    t.bigInteger('limit_daily'); // null: the platform cap
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('closed_at', { useTz: true });
  });

  await knex.schema.createTable('merchants', (t) => {
    t.text('code').primary();
    t.text('name').notNullable();
    t.bigInteger('account_id').notNullable().unique().references('accounts.id');
    t.text('api_key_hash').notNullable(); // sha256 of a 32-byte random key: it is no password
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('transfers', (t) => {
    t.bigIncrements('id');
    t.text('kind').notNullable(); // topup_card | topup_counter | payment | transfer | refund | reversal | payout | hold
    t.text('status').notNullable().defaultTo('posted'); // posted | pending | voided
    t.bigInteger('debit_account_id').notNullable().references('accounts.id');
    t.bigInteger('credit_account_id').notNullable().references('accounts.id');
    t.bigInteger('amount').notNullable();
    t.bigInteger('refunded').notNullable().defaultTo(0); // payments: how much went back by refunds
    t.boolean('reversed').notNullable().defaultTo(false);
    t.bigInteger('original_id').references('transfers.id'); // refunds and reversals: the payment
    t.text('command_key').notNullable(); // the command that made it (its idempotency key)
    t.text('reference'); // merchant or bank reference
    t.text('description');
    t.timestamp('expires_at', { useTz: true }); // pending holds
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['debit_account_id', 'id']);
    t.index(['credit_account_id', 'id']);
    t.index(['created_at']);
  });
  await knex.raw('ALTER TABLE transfers ADD CONSTRAINT transfers_amount_positive CHECK (amount > 0)');
  await knex.raw(
    'ALTER TABLE transfers ADD CONSTRAINT transfers_two_sides CHECK (debit_account_id <> credit_account_id)',
  );
  await knex.raw("CREATE INDEX transfers_pending_expiry ON transfers (expires_at) WHERE status = 'pending'");

  await knex.schema.createTable('entries', (t) => {
    t.bigIncrements('id');
    t.bigInteger('transfer_id').notNullable().references('transfers.id');
    t.bigInteger('account_id').notNullable().references('accounts.id');
    t.bigInteger('amount').notNullable(); // signed: negative debits, positive credits
    t.bigInteger('balance_after').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['account_id', 'id']);
    t.index(['transfer_id']);
  });

  await knex.schema.createTable('vouchers', (t) => {
    t.text('serial').primary();
    t.text('pin_hash').notNullable();
    t.bigInteger('amount').notNullable();
    t.text('status').notNullable().defaultTo('issued'); // issued | redeemed
    t.bigInteger('transfer_id').references('transfers.id');
    t.text('redeemed_by');
    t.timestamp('redeemed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('commands', (t) => {
    t.text('key').primary(); // the idempotency key, also the BullMQ job id
    t.text('type').notNullable();
    t.text('payload_hash').notNullable(); // the same key with other content is refused
    t.jsonb('result').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('outbox', (t) => {
    t.bigIncrements('id');
    t.text('msisdn').notNullable();
    t.text('text').notNullable();
    t.text('reason').notNullable(); // what it reports: opened, payment, topup, …
    t.boolean('sensitive').notNullable().defaultTo(false); // holds initial passwords: blanked once relayed
    t.text('command_key');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('relayed_at', { useTz: true });
  });
  await knex.raw('CREATE INDEX outbox_unrelayed ON outbox (id) WHERE relayed_at IS NULL');

  // The platform's own accounts make every movement a double entry. Money enters the wallets from the
  // recharge-card float and the bank/counter clearing account, so those two may go below zero: their
  // negative balance is what the platform owes its users.
  await knex('accounts').insert([
    { kind: 'system', code: 'sys:card_float', may_go_negative: true },
    { kind: 'system', code: 'sys:bank_clearing', may_go_negative: true },
    { kind: 'system', code: 'sys:settlement', may_go_negative: true },
    { kind: 'system', code: 'sys:fees', may_go_negative: false },
  ]);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'outbox',
    'commands',
    'vouchers',
    'entries',
    'transfers',
    'merchants',
    'users',
    'accounts',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
