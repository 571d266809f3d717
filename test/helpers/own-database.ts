/**
 * A database of a test's own, migrated, on the run's PostgreSQL server. For tests whose subject acts on
 * every row of the ledger rather than on one account (the scheduled sweep, run with a clock moved days
 * ahead): in the run's shared database they would void the holds and unfreeze the wallets of every other
 * test. Here they see their own accounts only. `drop()` it in `after`.
 */
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { createDb, migrate } from '../../src/lib/db.js';
import { testEnv } from './setup.js';

export interface OwnDatabase {
  url: string;
  drop(): Promise<void>;
}

async function admin(sql: string): Promise<void> {
  const db = knexFactory({ client: 'pg', connection: testEnv().adminUrl, pool: { min: 0, max: 1 } });
  try {
    await db.raw(sql);
  } finally {
    await db.destroy();
  }
}

/** `label`: lower-case letters, digits and `_`, to tell the database apart in `\l`. */
export async function createOwnDatabase(label: string): Promise<OwnDatabase> {
  if (!/^[a-z0-9_]{1,20}$/.test(label)) throw new Error(`bad database label: ${label}`);
  const shared = new URL(testEnv().databaseUrl);
  const name = `${shared.pathname.slice(1)}_${label}_${randomBytes(3).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(shared);
  url.pathname = `/${name}`;
  const db = createDb(url.toString(), 2);
  try {
    await migrate(db);
  } finally {
    await db.destroy();
  }
  return {
    url: url.toString(),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
