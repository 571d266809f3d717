/**
 * The reference for `ledger.*`: what one transaction per transfer reaches on this PostgreSQL. A plain
 * PL/pgSQL `bench_transfer(from, to, amount, key)` locks both account rows in id order (SELECT … FOR
 * UPDATE), checks the balance, inserts the idempotency key (unique), writes two entries with the balance
 * after each and updates both balances, one call per transaction (autocommit).
 *
 * Driven by **pgbench** (spec/BENCH.md: the strongest reference, a C client), `-n -M prepared -c 32 -j 2
 * -T <BENCH_SECONDS>`, a script that draws each argument with `\set` and calls the function once; the
 * figure is pgbench's own `tps = … (without initial connection time)`. pgbench comes with Debian's
 * `postgresql-client` and is installed with apt-get where it is missing, as Kannel is (bench/kannel.ts).
 *
 * `ledger.ceiling`: 10,000 accounts, random pairs. `ledger.ceiling_hot`: every transfer credits one
 * account. `ledger.ceiling_node` (informational, once a run, a short window on the same database): the
 * same function from 32 node-pg connections, which reach ~2/3 of pgbench here: the gap is the client,
 * which is why it is no longer the reference.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { aptGet, findExecutable } from './kannel.js';
import {
  type Benchmark,
  benchSeconds,
  coresByName,
  cpuOfPrograms,
  cpuPerOperation,
  log,
  percentile,
  type Result,
  type Results,
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

/** Seconds of the informational node-pg run (`ledger.ceiling_node`): enough for a rate, cheap in the 10 minutes. */
const NODE_SECONDS = 5;
const THREADS = 2;
const PROGRAMS = ['pgbench', 'postgres', 'node'];

/**
 * pgbench's script: `\set` draws each argument; the key is a random 63-bit number (a collision in a
 * run's ~10^5 transfers has odds near 10^-9, and would abort a client, failing the run loudly, not
 * counting wrong). Random pairs: `to` is `from` shifted by 1..N-1, so never equal to it.
 */
function script(hot: boolean): string {
  const key = '\\set key random(1, 9223372036854775806)';
  const amount = '\\set amount random(1, 99)';
  if (hot)
    return [
      `\\set from random(${HOT_ACCOUNT + 1}, ${ACCOUNTS})`,
      amount,
      key,
      `SELECT bench_transfer(:from, ${HOT_ACCOUNT}, :amount, :key);`,
      '',
    ].join('\n');
  return [
    `\\set from random(1, ${ACCOUNTS})`,
    `\\set shift random(1, ${ACCOUNTS - 1})`,
    `\\set to 1 + (:from - 1 + :shift) % ${ACCOUNTS}`,
    amount,
    key,
    'SELECT bench_transfer(:from, :to, :amount, :key);',
    '',
  ].join('\n');
}

/** The pgbench binary and its version, installing Debian's `postgresql-client` first where it is missing. */
function ensurePgbench(): { bin: string; version: string } {
  let bin = findExecutable('pgbench');
  const withVersion = (path: string) => {
    const v = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout ?? '';
    return { bin: path, version: /\(PostgreSQL\) (\S+)/.exec(v)?.[1] ?? 'unknown version' };
  };
  if (bin) return withVersion(bin);
  log(
    'ledger.ceiling: pgbench not found; installing Debian postgresql-client: apt-get install -y postgresql-client',
  );
  let status = aptGet(['install', '-y', 'postgresql-client']);
  if (status !== 0) {
    log('ledger.ceiling: install failed; refreshing the package lists (apt-get update) and trying again');
    if (aptGet(['update']) === 0) status = aptGet(['install', '-y', 'postgresql-client']);
  }
  bin = findExecutable('pgbench');
  if (!bin)
    throw new Error(
      `pgbench is the ledger reference and could not be installed (apt-get exited ${status}); ` +
        'install it with: apt-get install -y postgresql-client',
    );
  return withVersion(bin);
}

interface PgbenchRun {
  tps: number;
  transactions: number;
  failed: number;
  latencyMs: number;
  /** Cores of each program, read while pgbench and its backends are alive (their time is lost once they exit). */
  cores: Map<string, number>;
  version: string;
}

