/**
 * The command rows (`commands`, `command_batches`): each command's result stored under its key in the
 * transaction of its effects, so a retry of the key gets the stored result and nothing runs twice.
 */
import { type Db, pgArray, type Trx } from '../lib/index.js';
import type { Refusal } from './refusals.js';

/** A command's outcome, stored under its key: a refusal is a result too, returned to every retry. */
export type CommandResult = { ok: true; value: Record<string, unknown> } | { ok: false; error: Refusal };

/** A transaction's claim on its commands' rows. */
export interface Claim {
  /** What is stored under the keys this transaction could not claim (another committed them first). */
  prior: Map<string, { hash: string; result: CommandResult }>;
  /** The `command_batches` row the claimed rows point at, and each claimed key's slot in it. */
  batchId: string | null;
  slots: Map<string, number>;
}

/**
 * Claims the command rows of these keys (ON CONFLICT DO NOTHING) before anything is applied, and
 * reads what is stored under the keys it could not claim. A claim is a row whose result is not yet
 * written, visible to nobody until this transaction commits; a concurrent batch claiming the same key
 * waits on it and then finds the result, so the same key is never applied twice and never aborts a
 * batch. Each claimed row points at a slot of the batch's results row (`setResults`).
 */
export async function claim(trx: Trx, items: { key: string; type: string; hash: string }[]): Promise<Claim> {
  const none: Claim = { prior: new Map(), batchId: null, slots: new Map() };
  if (!items.length) return none;
  const { rows: claimed } = await trx.raw(
    `WITH b AS (SELECT nextval(pg_get_serial_sequence('command_batches', 'id')) AS id)
     INSERT INTO commands (key, type, payload_hash, batch_id, slot)
     SELECT k.key, k.type, k.hash, b.id, k.n - 1
       FROM unnest(?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS k(key, type, hash, n), b
     ON CONFLICT (key) DO NOTHING RETURNING key, batch_id, slot`,
    [pgArray(items.map((i) => i.key)), pgArray(items.map((i) => i.type)), pgArray(items.map((i) => i.hash))],
  );
  const rows = claimed as { key: string; batch_id: bigint; slot: number }[];
  const slots = new Map(rows.map((r) => [r.key, r.slot]));
  const others = items.filter((i) => !slots.has(i.key)).map((i) => i.key);
  return {
    prior: others.length ? await storedResults(trx, others) : new Map(),
    batchId: rows.length ? String(rows[0].batch_id) : null,
    slots,
  };
}

/** Writes the claimed commands' results: one row for the batch, its results by slot. */
export async function setResults(
  trx: Trx,
  claimed: Claim,
  rows: { key: string; result: CommandResult }[],
): Promise<void> {
  if (claimed.batchId === null || !rows.length) return;
  const results: (CommandResult | null)[] = new Array(Math.max(...claimed.slots.values()) + 1).fill(null);
  for (const r of rows) {
    const slot = claimed.slots.get(r.key);
    if (slot === undefined) throw new Error(`command ${r.key} was not claimed by this transaction`);
    results[slot] = r.result;
  }
  await trx.raw('INSERT INTO command_batches (id, results) VALUES (?, ?::jsonb)', [
    claimed.batchId,
    JSON.stringify(results),
  ]);
}

/** The stored results (and fingerprints) of these command keys, where they have one. */
export async function storedResults(
  db: Db | Trx,
  keys: readonly string[],
): Promise<Map<string, { hash: string; result: CommandResult }>> {
  const { rows } = await db.raw(
    `SELECT c.key, c.payload_hash, coalesce(c.result, b.results -> c.slot) AS result
       FROM commands c LEFT JOIN command_batches b ON b.id = c.batch_id
      WHERE c.key = ANY(?::text[])`,
    [pgArray([...keys])],
  );
  return new Map(
    (rows as { key: string; payload_hash: string; result: CommandResult }[]).map((r) => [
      r.key,
      { hash: r.payload_hash, result: r.result },
    ]),
  );
}
