/**
 * The STK step without HTTP, NOT part of `npm run bench`: `USERS` virtual users at once, each opens the
 * menu with the MENU SELECTION envelope of item 6, then answers back and item 6 alternately `STEPS`
 * times (the TLVs of bench/stk-load.ts), then ends, straight into the STK sessions (stk.session.ts) on a
 * real Redis; prints the CPU per step of this process. For profiling:
 * `node --cpu-prof --import tsx bench/experiments/stk-steps.ts`.
 */
import { createChannelDeps } from '../../src/channels/index.js';
import { createStkSessions, normalizeStk } from '../../src/channels/stk/index.js';
import { SIM } from '../stk-load.js';
import { measureRounds, withExperimentContext } from './context.js';

const users = Number(process.env.USERS ?? 200);
const steps = Number(process.env.STEPS ?? 200);
const rounds = Number(process.env.ROUNDS ?? 3);

// PUSH_CHECK_MS: how often a session looks for a merchant's request (STK_PUSH_CHECK_MS; default the config's).
const pushCheck = process.env.PUSH_CHECK_MS ? { stkPushCheckMs: Number(process.env.PUSH_CHECK_MS) } : {};

await withExperimentContext({ workers: false, config: pushCheck }, async (ctx) => {
  const deps = createChannelDeps(ctx, { smpp: () => null });
  const stk = createStkSessions(deps);
  const user = async (u: number, round: number) => {
    const msisdn = String(8613900000001 + round * users + u);
    const sessionId = `s${round}-${u}`;
    const step = async (tlv: string, expect: string) => {
      const inbound = normalizeStk({ body: { msisdn, sessionId, tlv } });
      if ('rejected' in inbound) throw new Error(inbound.rejected);
      const outcome = await stk.step(inbound);
      if (outcome.status !== 200 || outcome.reply.command !== expect)
        throw new Error(`expected ${expect}: ${JSON.stringify(outcome)}`);
    };
    await step(SIM.menuItem6, 'SELECT_ITEM');
    for (let i = 0; i < steps; i++) await step(i % 2 === 0 ? SIM.back : SIM.item6, 'SELECT_ITEM');
    await step(SIM.end, 'END');
  };
  await measureRounds(rounds, users * (steps + 2), (round) =>
    Promise.all(Array.from({ length: users }, (_, u) => user(u, round))),
  );
});
process.exit(0);
