/**
 * PostgreSQL's own time for the statements of one batch of ~270 transfers (EXPLAIN ANALYZE, rolled
 * back), NOT part of `npm run bench`: compare with the wall time a batch takes in the benchmark
 * (`BENCH_PROFILE=1` prints per-statement times as the gateway sees them).
 * e.g. `npx tsx bench/experiments/explain-batch.ts`
 */
import pg from 'pg';
import { seedWallets } from '../ledger-transfers.js';
import { withDatabase } from '../lib.js';

const wallets = (n: number) =>
  `ARRAY(SELECT (8613900000001 + (random() * 9999)::int)::text FROM generate_series(1, ${n}))`;
const statements: [string, string][] = [
  [
    'lock 540 accounts',
    `SELECT id, kind, code, status, balance, held, may_go_negative, frozen_until, spent_day, spent_today FROM accounts
      WHERE code = ANY(ARRAY(SELECT 'wallet:' || m FROM unnest(${wallets(540)}) m)) OR id = ANY('{}'::bigint[]) ORDER BY id FOR UPDATE`,
  ],
  [
    'lock 540 users',
    `SELECT msisdn, account_id, pin_hash, pin_failures, pin_locked_until, locale, limit_per_payment, limit_daily
       FROM users WHERE msisdn = ANY(${wallets(540)}) ORDER BY msisdn FOR UPDATE`,
  ],
  ['270 transfer ids', `SELECT nextval('transfers_id_seq') AS id FROM generate_series(1, 270)`],
  [
    'insert 270 transfers',
    `INSERT INTO transfers (kind, status, debit_account_id, credit_account_id, amount, command_key, created_at)
     SELECT 'transfer', 'posted', 5 + g, 6 + g, 5, 'k' || g, now() FROM generate_series(1, 270) g`,
  ],
  [
    'insert 540 entries',
    `INSERT INTO entries (transfer_id, account_id, amount, balance_after)
     SELECT 1 + g % 100, 5 + g, 5, 5 FROM generate_series(1, 540) g`,
  ],
  [
    'update 540 accounts',
    `UPDATE accounts x SET balance = x.balance, held = 0, spent_day = '2026-11-23', spent_today = 5, updated_at = now()
       FROM unnest(ARRAY(SELECT (5 + g)::bigint FROM generate_series(1, 540) g)) AS v(id) WHERE x.id = v.id`,
  ],
  [
    'insert 540 outbox rows',
    `INSERT INTO outbox (msisdn, text_key, params, locale, reason, command_key, sensitive)
     SELECT '8613900000001', 'notify.transfer.out', '{"to":"8613900000002","amount":{"fen":"5"},"balance":{"fen":"99995"}}',
            'zh-CN', 'transfer.out', 'k' || g, false FROM generate_series(1, 540) g`,
  ],
  [
    'insert 270 command results',
    `INSERT INTO commands (key, type, payload_hash, result)
     SELECT 'k' || g, 'transfer', md5(g::text) || md5(g::text),
            '{"ok":true,"value":{"transferId":"123","to":"8613900000002","balance":"99995"}}'::jsonb
       FROM generate_series(1, 270) g`,
  ],
];

await withDatabase({ migrate: true }, async (url) => {
  await seedWallets(url);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('BEGIN');
    let total = 0;
    for (const [name, sql] of statements) {
      const r = await c.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`);
      const plan = r.rows[0]['QUERY PLAN'][0];
      total += plan['Execution Time'] + plan['Planning Time'];
      console.log(
        `${name.padEnd(28)} execution ${plan['Execution Time'].toFixed(2)} ms, planning ${plan['Planning Time'].toFixed(2)} ms`,
      );
    }
    console.log(`${'total'.padEnd(28)} ${total.toFixed(1)} ms (before commit)`);
    await c.query('ROLLBACK');
  } finally {
    await c.end();
  }
});
process.exit(0);
