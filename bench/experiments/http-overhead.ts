/**
 * What the gateway's HTTP stack costs before a channel's step, NOT part of `npm run bench`: the app as
 * the gateway builds it (every channel's router, the middleware, no workers), in this process, and
 * autocannon in a child process sending requests the channel refuses at once (400) or no route answers
 * (404), or the noop server's answer shape; prints this process's CPU per request for each. For profiling:
 * `node --cpu-prof --import tsx bench/experiments/http-overhead.ts`.
 */
import express from 'express';
import { createChannelDeps, startChannels } from '../../src/channels/index.js';
import { createApp } from '../../src/http/index.js';
import { contextReadiness } from '../../src/ops/index.js';
import { listenLocally, postLoadCpu, withExperimentContext } from './context.js';

const seconds = Number(process.env.SECONDS ?? 5);
const connections = Number(process.env.CONNECTIONS ?? 100);

const cases: { name: string; path: string; type: string; body: string }[] = [
  {
    name: 'stk 400 (no msisdn)',
    path: '/stk/events',
    type: 'application/json',
    body: '{"sessionId":"x","tlv":"00"}',
  },
  {
    name: 'ussd 400 (no sessionId)',
    path: '/ussd',
    type: 'application/x-www-form-urlencoded',
    body: 'phoneNumber=8613900000001&text=',
  },
  { name: '404 (no route)', path: '/nothing', type: 'application/json', body: '{}' },
];

await withExperimentContext({ workers: false }, async (ctx) => {
  const deps = createChannelDeps(ctx, { smpp: () => null });
  const channels = await startChannels(deps);
  const app = createApp(ctx, {
    opsToken: 'x'.repeat(32),
    readiness: contextReadiness(ctx, channels.readiness),
    routers: channels.routers,
  });
  const gateway = await listenLocally(app);
  // The noop server's STK answer (bench/noop-server.ts), in this process: bare express, no middleware.
  const bare = express();
  bare.post('/stk/events', (_req, res) => {
    res.json({ command: 'END', tlv: '' });
  });
  const bareServer = await listenLocally(bare);
  for (let round = 0; round < 2; round++)
    for (const c of [...cases, { ...cases[0], name: 'bare express, the noop STK answer' }]) {
      const origin = c.name.startsWith('bare') ? bareServer.url : gateway.url;
      await postLoadCpu(c.name, `${origin}${c.path}`, {
        body: c.body,
        headers: [`content-type=${c.type}`],
        connections,
        seconds,
      });
    }
  gateway.server.close();
  bareServer.server.close();
  await channels.stop();
});
process.exit(0);
