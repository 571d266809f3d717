/**
 * BullMQ alone on this machine, NOT part of `npm run bench`: no-op jobs shaped like the benchmark's
 * (4 queues, concurrency `C` each, `addBulk` chunks of 500, 2,000 outstanding, the same job options),
 * producer and workers in one process, for 8 s. e.g. `C=64 npx tsx bench/experiments/bullmq-noop.ts`
 */

import { randomBytes } from 'node:crypto';
import { type Job, Queue, Worker } from 'bullmq';
import { createRedis } from '../../src/lib/redis.js';
import { commandJobOptions } from '../../src/queue/command-bus.js';
import { REDIS_URL, removeRedisPrefix } from '../lib.js';

const prefix = `bench_${randomBytes(5).toString('hex')}`;
const partitions = 4;
const concurrency = Number(process.env.C ?? 256);
const inFlight = 2000;
const chunk = 500;
const seconds = 8;
const connection = createRedis(REDIS_URL);
const queues = Array.from({ length: partitions }, (_, i) => new Queue(`q${i}`, { connection, prefix }));
let outstanding = 0;
let done = 0;
let wake: (() => void) | null = null;
const workers = Array.from(
  { length: partitions },
  (_, i) =>
    new Worker(`q${i}`, async (job: Job) => ({ ok: true, value: { amount: job.data.amount } }), {
      connection: createRedis(REDIS_URL),
      prefix,
      concurrency,
    }),
);
for (const w of workers)
  w.on('completed', () => {
    outstanding--;
    done++;
    if (wake && outstanding <= inFlight - chunk) {
      const f = wake;
      wake = null;
      f();
    }
  });
try {
  const end = Date.now() + seconds * 1000;
  const start = performance.now();
  const cpu = process.cpuUsage();
  let n = 0;
  while (Date.now() < end) {
    if (outstanding > inFlight - chunk) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 20);
      });
      continue;
    }
    outstanding += chunk;
    await Promise.all(
      queues.map((q) =>
        q.addBulk(
          Array.from({ length: chunk / partitions }, () => ({
            name: 'transfer',
            data: { msisdn: '8613900001234', to: '8613900005678', amount: '42', pin: '135790' },
            opts: { ...commandJobOptions, jobId: `k_x${n++}.abcdef0123456789abcd` },
          })),
        ),
      ),
    );
  }
  const secs = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  console.log(
    `BullMQ no-op jobs, ${partitions} queues x concurrency ${concurrency}: ${Math.round(done / secs)} jobs/s; ` +
      `process ${((used.user + used.system) / 1e6 / secs).toFixed(2)} cores`,
  );
} finally {
  await Promise.all(workers.map((w) => w.close(true)));
  await Promise.all(queues.map((q) => q.close()));
  connection.disconnect();
  await removeRedisPrefix(prefix);
}
process.exit(0);
