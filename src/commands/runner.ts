/**
 * Runs commands against the ledger, exactly once per key. Batched commands (money movements) meet in
 * a Batcher and are applied many to one database transaction; the others run one by one. Either way
 * the result, refusal or success, is stored under the command's key in the same transaction as its
 * effects, so a retry (a duplicate enqueue, a job re-delivered after a crash) returns the stored result
 * and never applies twice.
 */
import type { Config } from '../config/index.js';
import {
  AppError,
  Batcher,
  type Db,
  type Keyring,
  keyringOf,
  logger,
  normalizeMsisdn,
  type Trx,
} from '../lib/index.js';
import {
  AUDIT_FAILED,
  type AuditSettlement,
  type Book,
  type BookOptions,
  claim,
  encodeParams,
  loadBook,
  type OutboxRow,
  REFUSED,
  RefusalError,
  refusals,
  setResults,
  settleAudits,
  userLocales,
  writeBook,
  writeOutbox,
} from '../ledger/index.js';
import {
  type Command,
  type CommandResult,
  type CommandType,
  commandSchemas,
  isCommandType,
} from './catalog.js';
import type { BatchedCommand, Needs, PrepareContext, Prepared, SinglePrepared } from './command.js';
import { AUDIT_ID, fingerprintOf, openSecrets, REPLY_BY } from './fingerprint.js';
import { registry } from './registry.js';

/** Who is told by SMS when a command is refused after the channel stopped waiting, and from when on. */
interface LateNotice {
  msisdn: string;
  replyBy: number;
}

interface BatchItem {
  key: string;
  type: CommandType;
  hash: string;
  input: unknown;
  prepared: Prepared;
  late?: LateNotice;
  /** The operator's audit row written ahead of this command: settled with the command's outcome. */
  auditId?: string;
}

/**
 * How close to the channel's deadline a refusal is also sent by SMS: a result decided this shortly
 * before the deadline may reach the waiting channel after it, so the user is told both ways rather than
 * neither.
 */
const LATE_MARGIN_MS = 1_000;

/**
 * What the runner reports for metrics (prom-client behind it, wired where the process is built): every
 * command run here, by the workers or as a read in place. Labels are fixed sets: a command type, and `ok`,
 * a refusal code or `error` (it threw: a transient failure the queue retries, or a command that can never run).
 */
export interface CommandMetrics {
  ran(type: string, outcome: string, seconds: number): void;
}

/** A command whose payload does not parse can never succeed: the queue must not retry it. */
export class InvalidCommandError extends AppError {
  constructor(message: string) {
    super('invalid_command', message, 400, true);
    this.name = 'InvalidCommandError';
  }
}

