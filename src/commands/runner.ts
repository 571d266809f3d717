/**
 * Runs commands against the ledger, exactly once per key. Batched commands (money movements) meet in
 * a Batcher and are applied many to one database transaction; the others run one by one. Either way
 * the result, refusal or success, is stored under the command's key in the same transaction as its
 * effects, so a retry (a duplicate enqueue, a job re-delivered after a crash) returns the stored result
 * and never applies twice.
 */
import type { Config } from '../config/index.js';
import { Batcher } from '../lib/batcher.js';
import { type Db, pgArray, type Trx } from '../lib/db.js';
import { logger } from '../lib/logger.js';
import type { BookOptions } from '../ledger/book.js';
import { loadBook, writeBook } from '../ledger/book-store.js';
import { RefusalError, refusals } from '../ledger/refusals.js';
import {
  type Command,
  type CommandResult,
  type CommandType,
  commandSchemas,
  isCommandType,
} from './catalog.js';
import type { BatchedCommand, Needs, Prepared, SinglePrepared } from './command.js';
import { payloadHash } from './fingerprint.js';
import { registry } from './registry.js';

interface BatchItem {
  key: string;
  type: CommandType;
  hash: string;
  input: unknown;
  prepared: Prepared;
}

/** A command whose payload does not parse can never succeed: the queue must not retry it. */
export class InvalidCommandError extends Error {}

export class CommandRunner {
  private readonly batcher: Batcher<BatchItem, CommandResult>;
  private readonly readBatchers = new Map<CommandType, Batcher<unknown, CommandResult>>();

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.batcher = new Batcher((items) => this.applyBatch(items), {
      max: config.batchMax,
      waitMs: config.batchWaitMs,
      maxInFlight: config.batchesInFlight,
    });
  }

  /** Reads of one type that arrive while the previous query of that type runs share the next one. */
  private readBatcher(type: CommandType): Batcher<unknown, CommandResult> {
    let batcher = this.readBatchers.get(type);
    if (!batcher) {
      const module = registry[type];
      const runMany = module.kind === 'single' ? module.runMany : undefined;
      if (!runMany) throw new Error(`${type} has no batch form`);
      batcher = new Batcher(
        async (inputs) => {
          const outcomes = await runMany(this.db, inputs as never[], {
            config: this.config,
            now: this.clock(),
          });
          return outcomes.map(
            (o): CommandResult =>
              o instanceof RefusalError ? { ok: false, error: o.refusal } : { ok: true, value: o },
          );
        },
        { max: 500, waitMs: 0, maxInFlight: 2, isolateFailures: true },
      );
      this.readBatchers.set(type, batcher);
    }
    return batcher;
  }

  get batchSizes(): number[] {
    return this.batcher.sizes;
  }

  async run(command: Command): Promise<CommandResult> {
    if (!isCommandType(command.type)) throw new InvalidCommandError(`unknown command type ${command.type}`);
    const parsed = commandSchemas[command.type].safeParse(command.input);
    if (!parsed.success) {
      // A malformed command is answered, and stored, like any refusal: it changes nothing.
      return {
        ok: false,
        error: refusals.invalid(
          parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        ),
      };
    }
    const input = parsed.data;
    const module = registry[command.type];
    // Reads store nothing under their key, so they need no fingerprint.
    const hash = module.kind === 'single' && module.readOnly ? '' : payloadHash(command);
    // Slow work (scrypt) happens here, before any transaction; a refusal here changes nothing.
    let prepared: SinglePrepared = {};
    try {
      const prepare = module.prepare as ((db: Db, input: never) => Promise<SinglePrepared>) | undefined;
      prepared = prepare ? await prepare(this.db, input as never) : {};
    } catch (err) {
      if (err instanceof RefusalError) return { ok: false, error: err.refusal };
      throw err;
    }
    if (module.kind === 'single') return this.runSingle(command.key, command.type, hash, input, prepared);
    return this.batcher.submit({ key: command.key, type: command.type, hash, input, prepared });
  }

  private bookOptions(): BookOptions {
    const c = this.config;
    return {
      now: this.clock(),
      caps: { perPayment: c.limitPerPayment, daily: c.limitDaily },
      pinMaxFailures: c.pinMaxFailures,
      pinLockMs: c.pinLockHours * 3600_000,
      holdTtlMs: c.holdTtlMinutes * 60_000,
    };
  }

  /**
   * Applies a batch in one transaction. If the batch fails as a whole, each command is tried alone, so
   * one command that cannot be applied fails only its own job and its batch-mates keep their results.
   */
  private async applyBatch(items: BatchItem[]): Promise<(CommandResult | Error)[]> {
    try {
      return await withRetry(() => this.db.transaction((trx) => this.applyInTransaction(trx, items)));
    } catch (err) {
      if (items.length === 1) return [asError(err)];
      logger.warn({ err, size: items.length }, 'batch failed; applying its commands one by one');
      return Promise.all(
        items.map((item) =>
          withRetry(() => this.db.transaction((trx) => this.applyInTransaction(trx, [item]))).then(
            (r) => r[0],
            (e) => asError(e),
          ),
        ),
      );
    }
  }

  private async applyInTransaction(trx: Trx, items: BatchItem[]): Promise<CommandResult[]> {
    const results: (CommandResult | undefined)[] = new Array(items.length);
    const stored = await storedResults(
      trx,
      items.map((i) => i.key),
    );
    const firstOfKey = new Map<string, number>();
    const todo: number[] = [];
    const needs: Needs[] = [];
    items.forEach((item, i) => {
      const prior = stored.get(item.key);
      if (prior) {
        results[i] =
          prior.hash === item.hash ? prior.result : { ok: false, error: refusals.idempotencyConflict() };
        return;
      }
      if (firstOfKey.has(item.key)) return; // a duplicate inside the batch: answered from the first below
      firstOfKey.set(item.key, i);
      try {
        needs.push((registry[item.type] as BatchedCommand<CommandType>).needs(item.input as never));
        todo.push(i);
      } catch (err) {
        if (!(err instanceof RefusalError)) throw err;
        results[i] = { ok: false, error: err.refusal };
      }
    });

    const book = await loadBook(trx, needs, this.bookOptions(), todo.length);
    for (const i of todo) {
      const item = items[i];
      const module = registry[item.type] as BatchedCommand<CommandType>;
      const outcome = book.attempt(() =>
        module.apply(book, item.input as never, {
          key: item.key,
          prepared: item.prepared,
          config: this.config,
        }),
      );
      results[i] = outcome;
    }
    await writeBook(trx, book);

    const fresh = [...firstOfKey.values()].filter((i) => !stored.has(items[i].key) && results[i]);
    await storeResults(
      trx,
      fresh.map((i) => ({
        key: items[i].key,
        type: items[i].type,
        hash: items[i].hash,
        result: results[i]!,
      })),
    );
    return items.map((item, i) => {
      if (results[i]) return results[i]!;
      const first = results[firstOfKey.get(item.key)!]!;
      return items[firstOfKey.get(item.key)!].hash === item.hash
        ? first
        : { ok: false, error: refusals.idempotencyConflict() };
    });
  }

  private async runSingle(
    key: string,
    type: CommandType,
    hash: string,
    input: unknown,
    prepared: SinglePrepared,
  ): Promise<CommandResult> {
    const module = registry[type];
    if (module.kind !== 'single') throw new Error(`${type} is not a single command`);
    const now = this.clock();
    const ctx = { key, config: this.config, now, prepared };
    // A read needs no transaction of its own (each of its queries sees committed data) and stores nothing.
    if (module.readOnly) {
      if (module.runMany) return withRetry(() => this.readBatcher(type).submit(input));
      return withRetry(() => outcomeOf(() => module.run(this.db as unknown as Trx, input as never, ctx)));
    }
    // A single command checks everything before it writes, except a wrong PIN it counts on purpose:
    // its transaction commits with the refusal, so the count survives and the refusal is stored.
    return withRetry(() =>
      this.db.transaction(async (trx) => {
        const prior = (await storedResults(trx, [key])).get(key);
        if (prior)
          return prior.hash === hash ? prior.result : { ok: false, error: refusals.idempotencyConflict() };
        const result = await outcomeOf(() => module.run(trx, input as never, ctx));
        await storeResults(trx, [{ key, type, hash, result }]);
        return result;
      }),
    );
  }
}

