/**
 * The reference for `ledger.*`: what one transaction per transfer reaches on this PostgreSQL. A plain
 * PL/pgSQL `bench_transfer(from, to, amount, key)` locks both account rows in id order (SELECT … FOR
 * UPDATE), checks the balance, inserts the idempotency key (unique), writes two entries with the balance
 * after each and updates both balances; 32 `pg` connections call it in a loop, one call per transaction
 * (autocommit), for the run's length.
 *
 * `ledger.ceiling`: 10,000 accounts, random pairs. `ledger.ceiling_hot`: every transfer credits one account.
 */
import pg from 'pg';
import {
  type Benchmark,
  benchSeconds,
  coresBetween,
  cpuByCommand,
  log,
  percentile,
  type Result,
  round,
  sleep,
  warmupSeconds,
  withDatabase,
} from './lib.js';

const ACCOUNTS = 10_000;
const CONNECTIONS = 32;
const HOT_ACCOUNT = 1;

const SCHEMA = `
CREATE SCHEMA ceiling;
SET search_path = ceiling;
CREATE TABLE accounts (
  id bigint PRIMARY KEY,
  balance bigint NOT NULL CHECK (balance >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE transfer_keys (
  key text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE entries (
  id bigserial PRIMARY KEY,
  transfer_key text NOT NULL,
  account_id bigint NOT NULL REFERENCES accounts (id),
  amount bigint NOT NULL,
  balance_after bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX entries_account ON entries (account_id, id);

CREATE FUNCTION bench_transfer(p_from bigint, p_to bigint, p_amount bigint, p_key text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  v_from bigint;
  v_to bigint;
BEGIN
  IF p_from = p_to OR p_amount <= 0 THEN
    RETURN false;
  END IF;
  -- Both rows locked in id order: two transfers over the same pair wait, never deadlock.
  PERFORM 1 FROM accounts WHERE id IN (p_from, p_to) ORDER BY id FOR UPDATE;
  SELECT balance INTO v_from FROM accounts WHERE id = p_from;
  IF v_from < p_amount THEN
    RETURN false;
  END IF;
  INSERT INTO transfer_keys (key) VALUES (p_key); -- a duplicate key raises unique_violation
  UPDATE accounts SET balance = balance - p_amount, updated_at = now() WHERE id = p_from RETURNING balance INTO v_from;
  UPDATE accounts SET balance = balance + p_amount, updated_at = now() WHERE id = p_to RETURNING balance INTO v_to;
  INSERT INTO entries (transfer_key, account_id, amount, balance_after)
  VALUES (p_key, p_from, -p_amount, v_from), (p_key, p_to, p_amount, v_to);
  RETURN true;
END $$;
`;

interface CeilingRun {
  perSecond: number;
  transfers: number;
  refused: number;
  p50ms: number;
  p99ms: number;
  seconds: number;
  /** Cores each program used while the connections ran (read before they close, or the backends' time is lost). */
  machine: string;
}

/** Drives `bench_transfer` from 32 connections; `hot`: every transfer credits one account. */
async function drive(url: string, hot: boolean, seconds: number): Promise<CeilingRun> {
  const clients = await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const c = new pg.Client({ connectionString: url, options: '-c search_path=ceiling' });
      await c.connect();
      return c;
    }),
  );
  const machineBefore = await cpuByCommand();
  const started = performance.now();
  try {
    const warmMs = warmupSeconds() * 1000;
    const start = performance.now();
    const measureFrom = start + warmMs;
    const measureTo = measureFrom + seconds * 1000;
    let done = 0;
    let refused = 0;
    const latencies: number[] = [];
    const tag = hot ? 'h' : 'r';
    await Promise.all(
      clients.map(async (client, worker) => {
        let i = 0;
        for (;;) {
          const t0 = performance.now();
          if (t0 >= measureTo) return;
          const to = hot ? HOT_ACCOUNT : 1 + Math.floor(Math.random() * ACCOUNTS);
          let from = 1 + Math.floor(Math.random() * ACCOUNTS);
          while (from === to) from = 1 + Math.floor(Math.random() * ACCOUNTS);
          const amount = 1 + Math.floor(Math.random() * 99);
          const r = await client.query({
            name: 'bench_transfer',
            text: 'SELECT bench_transfer($1, $2, $3, $4) AS ok',
            values: [from, to, amount, `${tag}${worker}.${i++}`],
          });
          const t1 = performance.now();
          if (t0 >= measureFrom && t1 <= measureTo) {
            if (r.rows[0].ok) done++;
            else refused++;
            if (latencies.length < 1_000_000) latencies.push(t1 - t0);
          }
        }
      }),
    );
    return {
      perSecond: done / seconds,
      transfers: done,
      refused,
      p50ms: percentile(latencies, 50),
      p99ms: percentile(latencies, 99),
      seconds,
      machine: coresBetween(machineBefore, await cpuByCommand(), (performance.now() - started) / 1000),
    };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

async function setUp(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(SCHEMA);
    // Funded far beyond what a run spends, so the balance check never refuses.
    await c.query(
      'INSERT INTO ceiling.accounts (id, balance) SELECT g, 1000000000000 FROM generate_series(1, $1::int) g',
      [ACCOUNTS],
    );
    await c.query('VACUUM ANALYZE ceiling.accounts');
  } finally {
    await c.end();
  }
}

async function measure(name: string, hot: boolean): Promise<Result> {
  const seconds = benchSeconds();
  return withDatabase({ migrate: false }, async (url) => {
    await setUp(url);
    await sleep(200);
    log(
      `${name}: ${CONNECTIONS} connections, ${ACCOUNTS} accounts${hot ? ', one hot credit account' : ''}, ${seconds} s`,
    );
    const run = await drive(url, hot, seconds);
    log(
      `${name}: ${run.transfers} transfers in ${seconds} s = ${round(run.perSecond, 0)}/s; machine cores: ${run.machine}`,
    );
    return {
      name,
      value: round(run.perSecond, 0),
      unit: 'transfers/s',
      note:
        `plain PL/pgSQL, 1 transfer per txn, ${CONNECTIONS} conns, ${ACCOUNTS} accts${hot ? ', all credit 1 acct' : ''}; ` +
        `latency p50 ${round(run.p50ms, 2)} ms p99 ${round(run.p99ms, 2)} ms` +
        (run.refused ? `; ${run.refused} refused` : ''),
    };
  });
}

export const ledgerCeiling: Benchmark = {
  name: 'ledger.ceiling',
  run: async () => [await measure('ledger.ceiling', false)],
};

export const ledgerCeilingHot: Benchmark = {
  name: 'ledger.ceiling_hot',
  run: async () => [await measure('ledger.ceiling_hot', true)],
};
