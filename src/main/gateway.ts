/**
 * `npm start`: the whole gateway in one process: HTTP server, queue workers, outbox relay, scheduler,
 * and every channel of the registry configured here (SMS when `SMPP_URL` is set; its bind is then part
 * of `/readyz`). It knows no channel by name: it builds what channels are given and loops over them.
 */
import { type ChannelDeps, startChannels } from '../channels/index.js';
import { smppEndpointOf } from '../channels/sms/index.js';
import type { SmppEndpoint } from '../channels/smpp/index.js';
import { createApp } from '../http/index.js';
import { keyringOf } from '../lib/keyring.js';
import { logger } from '../lib/logger.js';
import { contextReadiness } from '../ops/index.js';
import { createSessionRunner, createSessionRuntime } from '../sessions/index.js';
import { boot } from './boot.js';

const { config, ctx, opsToken, onShutdown } = await boot('gateway', { workers: true });
const keys = keyringOf(config);
// Its own connection, free of BullMQ's scripts: concurrent steps' commands share writes.
const runtime = createSessionRuntime({
  redis: ctx.connection({ autoPipelining: true }),
  keys,
  prefix: config.redisPrefix,
  bus: ctx.bus,
  commandTimeoutMs: config.ussdDeadlineMs,
});
let smpp: SmppEndpoint | null | undefined;
const deps: ChannelDeps = {
  config,
  db: ctx.db,
  redis: ctx.redis,
  bus: ctx.bus,
  keys,
  logger,
  connection: ctx.connection,
  runtime,
  sessions: createSessionRunner({
    runtime,
    redis: ctx.redis,
    keys,
    prefix: config.redisPrefix,
    bus: ctx.bus,
    commandTimeoutMs: config.ussdDeadlineMs,
    defaultLocale: config.locale,
  }),
  smpp: (metrics) => {
    if (smpp === undefined) smpp = config.smppUrl ? smppEndpointOf(config, metrics) : null;
    return smpp;
  },
};
const channels = await startChannels(deps);
onShutdown(() => channels.stop());
const app = createApp(ctx, {
  opsToken,
  readiness: contextReadiness(ctx, channels.readiness),
  routers: channels.routers,
  extraQueues: () => channels.queues(),
  registerMetrics: (registry) => channels.registerMetrics(registry),
});
const server = app.listen(config.port, () => {
  // The port bound, not the one asked for: with PORT=0 the system picks it, and this line is how to find it.
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(
    { port, publicUrl: config.publicUrl, channels: channels.adapters.map((a) => a.id) },
    'gateway listening',
  );
});
// Registered last, so it runs first: no new HTTP requests while the channels and the workers wind down.
onShutdown(() => new Promise<void>((resolve) => server.close(() => resolve())));
