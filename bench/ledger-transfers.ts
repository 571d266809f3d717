/**
 * `ledger.transfers`, `ledger.payments` and `ledger.hot_merchant`: money movements per second through the
 * whole command path: `bus.sendMany` (BullMQ `addBulk`) → command workers → runner (prepare, batcher, one
 * database transaction per batch) → the job's result back in BullMQ, observed by the producer. Each is
 * compared with the pgbench ceiling measured right before and right after it (`around`, bench/run.ts).
 *
 * Set-up (not measured): 10,000 wallets inserted with SQL in the shape `account.open` makes (an account
 * `wallet:<msisdn>` and its user row), each funded by a posted `topup_counter` transfer from
 * `sys:bank_clearing` with its two entries, so `checkLedger` holds from the start.
 *
 * The PIN: every debit carries the wallet's PIN and is verified the production way, nothing weakened
 * for the benchmark (security is not a benchmark setting, spec/BENCH.md): each wallet's `pin_hash` is the
 * keyed verification value `keyringOf(config).pinValue(msisdn, PIN)` under the run's own `pinKey` (a
 * random 32-byte key set in the config, as `PIN_KEY` would be), and the run fails unless the workers'
 * keyring verified at least one PIN per command. `ledger.payments` also sends a small share of wrong PINs
 * (`WRONG_PIN_SHARE`): refused `wrong_pin`, counted on the user, never in the rate.
 *
 * The run: the producer keeps a bounded number of commands outstanding (enqueued, result not yet seen),
 * enqueueing in chunks; after a warm-up it counts the results that arrive in the measured window. At the
 * end it waits for every command's result, checks the ledger (`checkLedger` must be balanced, and the
 * number of posted transfers must equal the successes seen) and fails loudly otherwise.
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import type { Command } from '../src/commands/catalog.js';
import { type Config, loadConfig } from '../src/config/index.js';
import { checkLedger } from '../src/ledger/check.js';
import { createMerchant } from '../src/ledger/merchants.js';
import { createDb } from '../src/lib/db.js';
import { keyringOf } from '../src/lib/keyring.js';
import { hashSecret } from '../src/lib/secrets.js';
import { type Context, createContext } from '../src/main/context.js';
import {
  type Benchmark,
  benchSeconds,
  log,
  percentile,
  REDIS_URL,
  type Result,
  round,
  sleep,
  warmupSeconds,
  withDatabase,
  onInterrupt,
  withCpuProfile,
  cpuOfPrograms,
  coresByName,
  cpuPerOperation,
  withRedisPrefix,
} from './lib.js';
import { type Done, inProcessWorkers, type WorkerSide, workerProcesses } from './ledger-workers.js';

const WALLETS = 10_000;
const FUNDING = 1_000_000n; // fen a wallet starts with (¥10,000)
const PIN = '135790';
const WRONG_PIN = '246801';
/** `ledger.payments`: the share of payments sent with a wrong PIN (refused, so left out of the rate). */
const WRONG_PIN_SHARE = 0.01;
/** `ledger.hot_merchant` pays the first; `ledger.payments` spreads over all. */
const MERCHANTS = ['BENCH01', 'BENCH02', 'BENCH03', 'BENCH04'];
const MSISDN_BASE = 8613900000000; // 86 + 139 0000 0000: canonical China mobile numbers

type Knobs = Pick<
  Config,
  'commandPartitions' | 'workerConcurrency' | 'batchMax' | 'batchesInFlight' | 'batchWaitMs' | 'dbPoolMax'
>;

/**
 * The knobs, tuned on this machine (2 cores): the defaults below, each overridable by its usual
 * environment variable. They go through `loadConfig`'s schema as environment values, so a bad one is
 * refused (overrides passed as its second argument skip validation).
 */
function knobs(): Knobs {
  const tuned: Record<string, string> = {
    COMMAND_PARTITIONS: '4',
    WORKER_CONCURRENCY: '256',
    BATCH_MAX: '2000',
    BATCHES_IN_FLIGHT: '1',
    BATCH_WAIT_MS: '1',
    DB_POOL_MAX: '16',
  };
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(tuned)) env[name] = process.env[name] || value;
  const c = loadConfig(env);
  return {
    commandPartitions: c.commandPartitions,
    workerConcurrency: c.workerConcurrency,
    batchMax: c.batchMax,
    batchesInFlight: c.batchesInFlight,
    batchWaitMs: c.batchWaitMs,
    dbPoolMax: c.dbPoolMax,
  };
}

