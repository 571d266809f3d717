/**
 * `npm start`: the whole gateway in one process: HTTP server, queue workers, outbox relay, scheduler,
 * and every channel of the registry configured here (SMS when `SMPP_URL` is set, or, outside production,
 * over the phone simulator's in-process SMSC; its bind is then part of `/readyz`), and `/simulator`. It knows no channel by name: it builds what channels are given and loops over
 * them.
 */
import { createChannelDeps, startChannels } from '../channels/index.js';
import { createApp, createHttpServer } from '../http/index.js';
import { logger } from '../lib/index.js';
import { contextReadiness, PhoneSmsc, simulatorEnabled, simulatorRoutes } from '../ops/index.js';
import { boot } from './boot.js';

const { config, ctx, opsToken, onShutdown } = await boot('gateway', { workers: true });
// The phone simulator's SMSC, in this process, when no real one is configured (never in production): the
// SMS channel binds to it as to any SMSC, and `/simulator` texts through it.
const phone =
  simulatorEnabled(config) && !config.smppUrl
    ? await new PhoneSmsc({ shortCode: config.shortCode }).start()
    : null;
// Registered before the channels' stop, so it runs after it: the bind unbinds from a live SMSC.
if (phone) onShutdown(() => phone.close());
const channelConfig = phone ? { ...config, smppUrl: phone.smppUrl } : config;
const deps = createChannelDeps({ ...ctx, config: channelConfig, kickOutbox: () => ctx.relay.kick() });
const channels = await startChannels(deps);
onShutdown(() => channels.stop());
const app = createApp(ctx, {
  opsToken,
  readiness: contextReadiness(ctx, channels.readiness),
  routers: [...channels.routers, simulatorRoutes({ config, opsToken, sms: phone })],
  extraQueues: () => channels.queues(),
  registerMetrics: (registry) => channels.registerMetrics(registry),
});
const server = createHttpServer(app).listen(config.port, () => {
  // The port bound, not the one asked for: with PORT=0 the system picks it, and this line is how to find it.
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(
    { port, publicUrl: config.publicUrl, channels: channels.adapters.map((a) => a.id) },
    'gateway listening',
  );
  if (simulatorEnabled(config))
    logger.info(
      { simulator: `http://localhost:${port}/simulator` },
      'phone simulator: open it, log in with OPS_TOKEN',
    );
});
// Registered last, so it runs first: no new HTTP requests while the channels and the workers wind down.
onShutdown(() => new Promise<void>((resolve) => server.close(() => resolve())));
