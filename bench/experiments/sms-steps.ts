/**
 * The SMS conversation without SMPP, NOT part of `npm run bench`: `USERS` users at once each text `YE`
 * (a balance: the command runs in this process) `ROUNDS` times, straight into the conversation
 * (sessions/sms-conversation.ts) on a real Redis and PostgreSQL; prints this process's CPU per MO. For
 * comparing two versions of the conversation on a machine too busy for `sms.throughput`'s rates.
 */
import { createChannelDeps } from '../../src/channels/index.js';
import { keyringOf } from '../../src/lib/keyring.js';
import { createSmsConversation } from '../../src/sessions/index.js';
import { withExperimentContext } from './context.js';

const users = Number(process.env.USERS ?? 50);
const rounds = Number(process.env.ROUNDS ?? 6);
const perRound = Number(process.env.PER_ROUND ?? 40);

await withExperimentContext({ workers: true }, async (ctx) => {
  const { config } = ctx;
  const deps = createChannelDeps(ctx, { smpp: () => null });
  const conversation = createSmsConversation({
    db: ctx.db,
    redis: ctx.redis,
    keys: keyringOf(config),
    prefix: config.redisPrefix,
    bus: deps.bus,
    commandTimeoutMs: 30_000,
    defaultLocale: 'zh-CN',
  });
  let n = 0;
  for (let round = 0; round < rounds; round++) {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: users }, async (_, u) => {
        for (let i = 0; i < perRound; i++) {
          const replies = await conversation.handle(String(8613900000001 + u), 'YE', {
            messageId: `m${n++}`,
          });
          if (!replies[0]?.includes('余额')) throw new Error(`unexpected reply ${replies}`);
        }
      }),
    );
    const spent = process.cpuUsage(cpu);
    const mos = users * perRound;
    console.log(
      `round ${round}: ${mos} MOs in ${(performance.now() - t0).toFixed(0)} ms; CPU ${((spent.user + spent.system) / 1000 / mos).toFixed(3)} ms per MO`,
    );
  }
});
process.exit(0);
