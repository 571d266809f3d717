/**
 * The command path of one payment at a light, steady load, NOT part of `npm run bench`: `RATE` payments a
 * second for `SECS` seconds through `bus.execute` (enqueue, worker, batch, ledger, result) with the
 * command workers in this process, as the gateway runs them; prints p50/p90/p99/max of enqueue→result and
 * this process's CPU per payment. `node --import tsx bench/experiments/payment-latency.ts`.
 */
import { randomUUID } from 'node:crypto';
import type { Command } from '../../src/commands/index.js';
import { createMerchant } from '../../src/ledger/merchants.js';
import { keyringOf } from '../../src/lib/keyring.js';
import { percentile } from '../lib.js';
import { withExperimentContext } from './context.js';

const rate = Number(process.env.RATE ?? 40);
const seconds = Number(process.env.SECS ?? 10);

await withExperimentContext({ workers: true }, async (ctx) => {
  const { config } = ctx;
  if (!(await createMerchant(ctx.db, keyringOf(config), { code: 'BENCH01', name: 'Bench shop' })))
    throw new Error('no merchant');
  const latencies: number[] = [];
  const pay = async (i: number) => {
    const command = {
      key: randomUUID(),
      type: 'payment',
      input: {
        msisdn: String(8613900000001 + (i % 10_000)),
        merchant: 'BENCH01',
        amount: '500',
        pin: '135790',
      },
    } as Command;
    const t0 = performance.now();
    const result = await ctx.bus.execute(command, 5_000, { smsIfLate: true });
    if (!result.ok) throw new Error(JSON.stringify(result));
    latencies.push(performance.now() - t0);
  };
  // Warm-up, then the measured window.
  await Promise.all(Array.from({ length: 20 }, (_, i) => pay(100_000 + i)));
  latencies.length = 0;
  const cpu = process.cpuUsage();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < rate * seconds; i++) {
    inFlight.push(pay(i));
    await new Promise((resolve) => setTimeout(resolve, 1000 / rate));
  }
  await Promise.all(inFlight);
  const spent = process.cpuUsage(cpu);
  const sorted = latencies.sort((a, b) => a - b);
  console.log(
    `${sorted.length} payments at ${rate}/s: p50 ${percentile(sorted, 50).toFixed(1)} p90 ${percentile(sorted, 90).toFixed(1)} p99 ${percentile(sorted, 99).toFixed(1)} max ${sorted.at(-1)?.toFixed(1)} ms; CPU ${((spent.user + spent.system) / 1000 / sorted.length).toFixed(2)} ms per payment`,
  );
});
process.exit(0);
