/**
 * The heap a USSD session costs in the process cache, NOT part of `npm run bench`: `USERS` sessions each
 * dial and answer `INPUTS` (default `3,BENCH01,5`: left at the PIN prompt), with the runtime's cache at
 * `CACHE` sessions (default 500, the runtime's; 0 turns it off; a full cache admits no more); prints the heap growth per session after a full GC,
 * and the RSS. `CACHE=0 node --expose-gc --import tsx bench/experiments/session-cache-memory.ts`, then
 * `CACHE=500 ...`: the difference is what the cached records and running flows cost (measured here:
 * about 17 KB of heap each).
 */
import { createChannelDeps } from '../../src/channels/index.js';
import { ussdInput } from '../../src/channels/ussd/ussd.path.js';
import { createUssdSessions } from '../../src/channels/ussd/ussd.session.js';
import { withExperimentContext } from './context.js';

const users = Number(process.env.USERS ?? 500);
const gc =
  (globalThis as { gc?: () => void }).gc ??
  (() => {
    throw new Error('run with --expose-gc');
  });
const inputs = (process.env.INPUTS ?? '3,BENCH01,5').split(',');
const cache = Number(process.env.CACHE ?? 500);
await withExperimentContext({ workers: false, config: { sessionCacheSessions: cache } }, async (ctx) => {
  const { config } = ctx;
  const ussd = createUssdSessions(createChannelDeps(ctx, { smpp: () => null }));
  const run = async (u: number) => {
    const msisdn = String(8613900000001 + u);
    const sessionId = `m-${u}`;
    let path = '';
    const step = (dial: boolean) =>
      ussd.step({ msisdn, sessionId, dial, request: path, inputOf: (l, n) => ussdInput(path, l, n) });
    await step(true);
    for (const i of inputs) {
      path = path ? `${path}*${i}` : i;
      await step(false);
    }
  };
  await run(99999 % 10000);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let u = 0; u < users; u += 100) await Promise.all(Array.from({ length: 100 }, (_, k) => run(u + k)));
  gc();
  const after = process.memoryUsage().heapUsed;
  await new Promise((r) => setTimeout(r, 3000));
  gc();
  console.log(
    'rss MB',
    (process.memoryUsage().rss / 1e6).toFixed(0),
    'heapTotal',
    (process.memoryUsage().heapTotal / 1e6).toFixed(0),
  );
  console.log(
    `cache ${config.sessionCacheSessions}: heap +${((after - before) / 1e6).toFixed(1)} MB for ${users} sessions = ${((after - before) / users / 1e3).toFixed(1)} KB each`,
  );
});
process.exit(0);