export class CommandRunner {
  private readonly batcher: Batcher<BatchItem, CommandResult>;
  private readonly readBatchers = new Map<CommandType, Batcher<unknown, CommandResult>>();
  private readonly keys: Keyring;

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly clock: () => Date = () => new Date(),
    private readonly metrics?: CommandMetrics,
  ) {
    this.keys = keyringOf(config);
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

  /** The commands of an envelope job (`CommandBus.sendMany`), opened. */
  openEnvelope(envelope: { sealed?: unknown }): Command[] {
    if (!this.keys.isSealed(envelope.sealed))
      throw new InvalidCommandError('an envelope without its sealed commands');
    try {
      return JSON.parse(this.keys.unseal(envelope.sealed)) as Command[];
    } catch {
      throw new InvalidCommandError('the commands of an envelope cannot be opened with this PIN key');
    }
  }

  get batchSizes(): number[] {
    return this.batcher.sizes;
  }

  /** Runs one command to its result (its metrics reported); a transient failure throws, for the queue to retry. */
  async run(command: Command): Promise<CommandResult> {
    if (!this.metrics) return this.runCommand(command);
    const began = performance.now();
    const type = isCommandType(command.type) ? command.type : 'unknown';
    try {
      const result = await this.runCommand(command);
      this.metrics.ran(type, result.ok ? 'ok' : result.error.code, (performance.now() - began) / 1000);
      return result;
    } catch (err) {
      this.metrics.ran(type, 'error', (performance.now() - began) / 1000);
      throw err;
    }
  }

  private async runCommand(command: Command): Promise<CommandResult> {
    if (!isCommandType(command.type)) throw new InvalidCommandError(`unknown command type ${command.type}`);
    let raw: Record<string, unknown>;
    try {
      raw = openSecrets(this.keys, command.input) as Record<string, unknown>;
    } catch {
      // Sealed under a key this process does not have (a PIN_KEY rotated without PIN_KEY_PREVIOUS).
      throw new InvalidCommandError(
        `the secrets of command ${command.key} cannot be opened with this PIN key`,
      );
    }
    const module = registry[command.type];
    const readOnly = module.kind === 'single' && module.readOnly === true;
    // Reads store nothing under their key, so they need no fingerprint.
    const hash = readOnly ? '' : fingerprintOf(this.keys, command);
    const late = lateNoticeOf(raw);
    const auditId = auditIdOf(raw);
    const parsed = commandSchemas[command.type].safeParse(raw);
    if (!parsed.success) {
      // A malformed command is answered, and stored, like any refusal: it changes nothing.
      const refusal = refusals.invalid(
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
      return readOnly
        ? { ok: false, error: refusal }
        : this.storeRefusal(command, hash, refusal, late, auditId);
    }
    const input = parsed.data;
    // Secret checks happen here, before any transaction; a refusal here changes nothing but is stored,
    // so the same key with other content is a conflict, not a second chance.
    let prepared: SinglePrepared = {};
    try {
      const prepare = module.prepare as
        | ((db: Db, input: never, ctx: PrepareContext) => Promise<SinglePrepared>)
        | undefined;
      prepared = prepare
        ? await prepare(this.db, input as never, { keys: this.keys, now: this.clock() })
        : {};
    } catch (err) {
      if (!(err instanceof RefusalError)) throw err;
      return readOnly
        ? { ok: false, error: err.refusal }
        : this.storeRefusal(command, hash, err.refusal, late, auditId);
    }
    if (module.kind === 'single')
      return this.runSingle(command.key, command.type, hash, input, prepared, late, auditId);
    return this.batcher.submit({
      key: command.key,
      type: command.type,
      hash,
      input,
      prepared,
      late,
      auditId,
    });
  }

  /**
   * A job carrying an operator's audit row failed for good (its retries spent, or it can never run): the
   * row says so rather than staying `pending`. A later run of the command (the job retried from the
   * dashboard) still sets its real outcome.
   */
  async settleFailedAudit(auditId: string): Promise<void> {
    await settleAudits(this.db, [{ id: auditId, outcome: AUDIT_FAILED }]);
  }

  /** Stores a refusal decided before any transaction under the command's key (or answers what is there). */
  private storeRefusal(
    command: Command,
    hash: string,
    refusal: { code: string; message: string },
    late: LateNotice | undefined,
    auditId: string | undefined,
  ): Promise<CommandResult> {
    const result: CommandResult = { ok: false, error: refusal };
    return withRetry(() =>
      this.db.transaction(async (trx) => {
        const claimed = await claim(trx, [{ key: command.key, type: command.type, hash }]);
        const earlier = claimed.prior.get(command.key);
        if (earlier) return settled(trx, auditId, earlier.hash === hash ? earlier.result : conflict());
        await setResults(trx, claimed, [{ key: command.key, result }]);
        await this.noticeLateRefusals(trx, [{ key: command.key, late, result }]);
        return settled(trx, auditId, result);
      }),
    );
  }

  /** The SMS for refusals decided after (or just before) the channel stopped waiting. */
  private async noticeLateRefusals(
    trx: Trx,
    outcomes: { key: string; late?: LateNotice; result: CommandResult }[],
    book?: Book,
  ): Promise<void> {
    const now = this.clock().getTime();
    const due = outcomes.filter(
      (o): o is { key: string; late: LateNotice; result: Extract<CommandResult, { ok: false }> } =>
        o.late !== undefined && !o.result.ok && now >= o.late.replyBy - LATE_MARGIN_MS,
    );
    if (!due.length) return;
    const locales = new Map<string, string>();
    for (const o of due) {
      const inBook = book?.users.get(o.late.msisdn)?.locale;
      if (inBook) locales.set(o.late.msisdn, inBook);
    }
    const unknown = due.map((o) => o.late.msisdn).filter((m) => !locales.has(m));
    if (unknown.length)
      for (const [msisdn, locale] of await userLocales(trx, unknown)) locales.set(msisdn, locale);
    const rows: OutboxRow[] = due.map((o) => {
      const { code, message } = o.result.error;
      return {
        msisdn: o.late.msisdn,
        text_key: REFUSED,
        params: encodeParams({ code, message }),
        locale: locales.get(o.late.msisdn) ?? this.config.locale,
        reason: `refused.${code}`,
        command_key: o.key,
        sensitive: false,
      };
    });
    await writeOutbox(trx, rows);
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
    // One claim per key, the first of the batch; a later copy is answered from it below.
    const firstOfKey = new Map<string, number>();
    items.forEach((item, i) => {
      if (!firstOfKey.has(item.key)) firstOfKey.set(item.key, i);
    });
    const claimed = await claim(
      trx,
      [...firstOfKey.values()].map((i) => items[i]),
    );
    const stored = claimed.prior;
    const todo: number[] = [];
    const needs: Needs[] = [];
    for (const i of firstOfKey.values()) {
      const item = items[i];
      const prior = stored.get(item.key);
      if (prior) {
        results[i] = prior.hash === item.hash ? prior.result : conflict();
        continue;
      }
      try {
        needs.push((registry[item.type] as BatchedCommand<CommandType>).needs(item.input as never));
        todo.push(i);
      } catch (err) {
        if (!(err instanceof RefusalError)) throw err;
        results[i] = { ok: false, error: err.refusal };
      }
    }

    const slots = needs.reduce((n, need) => n + (need.newTransfers ?? 1), 0);
    const book = await loadBook(trx, needs, this.bookOptions(), slots);
    for (const i of todo) {
      const item = items[i];
      const module = registry[item.type] as BatchedCommand<CommandType>;
      results[i] = book.attempt(() =>
        module.apply(book, item.input as never, {
          key: item.key,
          prepared: item.prepared,
          config: this.config,
        }),
      );
    }
    const fresh = [...firstOfKey.values()].filter((i) => !stored.has(items[i].key));
    await this.noticeLateRefusals(
      trx,
      fresh.map((i) => ({ key: items[i].key, late: items[i].late, result: results[i]! })),
      book,
    );
    await writeBook(trx, book);
    await setResults(
      trx,
      claimed,
      fresh.map((i) => ({ key: items[i].key, result: results[i]! })),
    );
    const answers = items.map((item, i) => {
      if (results[i]) return results[i]!;
      const first = firstOfKey.get(item.key)!;
      return items[first].hash === item.hash ? results[first]! : conflict();
    });
    // Operators' commands settle their audit rows with their effect; others write nothing more.
    const audited: AuditSettlement[] = [];
    items.forEach((item, i) => {
      if (item.auditId) audited.push({ id: item.auditId, outcome: outcomeCode(answers[i]) });
    });
    await settleAudits(trx, audited);
    return answers;
  }

  private async runSingle(
    key: string,
    type: CommandType,
    hash: string,
    input: unknown,
    prepared: SinglePrepared,
    late?: LateNotice,
    auditId?: string,
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
        const claimed = await claim(trx, [{ key, type, hash }]);
        const prior = claimed.prior.get(key);
        if (prior) return settled(trx, auditId, prior.hash === hash ? prior.result : conflict());
        const result = await outcomeOf(() => module.run(trx, input as never, ctx));
        await this.noticeLateRefusals(trx, [{ key, late, result }]);
        await setResults(trx, claimed, [{ key, result }]);
        return settled(trx, auditId, result);
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

const conflict = (): CommandResult => ({ ok: false, error: refusals.idempotencyConflict() });

/** A result as an audit outcome: `ok`, or the refusal code. */
const outcomeCode = (result: CommandResult) => (result.ok ? 'ok' : result.error.code);

/** The result, once the audit row its command carries (if any) has its outcome, in the same transaction. */
async function settled(trx: Trx, auditId: string | undefined, result: CommandResult): Promise<CommandResult> {
  if (auditId) await settleAudits(trx, [{ id: auditId, outcome: outcomeCode(result) }]);
  return result;
}

/** The audit row an operator's command carries (`AUDIT_ID`): a row id, or nothing. */
function auditIdOf(raw: Record<string, unknown>): string | undefined {
  const id = raw?.[AUDIT_ID];
  return typeof id === 'string' && /^[1-9]\d{0,18}$/.test(id) ? id : undefined;
}

/** Who hears of a late refusal: the user of a command a channel stopped waiting for (`REPLY_BY`). */
function lateNoticeOf(raw: Record<string, unknown>): LateNotice | undefined {
  const replyBy = raw?.[REPLY_BY];
  const msisdn = typeof raw?.msisdn === 'string' ? normalizeMsisdn(raw.msisdn) : null;
  return typeof replyBy === 'number' && msisdn ? { msisdn, replyBy } : undefined;
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
