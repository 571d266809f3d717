/**
 * The SMS channel's own records (not money, but kept beside the ledger so an MO and the MTs it caused
 * survive any crash):
 * - `sms_mo`: every MO `deliver_sm`, inserted BEFORE its `deliver_sm_resp` is sent, so an acknowledged
 *   message can never be lost even if Redis (which keeps nothing on disk here) goes down. Concatenated
 *   parts are stored one row each and reassembled from here. `fingerprint` recognises an exact
 *   duplicate the SMSC resends after losing our response.
 * - `sms_mt`: every outbound SMS with its status (queued → sent → delivered | failed), the SMSC's message
 *   ids (one per part) that delivery receipts refer to, and the job that sends it (`job_id`, unique, so a
 *   relay or an MO processed twice queues one MT).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sms_mo', (t) => {
    t.bigIncrements('id');
    t.text('msisdn').notNullable(); // canonical 86… where it parses, else as the SMSC sent it
    t.text('destination').notNullable();
    t.text('text').notNullable();
    t.smallint('data_coding').notNullable();
    t.integer('concat_ref'); // null: a whole message
    t.smallint('concat_total');
    t.smallint('concat_seq');
    t.text('fingerprint').notNullable();
    t.text('link_session'); // the bind connection it came on: a resend comes on a later one
    t.text('status').notNullable().defaultTo('received'); // received | processed
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('processed_at', { useTz: true });
    t.index(['fingerprint', 'received_at']);
    t.index(['msisdn', 'concat_ref']);
  });
  await knex.raw("CREATE INDEX sms_mo_waiting ON sms_mo (received_at) WHERE status = 'received'");

  await knex.schema.createTable('sms_mt', (t) => {
    t.bigIncrements('id');
    t.text('job_id').notNullable().unique(); // outbox-<id> | reply-<mo>-<n>
    t.text('msisdn').notNullable();
    t.text('text').notNullable(); // blanked for initial passwords once sent
    t.text('reason').notNullable(); // the notification kind, or `reply`
    t.boolean('sensitive').notNullable().defaultTo(false);
    t.text('status').notNullable().defaultTo('queued'); // queued | sent | delivered | failed
    t.smallint('parts');
    t.specificType('message_ids', 'text[]').notNullable().defaultTo('{}'); // lower-case, as the SMSC gave them
    t.smallint('delivered_parts').notNullable().defaultTo(0);
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('done_at', { useTz: true });
    t.index(['msisdn', 'id']);
  });
  await knex.raw('CREATE INDEX sms_mt_message_ids ON sms_mt USING gin (message_ids)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sms_mt');
  await knex.schema.dropTable('sms_mo');
}
