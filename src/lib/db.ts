/** The knex instance. PostgreSQL `bigint` columns come back as JS `bigint`, never as a float or a string. */
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { fileURLToPath } from 'node:url';

pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => BigInt(value));

export type Db = Knex;
export type Trx = Knex.Transaction;

export const migrationsDirectory = fileURLToPath(new URL('../ledger/migrations', import.meta.url));

export function knexConfig(databaseUrl: string, poolMax = 16): Knex.Config {
  return {
    client: 'pg',
    connection: databaseUrl,
    pool: { min: 0, max: poolMax },
    migrations: { directory: migrationsDirectory, loadExtensions: ['.ts'], tableName: 'knex_migrations' },
  };
}

export function createDb(databaseUrl: string, poolMax = 16): Db {
  return knexFactory(knexConfig(databaseUrl, poolMax));
}

/** Creates and migrates the schema; a second run is a no-op. */
export async function migrate(db: Db): Promise<void> {
  await db.migrate.latest();
}

type Scalar = string | number | bigint | boolean | null | undefined;

/**
 * A PostgreSQL array literal for `unnest(?::type[])` bindings. Knex expands a JS array bound in raw SQL
 * into a list of placeholders, so arrays travel as one text value instead.
 */
export function pgArray(values: readonly Scalar[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i) out += ',';
    if (v === null || v === undefined) out += 'NULL';
    else if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') out += String(v);
    else {
      // Batches bind tens of thousands of values: only the rare string with a quote or backslash is escaped.
      const text = String(v);
      out += NEEDS_ESCAPE.test(text) ? `"${text.replace(/[\\"]/g, '\\$&')}"` : `"${text}"`;
    }
  }
  return `${out}}`;
}

const NEEDS_ESCAPE = /[\\"]/;
