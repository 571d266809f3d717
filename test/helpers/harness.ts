/**
 * A gateway context on the run's database with a Redis prefix of its own, plus shortcuts tests need:
 * open a wallet with a known PIN, fund it, make a merchant, run a command and wait for its result.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { type Config, loadConfig } from '../../src/config/index.js';
import type { Command, CommandPayload, CommandResult, CommandType } from '../../src/commands/catalog.js';
import { keyringOf } from '../../src/lib/keyring.js';
import { createMerchant } from '../../src/ledger/merchants.js';
import { createContext, type Context, type ContextOptions } from '../../src/main/context.js';
import { testEnv } from './setup.js';

export const TEST_PIN = '135790';

export function testConfig(overrides: Partial<Config> = {}): Config {
  const env = testEnv();
  return loadConfig(
    {},
    {
      databaseUrl: env.databaseUrl,
      redisUrl: env.redisUrl,
      redisPrefix: `${env.redisPrefix}_${randomBytes(4).toString('hex')}`,
      logLevel: 'silent',
      opsToken: 'test-ops-token-0123456789',
      pinKey: env.pinKey,
      ...overrides,
    },
  );
}

export interface Harness extends Context {
  run<T extends CommandType>(type: T, input: CommandPayload<T>, key?: string): Promise<CommandResult>;
  openWallet(msisdn: string, fen?: bigint): Promise<string>;
  merchant(code: string, name?: string): Promise<void>;
}

let msisdnCounter = 0;
/** A fresh, valid, canonical MSISDN per call (tests share one database). */
export function newMsisdn(): string {
  msisdnCounter += 1;
  return `86139${String(process.pid % 1000).padStart(3, '0')}${String(msisdnCounter).padStart(5, '0')}`;
}

export async function createHarness(
  overrides: Partial<Config> = {},
  options: Partial<ContextOptions> = {},
): Promise<Harness> {
  const ctx = await createContext(testConfig(overrides), {
    workers: true,
    sweepEveryMs: 3_600_000,
    ...options,
  });
  const run = <T extends CommandType>(type: T, input: CommandPayload<T>, key = randomUUID()) =>
    ctx.bus.execute({ key, type, input } as Command<T>, 15_000);
  return {
    ...ctx,
    run,
    async openWallet(msisdn, fen = 0n) {
      const opened = await run('account.open', { msisdn });
      if (!opened.ok) throw new Error(`open failed: ${JSON.stringify(opened)}`);
      // The production form (a keyed value under the run's PIN_KEY), with a PIN the test knows.
      await ctx
        .db('users')
        .where({ msisdn })
        .update({ pin_hash: keyringOf(ctx.config).pinValue(msisdn, TEST_PIN) });
      if (fen > 0n) {
        const topped = await run('topup.counter', {
          msisdn,
          amount: fen.toString(),
          reference: randomUUID(),
        });
        if (!topped.ok) throw new Error(`top-up failed: ${JSON.stringify(topped)}`);
      }
      return msisdn;
    },
    async merchant(code, name = `Shop ${code}`) {
      await createMerchant(ctx.db, keyringOf(ctx.config), { code, name });
    },
  };
}

/** Reads a balance straight from the ledger. */
export async function balanceOf(ctx: Context, code: string): Promise<bigint> {
  const row = await ctx.db('accounts').where({ code }).first('balance');
  return row.balance;
}
