import { expect } from 'chai';
import { createDb, type Db, pgArray } from '../../../src/lib/db.js';
import { testEnv } from '../../helpers/setup.js';

describe('pgArray (array literals for unnest bindings)', () => {
  let db: Db;
  before(() => {
    db = createDb(testEnv().databaseUrl, 2);
  });
  after(() => db.destroy());

  it('pgArray – text with quotes, backslashes, commas, braces, blanks and NULL – reaches PostgreSQL unchanged', async () => {
    const values = [
      'plain',
      'a "quote"',
      'back\\slash',
      'a,b',
      '{x}',
      ' padded ',
      '',
      'NULL',
      '中文¥12.50',
      null,
    ];
    const { rows } = await db.raw('SELECT unnest(?::text[]) AS v', [pgArray(values)]);
    expect(rows.map((r: { v: string | null }) => r.v)).to.deep.equal(values);
  });

  it('pgArray – numbers, bigints and booleans – are read as such', async () => {
    const { rows } = await db.raw('SELECT unnest(?::bigint[]) AS n, unnest(?::boolean[]) AS b', [
      pgArray([1n, -2n, 9007199254740993n]),
      pgArray([true, false, true]),
    ]);
    expect(rows.map((r: { n: bigint }) => r.n)).to.deep.equal([1n, -2n, 9007199254740993n]);
    expect(rows.map((r: { b: boolean }) => r.b)).to.deep.equal([true, false, true]);
  });
});
