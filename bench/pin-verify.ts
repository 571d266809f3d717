/**
 * `pin.verify`: scrypt PIN verifications per second at the production cost (N=16384, r=8, p=1), with 4
 * verifications in flight (libuv's thread pool holds 4 threads), for 3 s. Every user debit (payment,
 * transfer) verifies a PIN before its batch, so this is a ceiling of its own on debits per second per
 * machine, independent of the ledger design. `ledger.transfers` and `ledger.hot_merchant` store their
 * wallets' PIN hashes at a low cost so that they measure the ledger path, not this.
 */
import { hashSecret, verifySecret } from '../src/lib/secrets.js';
import { type Benchmark, log, percentile, round } from './lib.js';

const SECONDS = 3;
const IN_FLIGHT = 4;

export const pinVerify: Benchmark = {
  name: 'pin.verify',
  async run() {
    const stored = await hashSecret('135790'); // the production default cost
    const cost = stored.split('$').slice(1, 4).join('/');
    await verifySecret('135790', stored); // warm the pool
    const end = performance.now() + SECONDS * 1000;
    const start = performance.now();
    const latencies: number[] = [];
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (performance.now() < end) {
          const t0 = performance.now();
          if (!(await verifySecret('135790', stored)))
            throw new Error('pin.verify: the right PIN did not verify');
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const perSecond = latencies.length / seconds;
    log(`pin.verify: ${latencies.length} verifications in ${round(seconds, 2)} s`);
    return [
      {
        name: 'pin.verify',
        value: round(perSecond, 1),
        unit: 'verifies/s',
        note: `scrypt N/r/p ${cost} (production), ${IN_FLIGHT} in flight, ${SECONDS} s; one takes p50 ${round(percentile(latencies, 50), 1)} ms; caps user debits/s per machine`,
      },
    ];
  },
};