/** Commands outstanding (enqueued, no result yet) and the chunk size of `sendMany`. */
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 4000);
const CHUNK = Number(process.env.BENCH_CHUNK ?? 500);
/**
 * Worker processes besides the producer (0: the workers run in the producer's process). Measured here:
 * 1 separate process gives the same rate as 0 (within noise), 2 are slower (the 2 cores are shared with
 * PostgreSQL and Redis), so the simpler 0. `BENCH_WORKER_PROCESSES=N` tries another count.
 */
const WORKER_PROCESSES = 0;

const msisdnOf = (i: number) => String(MSISDN_BASE + 1 + i);

/**
 * 10,000 wallets as `account.open` makes them, each funded by a balanced posted top-up, their PIN stored
 * as the keyed value under `pinKey` (a random key by default: the SMS benchmarks ask no PIN).
 */
export async function seedWallets(url: string, pinKey = randomBytes(32).toString('hex')): Promise<void> {
  const ring = keyringOf({ pinKey });
  const msisdns = Array.from({ length: WALLETS }, (_, i) => msisdnOf(i));
  const pinValues = msisdns.map((m) => ring.pinValue(m, PIN));
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    // The login password is still an scrypt hash at the production cost: one, shared, is enough.
    const loginHash = await hashSecret('bench-login');
    await c.query('BEGIN');
    await c.query(
      `INSERT INTO accounts (kind, code)
       SELECT 'wallet', 'wallet:' || ($1::bigint + g)::text FROM generate_series(1, $2::int) g ORDER BY g`,
      [MSISDN_BASE, WALLETS],
    );
    await c.query(
      `INSERT INTO users (msisdn, account_id, login_hash, pin_hash, pin_failures, locale)
       SELECT a.msisdn, a.id, $1, p.pin_hash, 0, 'zh-CN'
         FROM (SELECT substr(code, 8) AS msisdn, id FROM accounts WHERE kind = 'wallet') a
         JOIN unnest($2::text[], $3::text[]) AS p (msisdn, pin_hash) ON p.msisdn = a.msisdn
        ORDER BY a.id`,
      [loginHash, msisdns, pinValues],
    );
    await c.query(
      `WITH bank AS (SELECT id FROM accounts WHERE code = 'sys:bank_clearing'),
            funded AS (
              INSERT INTO transfers (kind, status, debit_account_id, credit_account_id, amount, command_key, reference)
              SELECT 'topup_counter', 'posted', bank.id, w.id, $1::bigint, 'bench-fund:' || w.code, 'bench-fund:' || w.code
                FROM accounts w CROSS JOIN bank WHERE w.kind = 'wallet' ORDER BY w.id
              RETURNING id, debit_account_id, credit_account_id, amount)
       INSERT INTO entries (transfer_id, account_id, amount, balance_after)
       SELECT id, debit_account_id, -amount, -amount * row_number() OVER (ORDER BY id) FROM funded
       UNION ALL
       SELECT id, credit_account_id, amount, amount FROM funded`,
      [FUNDING.toString()],
    );
    await c.query(`UPDATE accounts SET balance = $1::bigint WHERE kind = 'wallet'`, [FUNDING.toString()]);
    await c.query(`UPDATE accounts SET balance = -$1::bigint * $2::int WHERE code = 'sys:bank_clearing'`, [
      FUNDING.toString(),
      WALLETS,
    ]);
    await c.query('COMMIT');
    await c.query('VACUUM ANALYZE');
  } finally {
    await c.end();
  }
}

interface FlowSpec {
  name: 'ledger.transfers' | 'ledger.payments' | 'ledger.hot_merchant';
  reference: 'ledger.ceiling' | 'ledger.ceiling_hot';
  aim: number;
  /** The transfer kind a success posts (to count in the database). */
  kind: 'transfer' | 'payment';
  /** Merchants to create (payments only). */
  merchants: string[];
  /** The share of commands sent with a wrong PIN: their `wrong_pin` refusals are expected. */
  wrongPins: number;
  make: (key: string) => Command;
}

