/**
 * What every benchmark shares: a database and a Redis prefix of its own (removed at the end, even on
 * failure), the run's length, percentiles, and the shape of a result line.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createDb, migrate } from '../src/lib/db.js';

export const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** One line of the table and of `bench/results.json`. */
export interface Result {
  name: string;
  value: number;
  unit: string;
  /** The name of the reference this result is compared with (measured in the same run). */
  referenceName?: string;
  reference?: number;
  ratio?: number;
  /** What the ratio should reach: `>= x` or `<= x`. */
  aim?: string;
  note?: string;
  /**
   * Milliseconds of CPU the server under test spent per request (the gateway; a noop reference's own
   * server): a bracketed result's note gives it against its reference's, a ratio the tails do not move.
   */
  serverCpu?: number;
}

/** What a benchmark reads of the results measured before it (its references). */
export type Results = ReadonlyMap<string, Result>;

export interface Benchmark {
  name: string;
  /** Names of the benchmarks whose values this one uses as reference: run first. */
  needs?: string[];
  /**
   * References measured right before and right after this one (the disk's commit rate swings, BENCH.md):
   * the runner sets `reference` of each result naming one of them (`referenceName`) to the mean of the
   * two runs, and its `ratio`. Benchmarks next to each other share the run between them.
   */
  around?: string[];
  /** Several results may come from one run (e.g. a ceiling and its hot variant). */
  provides?: string[];
  run(results: Results): Promise<Result[]>;
}

/**
 * The Node flags the gateway child runs with: those `npm start` gives it (package.json's `start`: the
 * tokens between `node` and `--import`), so the benchmarks measure the gateway as it is shipped.
 * `BENCH_GATEWAY_NODE_FLAGS` replaces them (a space: none), for experiments.
 */
export function gatewayNodeFlags(): string[] {
  const override = process.env.BENCH_GATEWAY_NODE_FLAGS;
  if (override !== undefined) return override.split(' ').filter(Boolean);
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const words = String(pkg.scripts?.start ?? '').split(/\s+/);
  const end = words.indexOf('--import');
  return words[0] === 'node' && end > 0 ? words.slice(1, end) : [];
}

/** Seconds a measured window lasts (`BENCH_SECONDS`, default 20 as spec/BENCH.md says). */
export function benchSeconds(fallback = 20): number {
  const raw = process.env.BENCH_SECONDS;
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`BENCH_SECONDS must be a positive number (got ${raw})`);
  return n;
}

/** Seconds of warm-up before a measured window (`BENCH_WARMUP_SECONDS`, default 2). */
export function warmupSeconds(): number {
  const raw = process.env.BENCH_WARMUP_SECONDS;
  const n = raw === undefined || raw === '' ? 2 : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : 2;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Nearest-rank percentile of unsorted numbers (sorts a copy). */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** What exists now and must go if the run is interrupted (Ctrl-C, SIGTERM): finally blocks do not run then. */
const live = {
  databases: new Set<string>(),
  prefixes: new Set<string>(),
  stoppers: new Set<() => Promise<unknown>>(),
};
let interrupted = false;
async function cleanUpAndExit(signal: NodeJS.Signals): Promise<void> {
  if (interrupted) return;
  interrupted = true;
  log(`${signal}: stopping, then removing ${[...live.databases, ...live.prefixes].join(', ') || 'nothing'}`);
  // Stop what writes (workers, producers) first, or it recreates keys after they are removed.
  const timeout = sleep(10_000);
  await Promise.race([Promise.allSettled([...live.stoppers].map((stop) => stop())), timeout]);
  await Promise.allSettled([...live.databases].map((d) => dropDatabase(d)));
  await Promise.allSettled([...live.prefixes].map((p) => removeRedisPrefix(p)));
  process.exit(130);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, (s) => void cleanUpAndExit(s));

/** Registers `stop` to run if the run is interrupted, before its database and prefix go; returns the unregister. */
export function onInterrupt(stop: () => Promise<unknown>): () => void {
  live.stoppers.add(stop);
  return () => live.stoppers.delete(stop);
}

async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } catch (err) {
    log(`could not drop database ${name}: ${(err as Error).message}`);
  } finally {
    await admin.end();
  }
}

/** A fresh database `bench_<random>` (optionally migrated with the project's migrations), dropped after `work`. */
export async function withDatabase<T>(
  options: { migrate: boolean },
  work: (url: string) => Promise<T>,
): Promise<T> {
  const name = `bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  live.databases.add(name);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  try {
    if (options.migrate) {
      const db = createDb(url.toString(), 2);
      try {
        await migrate(db);
      } finally {
        await db.destroy();
      }
    }
    return await work(url.toString());
  } finally {
    await dropDatabase(name);
    live.databases.delete(name);
  }
}

/** A fresh Redis key prefix `bench_<random>`; every key under it is removed after `work`. */
export async function withRedisPrefix<T>(work: (prefix: string) => Promise<T>): Promise<T> {
  const prefix = `bench_${randomBytes(5).toString('hex')}`;
  live.prefixes.add(prefix);
  try {
    return await work(prefix);
  } finally {
    await removeRedisPrefix(prefix);
    live.prefixes.delete(prefix);
  }
}

export async function removeRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 5000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } catch (err) {
    log(`could not clean Redis prefix ${prefix}: ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

/**
 * `BENCH_CPU_PROF=DIR`: writes a V8 CPU profile of this process for `work` only (the measured part of
 * one benchmark, not its set-up nor the other benchmarks) to `DIR/<name>.cpuprofile`.
 */
export async function withCpuProfile<T>(name: string, work: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return work();
  const { Session } = await import('node:inspector/promises');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    const file = `${dir}/${name}.cpuprofile`;
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    log(`CPU profile written to ${file}`);
  }
}