/** One pgbench run of `seconds` (whole seconds: `-T` takes no fraction); fails on a non-zero exit. */
async function pgbench(url: string, file: string, seconds: number): Promise<PgbenchRun> {
  const { bin, version } = ensurePgbench();
  const database = new URL(url).pathname.slice(1);
  const args = ['-n', '-M', 'prepared', '-c', String(CONNECTIONS), '-j', String(THREADS)];
  args.push('-T', String(seconds), '-f', file, url);
  const child = spawn(bin, args, {
    // The function's body names its tables unqualified, as the node-pg run sets it per connection.
    env: { ...process.env, PGOPTIONS: '-c search_path=ceiling' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  // CPU over the middle of the run: past the connections, before pgbench and its backends exit.
  const from = Math.min(1, seconds * 0.1) * 1000;
  const to = (seconds - Math.min(0.5, seconds * 0.05)) * 1000;
  const programs = () => cpuOfPrograms(database, PROGRAMS, { [child.pid ?? -1]: 'pgbench' });
  const sampled = (async () => {
    await sleep(from);
    const before = await programs();
    const t0 = performance.now();
    await sleep(to - from);
    return coresByName(before, await programs(), (performance.now() - t0) / 1000);
  })();
  const code = await exited;
  const cores = await sampled;
  const tps = /^tps = ([\d.]+) \(without initial connection time\)/m.exec(out);
  if (code !== 0 || !tps)
    throw new Error(`pgbench ${args.join(' ')} exited ${code}; its output:\n${out.slice(-3000)}`);
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? Number.NaN);
  return {
    tps: Number(tps[1]),
    transactions: num(/^number of transactions actually processed: (\d+)/m),
    failed: num(/^number of failed transactions: (\d+)/m) || 0,
    latencyMs: num(/^latency average = ([\d.]+) ms/m),
    cores,
    version,
  };
}

interface NodeRun {
  perSecond: number;
  transfers: number;
  refused: number;
  p50ms: number;
  p99ms: number;
  cores: Map<string, number>;
}

/** Drives `bench_transfer` from 32 node-pg connections (the former reference, now informational). */
async function driveFromNode(url: string, hot: boolean, seconds: number): Promise<NodeRun> {
  const database = new URL(url).pathname.slice(1);
  const clients = await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const c = new pg.Client({ connectionString: url, options: '-c search_path=ceiling' });
      await c.connect();
      return c;
    }),
  );
  const machineBefore = await cpuOfPrograms(database, PROGRAMS);
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
      // Read before the connections close, or the backends' time is lost.
      cores: coresByName(
        machineBefore,
        await cpuOfPrograms(database, PROGRAMS),
        (performance.now() - started) / 1000,
      ),
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

async function countKeys(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query('SELECT count(*)::int AS n FROM ceiling.transfer_keys')).rows[0].n);
  } finally {
    await c.end();
  }
}

const formatCores = (cores: Map<string, number>) =>
  [...cores]
    .filter(([, c]) => c >= 0.02)
    .map(([name, c]) => `${name} ${c.toFixed(2)}`)
    .join(', ');

async function measure(name: string, hot: boolean, withNode: boolean): Promise<Result[]> {
  const seconds = Math.max(1, Math.ceil(benchSeconds()));
  const warm = Math.ceil(warmupSeconds());
  return withDatabase({ migrate: false }, async (url) => {
    await setUp(url);
    const dir = mkdtempSync(join(tmpdir(), 'bench-pgbench-'));
    try {
      const file = join(dir, `${name}.sql`);
      writeFileSync(file, script(hot));
      await sleep(200);
      log(
        `${name}: pgbench -M prepared -c ${CONNECTIONS} -j ${THREADS}, ${ACCOUNTS} accounts${hot ? ', one hot credit account' : ''}, ${warm}+${seconds} s`,
      );
      const warmRun = warm > 0 ? await pgbench(url, file, warm) : null;
      const run = await pgbench(url, file, seconds);
      // Every transaction pgbench counted must be a committed transfer: nothing refused, nothing lost.
      const keys = await countKeys(url);
      const expected = run.transactions + (warmRun?.transactions ?? 0);
      if (keys !== expected)
        throw new Error(
          `${name}: pgbench processed ${expected} transactions but ${keys} transfers are stored`,
        );
      const perOp = cpuPerOperation(run.cores, run.tps);
      log(
        `${name}: pgbench ${run.version}: ${run.transactions} transfers in ${seconds} s, tps ${round(run.tps, 0)}; ` +
          `cores: ${formatCores(run.cores)}; CPU ms per transfer: ${perOp}`,
      );
      const results: Result[] = [
        {
          name,
          value: round(run.tps, 0),
          unit: 'transfers/s',
          note:
            `pgbench ${run.version} -M prepared -c ${CONNECTIONS} -j ${THREADS} -T ${seconds}, plain PL/pgSQL, 1 transfer per txn, ` +
            `${ACCOUNTS} accts${hot ? ', all credit 1 acct' : ''}; latency avg ${run.latencyMs} ms` +
            (run.failed ? `; ${run.failed} failed` : '') +
            `; CPU ms per transfer: ${perOp}`,
        },
      ];
      if (withNode) {
        log(
          `${name}_node: the same function from ${CONNECTIONS} node-pg connections, ${warm}+${NODE_SECONDS} s`,
        );
        const n = await driveFromNode(url, hot, NODE_SECONDS);
        const nodePerOp = cpuPerOperation(n.cores, n.perSecond);
        log(
          `${name}_node: ${n.transfers} transfers in ${NODE_SECONDS} s = ${round(n.perSecond, 0)}/s; ` +
            `cores: ${formatCores(n.cores)}; CPU ms per transfer: ${nodePerOp}`,
        );
        results.push({
          name: `${name}_node`,
          value: round(n.perSecond, 0),
          unit: 'transfers/s',
          note:
            `informational (not a reference): the same function from ${CONNECTIONS} node-pg connections, ${NODE_SECONDS} s; ` +
            `latency p50 ${round(n.p50ms, 2)} ms p99 ${round(n.p99ms, 2)} ms` +
            (n.refused ? `; ${n.refused} refused` : '') +
            `; CPU ms per transfer: ${nodePerOp}`,
        });
      }
      return results;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

export const ledgerCeiling: Benchmark = {
  name: 'ledger.ceiling',
  // The node-pg figure once a run (the first ceiling run): it informs, it needs no before-and-after.
  run: (results: Results) => measure('ledger.ceiling', false, !results.has('ledger.ceiling_node')),
};

export const ledgerCeilingHot: Benchmark = {
  name: 'ledger.ceiling_hot',
  run: () => measure('ledger.ceiling_hot', true, false),
};
