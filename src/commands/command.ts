/** What a command module looks like. Batched commands apply to a Book; single ones run their own transaction. */
import type { Config } from '../config/index.js';
import type { Db, Keyring, Trx } from '../lib/index.js';
import type { Book, Needs, PinCheck, RefusalError } from '../ledger/index.js';
import type { CommandInput, CommandType } from './catalog.js';

/** The rows a batched command touches, so the engine loads and locks them all at once, in a fixed order. */
export type { Needs };

/** Work done before the transaction: secret checks run before any row is locked. */
export interface Prepared {
  pin?: PinCheck;
  voucher?: VoucherCheck;
}

/** A recharge card's PIN check: `locked` when the card or the user's card top-ups were locked (not checked). */
export interface VoucherCheck {
  ok: boolean;
  locked?: boolean;
  upgrade?: string;
}

/** What `prepare` gets: the keys secrets are checked under, and the time the command runs at. */
export interface PrepareContext {
  keys: Keyring;
  now: Date;
}

export interface ApplyContext {
  key: string;
  prepared: Prepared;
  config: Config;
}

export interface BatchedCommand<T extends CommandType> {
  kind: 'batched';
  /** Normalizes and checks the input beyond its schema; a refusal here changes nothing. */
  needs(input: CommandInput<T>): Needs;
  prepare?(db: Db, input: CommandInput<T>, ctx: PrepareContext): Promise<Prepared>;
  apply(book: Book, input: CommandInput<T>, ctx: ApplyContext): Record<string, unknown>;
}

/** What a single command prepares: a PIN check and values of its own (hashes made outside the transaction). */
export type SinglePrepared = { pin?: PinCheck; [name: string]: unknown };

/** What a batch of reads shares: no key, since reads store nothing under one. */
export type ReadContext = Omit<SingleContext, 'key'>;

export interface SingleContext {
  key: string;
  config: Config;
  now: Date;
}

export interface SingleCommand<T extends CommandType> {
  kind: 'single';
  /** Reads do not store a result: asking twice answers twice, from the ledger. */
  readOnly?: boolean;
  prepare?(db: Db, input: CommandInput<T>, ctx: PrepareContext): Promise<SinglePrepared>;
  run(
    trx: Trx,
    input: CommandInput<T>,
    ctx: SingleContext & { prepared: SinglePrepared },
  ): Promise<Record<string, unknown>>;
  /**
   * A read's batch form: the reads of one type that arrive together, answered by one query. Each
   * outcome is the value `run` would return, or the RefusalError it would throw.
   */
  runMany?(
    db: Db,
    inputs: readonly CommandInput<T>[],
    ctx: ReadContext,
  ): Promise<(Record<string, unknown> | RefusalError)[]>;
}

export type CommandModule<T extends CommandType> = BatchedCommand<T> | SingleCommand<T>;