const randomWallet = () => Math.floor(Math.random() * WALLETS);
const smallAmount = () => String(1 + Math.floor(Math.random() * 99));

// The aims are spec/BENCH.md's.
const transfers: FlowSpec = {
  name: 'ledger.transfers',
  reference: 'ledger.ceiling',
  aim: 2.0,
  kind: 'transfer',
  merchants: [],
  wrongPins: 0,
  make(key) {
    const from = randomWallet();
    let to = randomWallet();
    while (to === from) to = randomWallet();
    return {
      key,
      type: 'transfer',
      input: { msisdn: msisdnOf(from), to: msisdnOf(to), amount: smallAmount(), pin: PIN },
    };
  },
};

const payments: FlowSpec = {
  name: 'ledger.payments',
  reference: 'ledger.ceiling',
  aim: 1.0,
  kind: 'payment',
  merchants: MERCHANTS,
  wrongPins: WRONG_PIN_SHARE,
  make(key) {
    const merchant = MERCHANTS[Math.floor(Math.random() * MERCHANTS.length)];
    const pin = Math.random() < WRONG_PIN_SHARE ? WRONG_PIN : PIN;
    return {
      key,
      type: 'payment',
      input: { msisdn: msisdnOf(randomWallet()), merchant, amount: smallAmount(), pin },
    };
  },
};

const hotMerchant: FlowSpec = {
  name: 'ledger.hot_merchant',
  reference: 'ledger.ceiling_hot',
  aim: 5.0,
  kind: 'payment',
  merchants: MERCHANTS.slice(0, 1),
  wrongPins: 0,
  make(key) {
    return {
      key,
      type: 'payment',
      input: { msisdn: msisdnOf(randomWallet()), merchant: MERCHANTS[0], amount: smallAmount(), pin: PIN },
    };
  },
};

interface Tally {
  ok: number;
  refused: number;
  refusals: Map<string, number>;
  latencies: number[];
}

async function redisCommandStats(): Promise<Map<string, { calls: number; usec: number }>> {
  const { Redis } = await import('ioredis');
  const r = new Redis(REDIS_URL);
  try {
    const text = await r.info('commandstats');
    const out = new Map<string, { calls: number; usec: number }>();
    for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm))
      out.set(m[1], { calls: Number(m[2]), usec: Number(m[3]) });
    return out;
  } finally {
    r.disconnect();
  }
}

/** Times every knex query of `ctx` by the start of its SQL (`BENCH_PROFILE=1`, workers in this process). */
function timeQueries(ctx: Context): { stop(): string } {
  const started = new Map<string, number>();
  const byKind = new Map<string, { n: number; ms: number }>();
  const kindOf = (q: { sql?: string }) =>
    String(q.sql ?? '?')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 38);
  const onQuery = (q: { __knexQueryUid: string }) => started.set(q.__knexQueryUid, performance.now());
  const onDone = (_r: unknown, q: { __knexQueryUid: string; sql?: string }) => {
    const t = started.get(q.__knexQueryUid);
    if (t === undefined) return;
    started.delete(q.__knexQueryUid);
    const k = kindOf(q);
    const e = byKind.get(k) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += performance.now() - t;
    byKind.set(k, e);
  };
  ctx.db.on('query', onQuery);
  ctx.db.on('query-response', onDone);
  ctx.db.on('query-error', (_e: unknown, q: { __knexQueryUid: string }) => started.delete(q.__knexQueryUid));
  return {
    stop() {
      ctx.db.off('query', onQuery);
      ctx.db.off('query-response', onDone);
      return [...byKind]
        .sort((a, b) => b[1].ms - a[1].ms)
        .slice(0, 14)
        .map(([k, e]) => `"${k}": ${e.n}, ${round(e.ms / e.n, 2)}, ${round(e.ms / 1000, 1)}`)
        .join('; ');
    },
  };
}

/** Set when the run is interrupted: the producer stops enqueueing. */
const stopping = { now: false };