/** A command's value as a result, or its refusal; anything else is thrown (a transient failure). */
async function outcomeOf(run: () => Promise<Record<string, unknown>>): Promise<CommandResult> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    if (err instanceof RefusalError) return { ok: false, error: err.refusal };
    throw err;
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

async function storedResults(
  trx: Trx,
  keys: string[],
): Promise<Map<string, { hash: string; result: CommandResult }>> {
  const rows = await trx.raw('SELECT key, payload_hash, result FROM commands WHERE key = ANY(?::text[])', [
    pgArray(keys),
  ]);
  return new Map(
    rows.rows.map((r: { key: string; payload_hash: string; result: CommandResult }) => [
      r.key,
      { hash: r.payload_hash, result: r.result },
    ]),
  );
}

async function storeResults(
  trx: Trx,
  rows: { key: string; type: string; hash: string; result: CommandResult }[],
): Promise<void> {
  if (!rows.length) return;
  await trx.raw(
    `INSERT INTO commands (key, type, payload_hash, result)
     SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::jsonb[])`,
    [
      pgArray(rows.map((r) => r.key)),
      pgArray(rows.map((r) => r.type)),
      pgArray(rows.map((r) => r.hash)),
      pgArray(rows.map((r) => JSON.stringify(r.result))),
    ],
  );
}

const TRANSIENT = new Set(['40001', '40P01', '55P03', '57014']);

/** Serialization failures and deadlocks are retried at once, a few times, before the queue's backoff takes over. */
async function withRetry<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= attempts || !code || !TRANSIENT.has(code)) throw err;
    }
  }
}
