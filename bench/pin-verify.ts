/**
 * `pin.verify`: PIN verifications per second the production way, in one process: the keyed verifier of
 * src/lib/keyring.ts (HMAC-SHA256 under the PIN subkey of a random 32-byte key, as `PIN_KEY` gives it)
 * checking PINs against stored `pvv1$…` values of random MSISDNs, half the time the right PIN, half a
 * wrong one, every answer checked. `verifyPin` is async (an scrypt hash from before keyed PINs is checked
 * on the thread pool), so each call is awaited as the commands await it.
 *
 * `pin.verify_scrypt` (informational): the former verifier, `verifySecret` at the production scrypt cost
 * (N=16384, r=8, p=1), 4 in flight (libuv's thread pool holds 4 threads), briefly: what every debit paid
 * before keyed PINs.
 */
import { randomBytes } from 'node:crypto';
import { keyringOf } from '../src/lib/keyring.js';
import { hashSecret, verifySecret } from '../src/lib/secrets.js';
import { type Benchmark, log, percentile, type Result, round } from './lib.js';

const SECONDS = 3;
const SCRYPT_SECONDS = 2;
const SCRYPT_IN_FLIGHT = 4;
const USERS = 10_000;
const PIN = '135790';
const WRONG_PIN = '135791';

/** Verifications of `pin` against every user's stored value, in turn, for `seconds`; throws on a wrong answer. */
async function verifyFor(
  users: { msisdn: string; stored: string }[],
  pin: string,
  seconds: number,
): Promise<{ count: number; seconds: number; cpuMs: number }> {
  const ring = keyringOf(config);
  const want = pin === PIN;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  let count = 0;
  // The clock is read every 1,000 verifications: reading it each time would be a tenth of the cost.
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) {
      const u = users[count++ % users.length];
      const { ok } = await ring.verifyPin(u.msisdn, pin, u.stored);
      if (ok !== want) throw new Error(`pin.verify: the ${want ? 'right' : 'wrong'} PIN was answered ${ok}`);
    }
  }
  const used = process.cpuUsage(cpu);
  return { count, seconds: (performance.now() - start) / 1000, cpuMs: (used.user + used.system) / 1000 };
}

/** The production configuration's part that matters here: a PIN key of its own for the run. */
const config = { pinKey: randomBytes(32).toString('hex') };

async function keyed(): Promise<Result> {
  const ring = keyringOf(config);
  const users = Array.from({ length: USERS }, () => {
    const msisdn = `86139${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    return { msisdn, stored: ring.pinValue(msisdn, PIN) };
  });
  await verifyFor(users, PIN, 0.3); // warm the JIT
  const right = await verifyFor(users, PIN, SECONDS / 2);
  const wrong = await verifyFor(users, WRONG_PIN, SECONDS / 2);
  const count = right.count + wrong.count;
  const seconds = right.seconds + wrong.seconds;
  const perSecond = count / seconds;
  const cpuUs = ((right.cpuMs + wrong.cpuMs) / count) * 1000;
  log(
    `pin.verify: ${count} keyed verifications in ${round(seconds, 2)} s = ${round(perSecond, 0)}/s ` +
      `(right ${round(right.count / right.seconds, 0)}/s, wrong ${round(wrong.count / wrong.seconds, 0)}/s); ` +
      `CPU ${round(cpuUs, 2)} µs each`,
  );
  return {
    name: 'pin.verify',
    value: round(perSecond, 0),
    unit: 'verifies/s',
    aim: '>= 100000',
    note:
      `keyed HMAC-SHA256 (pvv1, keyring.verifyPin, production), one process, ${USERS} random MSISDNs, ` +
      `right PIN ${round(right.count / right.seconds, 0)}/s, wrong PIN ${round(wrong.count / wrong.seconds, 0)}/s; ` +
      `CPU ${round(cpuUs, 2)} µs per verification (node)`,
  };
}

async function scrypt(): Promise<Result> {
  const stored = await hashSecret(PIN); // the production default cost
  const cost = stored.split('$').slice(1, 4).join('/');
  await verifySecret(PIN, stored); // warm the pool
  const cpu = process.cpuUsage();
  const start = performance.now();
  const end = start + SCRYPT_SECONDS * 1000;
  const latencies: number[] = [];
  await Promise.all(
    Array.from({ length: SCRYPT_IN_FLIGHT }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        if (!(await verifySecret(PIN, stored))) throw new Error('pin.verify: scrypt refused the right PIN');
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000 / latencies.length;
  log(
    `pin.verify_scrypt: ${latencies.length} verifications in ${round(seconds, 2)} s; CPU ${round(cpuMs, 1)} ms each`,
  );
  return {
    name: 'pin.verify_scrypt',
    value: round(latencies.length / seconds, 1),
    unit: 'verifies/s',
    note:
      `informational: the former verifier, scrypt N/r/p ${cost} (production cost), ${SCRYPT_IN_FLIGHT} in flight, ` +
      `${SCRYPT_SECONDS} s; one takes p50 ${round(percentile(latencies, 50), 1)} ms, CPU ${round(cpuMs, 1)} ms (node, thread pool)`,
  };
}

export const pinVerify: Benchmark = {
  name: 'pin.verify',
  run: async () => [await keyed(), await scrypt()],
};