async function measureFlow(spec: FlowSpec): Promise<Result[]> {
  const seconds = benchSeconds();
  const warmMs = warmupSeconds() * 1000;
  const k = knobs();
  const processes = Number(process.env.BENCH_WORKER_PROCESSES ?? WORKER_PROCESSES);
  return withDatabase({ migrate: true }, (url) =>
    withRedisPrefix(async (prefix) => {
      const t0 = performance.now();
      // The run's own PIN key, as PIN_KEY sets it in production (never DATA_DIR's pin.key).
      const pinKey = randomBytes(32).toString('hex');
      await seedWallets(url, pinKey);
      if (spec.merchants.length) {
        const db = createDb(url, 2);
        try {
          for (const code of spec.merchants)
            if (!(await createMerchant(db, keyringOf({ pinKey }), { code, name: `Bench shop ${code}` })))
              throw new Error(`could not create the merchant ${code}`);
        } finally {
          await db.destroy();
        }
      }
      log(`${spec.name}: ${WALLETS} wallets seeded in ${round((performance.now() - t0) / 1000, 1)} s`);
      const overrides: Partial<Config> = {
        databaseUrl: url,
        redisUrl: REDIS_URL,
        redisPrefix: prefix,
        logLevel: 'warn',
        pinKey,
        ...k,
      };
      const config = loadConfig({}, overrides);
      const ctx = await createContext(config, { workers: processes === 0, sweepEveryMs: 3_600_000 });
      if (processes === 0 && process.env.BENCH_RELAY === '0') await ctx.relay.stop(); // experiment only: no SMS relayed
      const sink: { fn: (d: Done) => void } = { fn: () => undefined };
      let workers: WorkerSide | null = null;
      const forget = onInterrupt(async () => {
        stopping.now = true;
        await workers?.close();
        await ctx.close();
      });
      try {
        workers =
          processes === 0
            ? inProcessWorkers(ctx, (d) => sink.fn(d))
            : await workerProcesses(processes, overrides, (d) => sink.fn(d));
        const w = workers;
        return await withCpuProfile(spec.name, () =>
          drive(spec, ctx, w, sink, { seconds, warmMs, k, database: new URL(url).pathname.slice(1) }),
        );
      } finally {
        forget();
        await workers?.close();
        await ctx.close();
      }
    }),
  );
}

