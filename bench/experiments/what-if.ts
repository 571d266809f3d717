/**
 * What-if experiments on the core, NOT part of `npm run bench`: patches the `transfer` and `payment`
 * modules of the command registry in this process, then runs the benchmarks (workers must run in this
 * process, the default). `WHATIF=` one of:
 *   nopin        no PIN stage at all (no per-command pin_hash query, no scrypt): the stage's upper bound
 *   batchlookup  the pin_hash lookups of one event-loop tick in one query, scrypt kept (token cost)
 *   batchpin     batched lookup, no scrypt
 * e.g. `WHATIF=nopin BENCH_RELAY=0 BENCH_REFERENCES=0 BENCH_SECONDS=8 npx tsx bench/experiments/what-if.ts ledger.transfers`
 */
import type { CommandInput } from '../../src/commands/catalog.js';
import type { Prepared } from '../../src/commands/command.js';
import { registry } from '../../src/commands/registry.js';
import { type Db, pgArray } from '../../src/lib/db.js';
import { normalizeMsisdn } from '../../src/lib/msisdn.js';
import { verifySecret } from '../../src/lib/secrets.js';

const mode = process.env.WHATIF ?? '';
type PinInput = CommandInput<'transfer'> | CommandInput<'payment'>;
type Prepare = (db: Db, input: PinInput) => Promise<Prepared>;

let sharedHash: Promise<string> | null = null;
const loaders = new WeakMap<Db, (msisdn: string) => Promise<string | undefined>>();

/** One query for the pin_hash lookups of one tick. */
function loaderFor(db: Db): (msisdn: string) => Promise<string | undefined> {
  const existing = loaders.get(db);
  if (existing) return existing;
  let pending: { msisdn: string; resolve: (h: string | undefined) => void; reject: (e: unknown) => void }[] =
    [];
  const load = (msisdn: string) =>
    new Promise<string | undefined>((resolve, reject) => {
      pending.push({ msisdn, resolve, reject });
      if (pending.length > 1) return;
      setImmediate(async () => {
        const batch = pending;
        pending = [];
        try {
          const rows: { msisdn: string; pin_hash: string }[] = (
            await db.raw('SELECT msisdn, pin_hash FROM users WHERE msisdn = ANY(?::text[])', [
              pgArray([...new Set(batch.map((b) => b.msisdn))]),
            ])
          ).rows;
          const byMsisdn = new Map(rows.map((r) => [r.msisdn, r.pin_hash]));
          for (const b of batch) b.resolve(byMsisdn.get(b.msisdn));
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      });
    });
  loaders.set(db, load);
  return load;
}

const prepares: Record<string, Prepare> = {
  async nopin(db, input) {
    sharedHash ??= db('users')
      .where({ msisdn: normalizeMsisdn(input.msisdn) })
      .first('pin_hash')
      .then((u: { pin_hash: string }) => u.pin_hash);
    return { pin: { pinHash: await sharedHash, ok: true } };
  },
  async batchlookup(db, input) {
    const hash = await loaderFor(db)(normalizeMsisdn(input.msisdn) ?? '');
    if (!hash) return {};
    return { pin: { pinHash: hash, ok: /^\d{6}$/.test(input.pin) && (await verifySecret(input.pin, hash)) } };
  },
  async batchpin(db, input) {
    const hash = await loaderFor(db)(normalizeMsisdn(input.msisdn) ?? '');
    if (!hash) return {};
    return { pin: { pinHash: hash, ok: /^\d{6}$/.test(input.pin) } };
  },
};

if (mode) {
  const prepare = prepares[mode];
  if (!prepare) throw new Error(`WHATIF must be one of ${Object.keys(prepares).join(', ')}`);
  (registry.transfer as { prepare?: Prepare }).prepare = prepare;
  (registry.payment as { prepare?: Prepare }).prepare = prepare;
}
process.stderr.write(`[what-if] ${mode || 'none'}${process.env.BENCH_RELAY === '0' ? ', relay off' : ''}\n`);
await import('../run.js');
