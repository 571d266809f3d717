/**
 * The USSD step without HTTP, NOT part of `npm run bench`: `USERS` virtual users at once, each dials and
 * then answers `6`, `0` alternately `STEPS` times, straight into the USSD sessions (ussd.session.ts) on a
 * real Redis; prints the CPU per step of this process and the sealed record's size. For profiling the
 * session runtime: `node --cpu-prof --import tsx bench/experiments/ussd-steps.ts`.
 */
import { createChannelDeps } from '../../src/channels/index.js';
import { ussdInput } from '../../src/channels/ussd/ussd.path.js';
import { createUssdSessions } from '../../src/channels/ussd/ussd.session.js';
import { measureRounds, withExperimentContext } from './context.js';

const users = Number(process.env.USERS ?? 200);
const steps = Number(process.env.STEPS ?? 200);
const rounds = Number(process.env.ROUNDS ?? 3);

await withExperimentContext({ workers: false }, async (ctx) => {
  const { config } = ctx;
  const deps = createChannelDeps(ctx, { smpp: () => null });
  const ussd = createUssdSessions(deps);
  let sizes = 0;
  const user = async (u: number, round: number) => {
    const msisdn = String(8613900000001 + round * users + u);
    const sessionId = `s${round}-${u}`;
    let path = '';
    const step = (dial: boolean) =>
      ussd.step({
        msisdn,
        sessionId,
        dial,
        request: path,
        inputOf: (last, isNew) => ussdInput(path, last, isNew),
      });
    const root = await step(true);
    for (let i = 0; i < steps; i++) {
      path = path === '' ? '6' : `${path}*${i % 2 === 0 ? '6' : '0'}`;
      const page = await step(false);
      if (i % 2 === 1 && page.text !== root.text) throw new Error(`not back at the root: ${page.text}`);
    }
    const stored = await ctx.redis.get(`${config.redisPrefix}:session:ussd:${sessionId}`);
    sizes = stored?.length ?? 0;
  };
  await measureRounds(
    rounds,
    users * (steps + 1),
    (round) => Promise.all(Array.from({ length: users }, (_, u) => user(u, round))),
    () => `; record ${sizes} chars`,
  );
});
process.exit(0);