async function drive(
  spec: FlowSpec,
  ctx: Context,
  workers: WorkerSide,
  sink: { fn: (d: Done) => void },
  o: { seconds: number; warmMs: number; k: Knobs; database: string },
): Promise<Result[]> {
  const run = randomBytes(3).toString('hex');
  const window: Tally = { ok: 0, refused: 0, refusals: new Map(), latencies: [] };
  let okTotal = 0;
  let wrongPinsRefused = 0;
  let outstanding = 0;
  let sent = 0;
  let wrongPinsSent = 0;
  let wake: (() => void) | null = null;
  const start = performance.now();
  const measureFrom = Date.now() + o.warmMs;
  const measureTo = measureFrom + o.seconds * 1000;

  sink.fn = (d) => {
    outstanding--;
    if (d.ok) okTotal++;
    else if (d.code === 'wrong_pin') wrongPinsRefused++;
    if (d.at >= measureFrom && d.at < measureTo) {
      if (d.ok) window.ok++;
      else {
        window.refused++;
        window.refusals.set(d.code ?? 'unknown', (window.refusals.get(d.code ?? 'unknown') ?? 0) + 1);
      }
      if (window.latencies.length < 2_000_000) window.latencies.push(d.latencyMs);
    }
    if (wake && outstanding <= IN_FLIGHT - CHUNK) {
      const w = wake;
      wake = null;
      w();
    }
  };

  const profile = process.env.BENCH_PROFILE === '1';
  const statsBefore = profile ? await redisCommandStats() : null;
  const sql = profile ? timeQueries(ctx) : null;
  // Sampled every 1 ms: the histogram holds the whole interval, so 1 ms is subtracted when reported.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const cpuBefore = process.cpuUsage();
  // CPU of each program over the measured window exactly, so that per-command figures match the rate.
  const programs = () =>
    cpuOfPrograms(
      o.database,
      ['node', 'workers', 'postgres', 'redis'],
      Object.fromEntries(workers.pids.map((pid) => [pid, 'workers'])),
    );
  let machineBefore = await programs();
  let windowStarted = performance.now();
  const pinChecksBefore = keyringOf(ctx.config).verifications;
  log(
    `${spec.name}: producing for ${o.warmMs / 1000}+${o.seconds} s, ${IN_FLIGHT} outstanding, chunks of ${CHUNK}, ` +
      `${workers.processes ? `${workers.processes} worker process(es)` : 'workers in this process'}; knobs ${JSON.stringify(o.k)}`,
  );

  // The producer: keep IN_FLIGHT commands outstanding until the window closes.
  let marked = false;
  for (;;) {
    const now = Date.now();
    if (!marked && now >= measureFrom) {
      workers.mark();
      marked = true;
      machineBefore = await programs();
      windowStarted = performance.now();
    }
    if (now >= measureTo || stopping.now) break;
    const dead = workers.error();
    if (dead) throw dead;
    if (outstanding > IN_FLIGHT - CHUNK) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 20); // re-check the clock even if nothing completes
      });
      wake = null;
      continue;
    }
    const chunk: Command[] = [];
    for (let i = 0; i < CHUNK; i++) {
      const command = spec.make(`bench:${run}:${sent + i}`);
      if ((command.input as { pin?: string }).pin === WRONG_PIN) wrongPinsSent++;
      chunk.push(command);
    }
    outstanding += chunk.length;
    sent += chunk.length;
    await ctx.bus.sendMany(chunk);
  }
  if (!marked) workers.mark();
  workers.mark();
  const cpu = process.cpuUsage(cpuBefore);
  const elapsed = (performance.now() - start) / 1000;
  const cores = coresByName(machineBefore, await programs(), (performance.now() - windowStarted) / 1000);
  const machine = [...cores].map(([name, c]) => `${name} ${c.toFixed(2)}`).join(', ');
  const statsAfter = profile ? await redisCommandStats() : null;
  loopDelay.disable();
  const sqlReport = sql?.stop();

  // Every command sent must come back with its result.
  const drainDeadline = Date.now() + 60_000;
  while (outstanding > 0 && Date.now() < drainDeadline && !workers.error()) await sleep(50);
  if (workers.error()) throw workers.error();
  if (outstanding > 0)
    throw new Error(`${spec.name}: ${outstanding} of ${sent} commands had no result 60 s after the run`);
  const sizes = await workers.batchSizes();
  const failedAttempts = workers.failedAttempts();

  const check = await checkLedger(ctx.db);
  if (!check.balanced) {
    throw new Error(
      `${spec.name}: THE LEDGER IS NOT BALANCED after the run: ${JSON.stringify(check).slice(0, 2000)}`,
    );
  }
  const posted = Number(
    (
      await ctx.db.raw('SELECT count(*)::int AS n FROM transfers WHERE kind = ? AND command_key LIKE ?', [
        spec.kind,
        `bench:${run}:%`,
      ])
    ).rows[0].n,
  );
  const stored = Number(
    (await ctx.db.raw('SELECT count(*)::int AS n FROM commands WHERE key LIKE ?', [`bench:${run}:%`])).rows[0]
      .n,
  );
  if (posted !== okTotal || stored !== sent) {
    throw new Error(
      `${spec.name}: results and ledger disagree: ${okTotal} successes seen, ${posted} ${spec.kind} transfers posted; ` +
        `${sent} commands sent, ${stored} results stored`,
    );
  }
  // Wrong PINs sent on purpose are refused `wrong_pin`; a right PIN never is, and other refusals stay rare.
  const expected = window.refusals.get('wrong_pin') ?? 0;
  if (window.refused - expected > window.ok / 100 || wrongPinsRefused > wrongPinsSent) {
    throw new Error(
      `${spec.name}: too many refusals (${window.refused} of ${window.ok + window.refused}, ${wrongPinsSent} wrong PINs sent, ` +
        `${wrongPinsRefused} refused as wrong): ${JSON.stringify([...window.refusals])}` +
        (wrongPinsRefused > wrongPinsSent
          ? '; right PINs were refused: do the commands check PINs with the keyring?'
          : ''),
    );
  }
  // Production verification, not a shortcut: the workers' keyring checked every command's PIN.
  const pinChecks = keyringOf(ctx.config).verifications - pinChecksBefore;
  if (!workers.processes && pinChecks < sent)
    throw new Error(
      `${spec.name}: the workers' keyring verified ${pinChecks} PINs for ${sent} commands: PINs are not checked the keyed way`,
    );

  const perSecond = window.ok / o.seconds;
  const perCommand = cpuPerOperation(cores, (window.ok + window.refused) / o.seconds);
  const p50 = percentile(window.latencies, 50);
  const p99 = percentile(window.latencies, 99);
  const mean = sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length);
  log(
    `${spec.name}: ${window.ok} ok + ${window.refused} refused in the ${o.seconds} s window = ${round(perSecond, 0)}/s; ` +
      `${sizes.length} batches, size p50 ${percentile(sizes, 50)} p99 ${percentile(sizes, 99)} mean ${round(mean, 1)}; ` +
      `latency p50 ${p50} ms p99 ${p99} ms; ${sent} sent in ${round(elapsed, 1)} s; ${failedAttempts} failed attempts; ` +
      `producer process ${round((cpu.user + cpu.system) / 1e6 / elapsed, 2)} cores; cores over the window: ${machine}; ` +
      `CPU ms per command: ${perCommand}; ${workers.processes ? 'keyed PIN checks not counted (they ran in the worker processes)' : `${pinChecks} keyed PIN checks`}; ledger balanced (${check.transfers} transfers)`,
  );
  log(
    `${spec.name}: producer event-loop delay (beyond the 1 ms sampling) p50 ${round(Math.max(0, loopDelay.percentile(50) / 1e6 - 1), 1)} ms ` +
      `p99 ${round(Math.max(0, loopDelay.percentile(99) / 1e6 - 1), 1)} ms max ${round(loopDelay.max / 1e6 - 1, 1)} ms`,
  );
  if (sqlReport)
    log(`${spec.name}: SQL from this process (statement: count, mean ms, total s): ${sqlReport}`);
  if (statsBefore && statsAfter) {
    const rows = [...statsAfter]
      .map(([name, s]) => {
        const b = statsBefore.get(name) ?? { calls: 0, usec: 0 };
        return { name, calls: s.calls - b.calls, usec: s.usec - b.usec };
      })
      .filter((r) => r.calls > 0)
      .sort((a, b) => b.usec - a.usec)
      .slice(0, 12);
    log(
      `${spec.name}: Redis commandstats over the run (name calls ms-of-Redis-CPU calls-per-command): ` +
        rows
          .map((r) => `${r.name} ${r.calls} ${round(r.usec / 1000, 0)}ms ${round(r.calls / sent, 2)}`)
          .join('; '),
    );
  }

  const knobText =
    `partitions ${o.k.commandPartitions}, concurrency ${o.k.workerConcurrency}, batchMax ${o.k.batchMax}, in flight ${o.k.batchesInFlight}, ` +
    `batchWaitMs ${o.k.batchWaitMs}, pool ${o.k.dbPoolMax}`;
  const where = workers.processes
    ? `${workers.processes} worker process(es) + producer`
    : 'workers in the producer process';
  return [
    {
      name: spec.name,
      value: round(perSecond, 0),
      unit: spec.kind === 'payment' ? 'payments/s' : 'transfers/s',
      // The runner sets the reference and the ratio: the mean of the pgbench runs before and after this one.
      referenceName: spec.reference,
      aim: `>= ${spec.aim.toFixed(1)}`,
      note:
        `batch p50 ${percentile(sizes, 50)} p99 ${percentile(sizes, 99)}; enqueue→result p50 ${p50} ms p99 ${p99} ms; ` +
        `${IN_FLIGHT} outstanding; ${knobText}; ${where}; ` +
        (process.env.BENCH_RELAY === '0' ? 'OUTBOX RELAY OFF (experiment); ' : '') +
        (spec.wrongPins
          ? `${spec.wrongPins * 100} % wrong PINs sent (${window.refusals.get('wrong_pin') ?? 0} refused in the window, not in the rate); `
          : '') +
        `PINs keyed (pvv1 HMAC under the run's PIN key, production); CPU ms per command: ${perCommand}; ledger balanced`,
    },
  ];
}

export const ledgerTransfers: Benchmark = {
  name: 'ledger.transfers',
  around: ['ledger.ceiling'],
  run: () => measureFlow(transfers),
};

export const ledgerPayments: Benchmark = {
  name: 'ledger.payments',
  around: ['ledger.ceiling'],
  run: () => measureFlow(payments),
};

export const ledgerHotMerchant: Benchmark = {
  name: 'ledger.hot_merchant',
  around: ['ledger.ceiling_hot'],
  run: () => measureFlow(hotMerchant),
};
