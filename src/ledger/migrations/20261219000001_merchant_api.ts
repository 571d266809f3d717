/**
 * The merchants' side of INTERFACES §8.
 * - `merchant_keys`: a merchant's API key (places requests, refunds, reversals, payouts) and its
 *   reviewer's key (approves or rejects refunds), each stored as a keyed HMAC under a subkey of
 *   `PIN_KEY` (`mk1$<key id>$<hex>`), never in clear. A rotated key keeps working until `expires_at`
 *   (the grace period), so merchants can roll their servers over. The API key hashes kept so far in
 *   `merchants.api_key_hash` (plain SHA-256) move here as `sha256$<hex>`, so existing merchants keep
 *   working; the column becomes nullable and is no longer written.
 * - `merchants.callback_url`, `callback_secret` (sealed with AES-GCM under the keyring's seal subkey: the
 *   gateway must sign with it, so it cannot be hashed), `fee_bps` (basis points of each payment posted
 *   to the platform's fee account, default 0).
 * - `transfers.fee`: the fee charged with a payment (so a reversal gives back what was taken and the
 *   reconciliation shows it); `transfers.void_reason`: why a payment request was voided (`declined` or
 *   `expired`), which the merchant's status list tells apart.
 * - `refunds`: refunds under review (退款审核); money moves only when the reviewer approves, and the
 *   approval's transfer is recorded. Idempotent on the merchant's reference.
 * - `merchant_callbacks`: the callbacks' outbox, written in the same transaction as the settlement they
 *   report; a relay queues them, a worker POSTs them and records each attempt (the operator's log).
 * - Indexes on transfers by account and `posted_at`: reconciliation and the day's net read one
 *   merchant's day, not its whole history.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('merchant_keys', (t) => {
    t.bigIncrements('id');
    t.text('merchant_code').notNullable().references('merchants.code');
    t.text('role').notNullable(); // api | reviewer
    t.text('key_hash').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }); // null: current; set when rotated out (end of grace)
    t.index(['merchant_code', 'role']);
  });
  await knex.raw(
    `ALTER TABLE merchant_keys ADD CONSTRAINT merchant_keys_role_check CHECK (role IN ('api','reviewer'))`,
  );
  await knex.raw(
    `INSERT INTO merchant_keys (merchant_code, role, key_hash, created_at)
     SELECT code, 'api', 'sha256$' || api_key_hash, created_at FROM merchants WHERE api_key_hash IS NOT NULL`,
  );
  await knex.schema.alterTable('merchants', (t) => {
    t.setNullable('api_key_hash');
    t.text('callback_url');
    t.text('callback_secret');
    t.integer('fee_bps').notNullable().defaultTo(0);
  });
  await knex.raw(
    'ALTER TABLE merchants ADD CONSTRAINT merchants_fee_bps_range CHECK (fee_bps >= 0 AND fee_bps <= 10000)',
  );

  await knex.schema.alterTable('transfers', (t) => {
    t.bigInteger('fee').notNullable().defaultTo(0);
    t.text('void_reason');
  });
  await knex.raw('CREATE INDEX transfers_credit_posted ON transfers (credit_account_id, posted_at)');
  await knex.raw('CREATE INDEX transfers_debit_posted ON transfers (debit_account_id, posted_at)');

  await knex.schema.createTable('refunds', (t) => {
    t.bigIncrements('id');
    t.text('merchant_code').notNullable().references('merchants.code');
    t.bigInteger('payment_id').notNullable();
    t.bigInteger('amount').notNullable();
    t.text('reason').notNullable();
    t.text('reference').notNullable();
    t.text('status').notNullable().defaultTo('pending_review'); // pending_review | approved | rejected
    t.bigInteger('requested_by').notNullable(); // merchant_keys.id of the key that asked
    t.bigInteger('reviewed_by'); // merchant_keys.id of the reviewer's key
    t.bigInteger('transfer_id'); // the approved refund's transfer
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('decided_at', { useTz: true });
    t.unique(['merchant_code', 'reference']);
    t.index(['payment_id']);
    t.index(['transfer_id']);
  });
  await knex.raw('ALTER TABLE refunds ADD CONSTRAINT refunds_amount_positive CHECK (amount > 0)');
  await knex.raw(
    `ALTER TABLE refunds ADD CONSTRAINT refunds_status_check CHECK (status IN ('pending_review','approved','rejected'))`,
  );

  await knex.schema.createTable('merchant_callbacks', (t) => {
    t.bigIncrements('id');
    t.text('merchant_code').notNullable();
    t.text('event').notNullable();
    t.text('object_id').notNullable(); // the payment, refund or payout the callback is about
    t.text('body').notNullable(); // the exact JSON POSTed, fixed when written: every retry signs the same
    t.text('command_key').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('queued_at', { useTz: true });
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('last_status'); // HTTP status of the last attempt; null: no answer (refused, timed out)
    t.text('last_error');
    t.timestamp('last_attempt_at', { useTz: true });
    t.timestamp('delivered_at', { useTz: true });
    t.timestamp('gave_up_at', { useTz: true });
    t.index(['merchant_code', 'id']);
    t.index(['object_id']);
  });
  await knex.raw('CREATE INDEX merchant_callbacks_unqueued ON merchant_callbacks (id) WHERE queued_at IS NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('merchant_callbacks');
  await knex.schema.dropTableIfExists('refunds');
  await knex.raw('DROP INDEX IF EXISTS transfers_credit_posted');
  await knex.raw('DROP INDEX IF EXISTS transfers_debit_posted');
  await knex.schema.alterTable('transfers', (t) => {
    t.dropColumn('fee');
    t.dropColumn('void_reason');
  });
  await knex.raw('ALTER TABLE merchants DROP CONSTRAINT merchants_fee_bps_range');
  await knex.schema.alterTable('merchants', (t) => {
    t.dropColumn('callback_url');
    t.dropColumn('callback_secret');
    t.dropColumn('fee_bps');
  });
  // Merchants made since keep no hash there; they get a placeholder no key matches.
  await knex.raw(
    `UPDATE merchants m SET api_key_hash = coalesce(
       (SELECT substr(k.key_hash, 8) FROM merchant_keys k
         WHERE k.merchant_code = m.code AND k.key_hash LIKE 'sha256$%' ORDER BY k.id LIMIT 1), 'none')`,
  );
  await knex.schema.alterTable('merchants', (t) => t.dropNullable('api_key_hash'));
  await knex.schema.dropTableIfExists('merchant_keys');
}
