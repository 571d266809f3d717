/**
 * The IVR step without HTTP, NOT part of `npm run bench`: `USERS` calls at once, each rings, presses
 * `6` and `0` alternately `STEPS` times (the account menu and back, as bench/ivr-load.ts), exits with
 * `0` at the root and ends with the status callback, straight into the IVR calls (ivr.session.ts) on a
 * real Redis and database; prints the CPU per request of this process, and (`SIZES=1`) the mean length
 * of the sealed records saved. For profiling: `node --cpu-prof --import tsx bench/experiments/ivr-steps.ts`.
 */
import { createChannelDeps } from '../../src/channels/index.js';
import { createIvrCalls, normalizeIvr } from '../../src/channels/ivr/index.js';
import { keyringOf } from '../../src/lib/index.js';
import { measureRounds, withExperimentContext } from './context.js';

const users = Number(process.env.USERS ?? 200);
const steps = Number(process.env.STEPS ?? 200);
const rounds = Number(process.env.ROUNDS ?? 3);

await withExperimentContext({ workers: false }, async (ctx) => {
  const deps = createChannelDeps(ctx, { smpp: () => null });
  const calls = createIvrCalls(deps);
  const sealed = { n: 0, chars: 0 };
  if (process.env.SIZES === '1') {
    const keys = keyringOf(ctx.config);
    const seal = keys.seal.bind(keys);
    keys.seal = (plain) => {
      sealed.n++;
      sealed.chars += plain.length;
      return seal(plain);
    };
  }
  const user = async (u: number, round: number) => {
    const from = `+${8613900000001 + round * users + u}`;
    const CallSid = `CA${String(round).padStart(4, '0')}${u.toString(16).padStart(28, '0')}`;
    const post = async (path: string, fields: Record<string, string>, expect: string) => {
      const inbound = normalizeIvr({ body: { CallSid, From: from, ...fields }, url: path });
      if ('rejected' in inbound) throw new Error(inbound.rejected);
      const twiml = await calls.step(inbound);
      if (!twiml.includes(expect)) throw new Error(`expected ${expect}: ${twiml}`);
    };
    await post('/ivr/voice', { CallStatus: 'ringing' }, '/ivr/step/1');
    for (let n = 1; n <= steps; n++)
      await post(`/ivr/step/${n}`, { CallStatus: 'in-progress', Digits: n % 2 ? '6' : '0' }, `/ivr/step/${n + 1}`);
    await post(`/ivr/step/${steps + 1}`, { CallStatus: 'in-progress', Digits: '0' }, '<Hangup/>');
    await post('/ivr/status', { CallStatus: 'completed' }, '<Response/>');
  };
  await measureRounds(
    rounds,
    users * (steps + 3),
    (round) => Promise.all(Array.from({ length: users }, (_, u) => user(u, round))),
    () => (sealed.n ? `; sealed records: mean ${Math.round(sealed.chars / sealed.n)} chars of JSON` : ''),
  );
});
process.exit(0);
