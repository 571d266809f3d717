/**
 * The ledger engine without BullMQ, NOT part of `npm run bench`: `CALLERS` concurrent callers each call
 * `runner.run(transfer)` in a loop for `SECS` seconds over the benchmark's 10,000 wallets. `NOPIN=1`
 * skips the PIN stage (patches `transfer.prepare`). Knobs: `BATCH_MAX`, `DB_POOL_MAX`.
 * e.g. `NOPIN=1 npx tsx bench/experiments/runner-only.ts`
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Prepared } from '../../src/commands/command.js';
import { registry } from '../../src/commands/registry.js';
import { CommandRunner } from '../../src/commands/runner.js';
import { loadConfig } from '../../src/config/index.js';
import { checkLedger } from '../../src/ledger/check.js';
import { createDb } from '../../src/lib/db.js';
import { seedWallets } from '../ledger-transfers.js';
import { percentile, round, withDatabase } from '../lib.js';

const callers = Number(process.env.CALLERS ?? 1000);
const seconds = Number(process.env.SECS ?? 8);

await withDatabase({ migrate: true }, async (url) => {
  await seedWallets(url);
  const config = loadConfig({
    BATCH_MAX: process.env.BATCH_MAX ?? '500',
    BATCH_WAIT_MS: '1',
    DB_POOL_MAX: process.env.DB_POOL_MAX ?? '16',
  });
  config.databaseUrl = url;
  const db = createDb(url, config.dbPoolMax);
  if (process.env.NOPIN === '1') {
    const hash: string = (await db('users').first('pin_hash')).pin_hash;
    (registry.transfer as { prepare?: () => Promise<Prepared> }).prepare = async () => ({
      pin: { pinHash: hash, ok: true },
    });
  }
  const runner = new CommandRunner(db, config);
  const run = randomBytes(3).toString('hex');
  let n = 0;
  let ok = 0;
  const latencies: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (Date.now() < end) {
        const a = Math.floor(Math.random() * 10_000);
        const b = (a + 1 + Math.floor(Math.random() * 9_999)) % 10_000;
        const t0 = performance.now();
        const r = await runner.run({
          key: `x:${run}:${n++}`,
          type: 'transfer',
          input: {
            msisdn: String(8613900000001 + a),
            to: String(8613900000001 + b),
            amount: '5',
            pin: '135790',
          },
        });
        latencies.push(performance.now() - t0);
        if (r.ok) ok++;
      }
    }),
  );
  const secs = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const sizes = runner.batchSizes;
  console.log(
    `runner only, ${callers} callers${process.env.NOPIN === '1' ? ', no PIN stage' : ''}, batchMax ${config.batchMax}: ` +
      `${Math.round(ok / secs)} transfers/s; ${sizes.length} batches p50 ${percentile(sizes, 50)} p99 ${percentile(sizes, 99)}; ` +
      `latency p50 ${round(percentile(latencies, 50), 0)} ms p99 ${round(percentile(latencies, 99), 0)} ms; ` +
      `event-loop delay p50 ${round(loop.percentile(50) / 1e6, 1)} ms; process ${round((used.user + used.system) / 1e6 / secs, 2)} cores`,
  );
  const check = await checkLedger(db);
  console.log(`ledger balanced: ${check.balanced}`);
  await db.destroy();
  if (!check.balanced) process.exitCode = 1;
});
process.exit(process.exitCode ?? 0);