/**
 * CPU seconds (user+system) used so far by each process, with its command name (Linux `/proc`). With
 * `database`, PostgreSQL backends connected to another database are named `other`: the machine is shared,
 * and someone else's tests must not count as this benchmark's PostgreSQL time (the server's own
 * processes, WAL writer and checkpointer, still count: every commit uses them).
 */
export async function cpuByCommand(
  database?: string,
): Promise<Map<string, { name: string; seconds: number }>> {
  const out = new Map<string, { name: string; seconds: number }>();
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
      let name =
        comm.startsWith('postgres') || comm.startsWith('postmaster')
          ? 'postgres'
          : comm.replace(/[/:-].*$/, '');
      if (database && name === 'postgres' && !backendOf(pid, database)) name = 'other';
      out.set(pid, { name, seconds: ticks / 100 });
    } catch {
      /* the process ended meanwhile */
    }
  }
  return out;
}

/**
 * `cpuByCommand(database)` reduced to the programs a benchmark involves: this process is `node` (other
 * Node processes on the machine are not ours), `rename` names more processes by pid, and every process
 * whose name is not in `programs` is `other`.
 */
export async function cpuOfPrograms(
  database: string,
  programs: readonly string[],
  rename: Record<number, string> = {},
): Promise<Map<string, { name: string; seconds: number }>> {
  const now = await cpuByCommand(database);
  const byPid: Record<string, string> = { ...rename, [process.pid]: 'node' };
  for (const [pid, entry] of now) {
    const name = byPid[pid] ?? (entry.name === 'node' ? 'other' : entry.name);
    entry.name = programs.includes(name) ? name : 'other';
  }
  return now;
}

/** Whether a PostgreSQL process is a server process or a backend of `database` (its title names it). */
function backendOf(pid: string, database: string): boolean {
  try {
    // A backend's title: `postgres: 15/main: <user> <database> <client> <state>`.
    const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    const client = /: (\S+) (\S+) ([\w.:]+\(\d+\)|\[local\])/.exec(title);
    return !client || client[2] === database;
  } catch {
    return true;
  }
}

/**
 * The cores each command name used between two `cpuByCommand()` readings, busiest first. Processes
 * that ended in between are not counted (their time is lost); processes started in between count whole.
 */
export function coresBetween(
  before: Map<string, { name: string; seconds: number }>,
  after: Map<string, { name: string; seconds: number }>,
  seconds: number,
): string {
  return [...coresByName(before, after, seconds)]
    .filter(([, cores]) => cores >= 0.02)
    .map(([name, cores]) => `${name} ${cores.toFixed(2)}`)
    .join(', ');
}

/** `coresBetween` as numbers, busiest first. */
export function coresByName(
  before: Map<string, { name: string; seconds: number }>,
  after: Map<string, { name: string; seconds: number }>,
  seconds: number,
): Map<string, number> {
  const byName = new Map<string, number>();
  for (const [pid, a] of after) {
    const used = a.seconds - (before.get(pid)?.seconds ?? 0);
    byName.set(a.name, (byName.get(a.name) ?? 0) + used / seconds);
  }
  return new Map([...byName].sort((a, b) => b[1] - a[1]));
}

/** Milliseconds of CPU `program` spent per operation (undefined when it was not measured). */
export function cpuPerOperationOf(
  cores: Map<string, number>,
  perSecond: number,
  program: string,
): number | undefined {
  const c = cores.get(program);
  return c === undefined || !perSecond ? undefined : (c / perSecond) * 1000;
}

/**
 * CPU ms per operation of each program at `perSecond` operations a second (`other`, the rest of the
 * machine, left out), then their sum: `pgbench 0.04 ms, postgres 0.41 ms; all 0.45 ms`.
 */
export function cpuPerOperation(cores: Map<string, number>, perSecond: number): string {
  if (!perSecond) return '';
  const own = [...cores].filter(([name, c]) => name !== 'other' && c >= 0.01);
  const ms = (c: number) => ((c / perSecond) * 1000).toFixed(3);
  const all = own.reduce((sum, [, c]) => sum + c, 0);
  // What the rest of the shared machine used meanwhile: a busy neighbour explains a low rate.
  const other = cores.get('other') ?? 0;
  return (
    `${own.map(([name, c]) => `${name} ${ms(c)}`).join(', ')}; all ${ms(all)} ms` +
    (other >= 0.05 ? ` (the rest of the machine busy meanwhile: ${other.toFixed(2)} cores)` : '')
  );
}
