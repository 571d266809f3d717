/**
 * The zero-configuration start (src/lib/services.ts) against real processes: an embedded PostgreSQL in a
 * temporary directory, and a redis-server the helper starts itself. Nothing here touches the machine's own
 * PostgreSQL or Redis.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import pg from 'pg';
import { ensureDatabase, ensureRedis } from '../../src/lib/services.js';

const quiet = () => undefined;

async function tempDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  // mkdtemp makes it 0700; as root the embedded server runs as `postgres` and must be able to enter it.
  await fs.chmod(dir, 0o755);
  return dir;
}

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** A pid that surely belongs to no process: one that just exited. */
function deadPid(): number {
  return spawnSync('true').pid ?? 999_999;
}

// Each test has a data directory of its own: none relies on what another left there.
describe('services: embedded PostgreSQL', function () {
  this.timeout(120_000);
  let dataDir: string;
  let stops: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    dataDir = await tempDir('fen-services-pg-');
  });

  afterEach(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    stops = [];
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('returns a configured DATABASE_URL unchanged and starts nothing', async () => {
    const db = await ensureDatabase({ databaseUrl: 'postgres://x@db:5432/fen', dataDir, log: quiet });
    expect(db.url).to.equal('postgres://x@db:5432/fen');
    await db.stop();
    expect(await fs.readdir(dataDir)).to.deep.equal([]);
  });

  it('initialises, starts, answers, stops, and starts again on the same directory', async () => {
    const messages: string[] = [];
    const first = await ensureDatabase({ dataDir, log: (m) => messages.push(m) });
    stops.push(first.stop);
    expect(first.url).to.match(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/fen$/);
    expect(messages.some((m) => m.includes('initialising'))).to.equal(true);
    expect(await query(first.url, 'select 1 as one')).to.deep.equal([{ one: 1 }]);
    const [enc] = await query(first.url, 'show server_encoding');
    expect(enc?.server_encoding).to.equal('UTF8');
    await query(first.url, 'create table kept (v text)');
    await query(first.url, "insert into kept values ('余额')");
    await first.stop();

    // The server is really down once stop() resolves.
    let refused = false;
    await query(first.url, 'select 1').catch(() => {
      refused = true;
    });
    expect(refused).to.equal(true);

    messages.length = 0;
    const second = await ensureDatabase({ dataDir, log: (m) => messages.push(m) });
    stops.push(second.stop);
    expect(messages.some((m) => m.includes('initialising'))).to.equal(false);
    expect(await query(second.url, 'select v from kept')).to.deep.equal([{ v: '余额' }]);
    await second.stop();
  });

  it('removes a stale postmaster.pid left by a killed run', async () => {
    // A directory a run initialised and stopped, then a pid file as a killed run leaves it.
    const earlier = await ensureDatabase({ dataDir, log: quiet });
    stops.push(earlier.stop);
    await earlier.stop();
    const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
    expect(existsSync(pidFile)).to.equal(false);
    await fs.writeFile(pidFile, `${deadPid()}\n${path.join(dataDir, 'pg')}\n0\n54329\n`);
    const messages: string[] = [];
    const db = await ensureDatabase({ dataDir, log: (m) => messages.push(m) });
    stops.push(db.stop);
    expect(messages.some((m) => m.includes('stale'))).to.equal(true);
    expect(await query(db.url, 'select 1 as one')).to.deep.equal([{ one: 1 }]);
    await db.stop();
  });

  it('shares a server another process already runs on the same directory', async () => {
    const owner = await ensureDatabase({ dataDir, log: quiet });
    stops.push(owner.stop);
    const guest = await ensureDatabase({ dataDir, log: quiet });
    expect(guest.url).to.equal(owner.url);
    await guest.stop(); // a no-op: the guest did not start it
    expect(await query(owner.url, 'select 1 as one')).to.deep.equal([{ one: 1 }]);
    await owner.stop();
  });
});

describe('services: Redis', function () {
  this.timeout(30_000);
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await tempDir('fen-services-redis-');
  });

  afterEach(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('refuses an explicit REDIS_URL where nothing answers, saying how to get Redis', async () => {
    let error: Error | undefined;
    try {
      await ensureRedis({ redisUrl: 'redis://127.0.0.1:1', explicit: true, dataDir, log: quiet });
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).to.include('redis://127.0.0.1:1');
    expect(error?.message).to.include('REDIS_URL');
    expect(error?.message).to.include('apt-get install redis-server');
  });

  it('says how to get Redis when nothing answers and redis-server is not installed', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    let error: Error | undefined;
    try {
      await ensureRedis({ redisUrl: 'redis://127.0.0.1:1', explicit: false, dataDir, log: quiet });
    } catch (err) {
      error = err as Error;
    } finally {
      process.env.PATH = path;
    }
    expect(error?.message).to.include('redis-server is not installed');
    expect(error?.message).to.include('apt-get install redis-server');
    expect(error?.message).to.include('REDIS_URL');
  });

  it('starts its own redis-server when the default URL does not answer', async () => {
    const redis = await ensureRedis({
      redisUrl: 'redis://127.0.0.1:1',
      explicit: false,
      dataDir,
      log: quiet,
    });
    const client = new Redis(redis.url, { lazyConnect: true });
    try {
      await client.connect();
      expect(await client.ping()).to.equal('PONG');
      const [, policy] = (await client.config('GET', 'maxmemory-policy')) as string[];
      expect(policy).to.equal('noeviction');

      // A second process of the same installation finds it instead of starting another.
      const again = await ensureRedis({
        redisUrl: 'redis://127.0.0.1:1',
        explicit: false,
        dataDir,
        log: quiet,
      });
      expect(again.url).to.equal(redis.url);
      await again.stop();
      expect(await client.ping()).to.equal('PONG');
    } finally {
      client.disconnect();
      await redis.stop();
    }
    const probe = new Redis(redis.url, { lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => undefined);
    const down = await probe.connect().then(
      () => false,
      () => true,
    );
    probe.disconnect();
    expect(down).to.equal(true);
  });
});
