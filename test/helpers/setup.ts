/**
 * Root hooks: every test run gets its own PostgreSQL database and Redis key prefix, and removes them at
 * the end, so runs never collide. Tests read them from `testEnv()`.
 */
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { Redis } from 'ioredis';
import { createDb, migrate } from '../../src/lib/db.js';

const adminUrl = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = `${process.pid}_${randomBytes(3).toString('hex')}`;
const database = `fen_test_${runId}`;
const pinKey = randomBytes(32).toString('hex');

export interface TestEnv {
  databaseUrl: string;
  redisUrl: string;
  /** The run's Redis prefix; each test adds its own part to it. */
  redisPrefix: string;
  adminUrl: string;
  /** The run's PIN_KEY (hex): made per run, like the database. */
  pinKey: string;
}

export function testEnv(): TestEnv {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return { databaseUrl: url.toString(), redisUrl, redisPrefix: `fentest_${runId}`, adminUrl, pinKey };
}

async function admin<T>(work: (db: ReturnType<typeof knexFactory>) => Promise<T>): Promise<T> {
  const db = knexFactory({ client: 'pg', connection: adminUrl, pool: { min: 0, max: 1 } });
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60_000);
    await admin((db) => db.raw(`CREATE DATABASE ${database}`));
    const db = createDb(testEnv().databaseUrl, 2);
    await migrate(db);
    await db.destroy();
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await admin((db) => db.raw(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
    const redis = new Redis(redisUrl);
    const prefix = testEnv().redisPrefix;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  },
};
